import type { mastodon } from 'masto';
import { twoToneImage } from '../../apps/media/src/attachments/test-images';
import { pollUntil } from './poll';

/**
 * A small PNG uploaded through `POST /api/v2/media` with alt text and a focus, waited for until
 * processed (its `url` set): the id a status's `media_ids` can name.
 */
export async function uploadedImage(
  client: mastodon.rest.Client,
  description = 'a picture',
  focus = '0.5,-0.25',
): Promise<string> {
  const created = await client.v2.media.create({
    file: new Blob([await twoToneImage(120, 80, 'png')], { type: 'image/png' }),
    description,
    focus,
    skipPolling: true,
  });
  await pollUntil(
    () => client.v1.media.$select(created.id).fetch(),
    (media) => media.url !== null,
    20_000,
  );
  return created.id;
}
