import type { RemoteEmoji } from '@mammut/contracts';
import type { MCustomEmoji } from './entities';

/**
 * A `:shortcode:` as Mastodon finds one in text (CustomEmoji::SCAN_RE): not glued to a letter,
 * digit or colon on either side, so `a:b:c` and `12:30:45` name no emoji.
 */
const SCAN = /(?<=^|[^\p{L}\p{N}:]):([a-zA-Z0-9_]{2,}):(?=[^\p{L}\p{N}:]|$)/gu;

/**
 * The custom emoji of an object that its texts use, as Mastodon's `emojis` lists them (from_text
 * over the object's texts): an emoji carried but not used is left out, whatever the peer sent.
 * `url` and `static_url` are the image on the remote server for now: the media service will cache
 * and proxy them (and make a still `static_url`), as Mastodon serves its own copies. Remote emoji
 * are never offered in the picker. `emojis` may be absent in a record cached before emoji existed.
 */
export function serializeEmojis(
  emojis: readonly RemoteEmoji[] | undefined,
  texts: readonly string[],
): MCustomEmoji[] {
  if (!emojis?.length) return [];
  const used = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(SCAN)) used.add(match[1]);
  return emojis.flatMap((emoji) =>
    used.has(emoji.shortcode)
      ? [{ shortcode: emoji.shortcode, url: emoji.url, static_url: emoji.url, visible_in_picker: false }]
      : [],
  );
}
