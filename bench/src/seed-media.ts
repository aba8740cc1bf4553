import { encode } from 'blurhash';
import type { Client } from 'pg';

/** What the media service stores for a processed 1600×1200 photo (Mastodon's `meta`). */
const META = {
  original: { width: 1600, height: 1200, size: '1600x1200', aspect: 1600 / 1200 },
  small: { width: 554, height: 415, size: '554x415', aspect: 554 / 415 },
};

/** A real blurhash (4×4 components) of a small made-up gradient, so answers carry a valid one. */
function sampleBlurhash(): string {
  const width = 32;
  const height = 24;
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i += 1) {
    const x = i % width;
    const y = Math.floor(i / width);
    pixels.set([40 + x * 6, 90 + y * 4, 200 - y * 5, 255], i * 4);
  }
  return encode(pixels, width, height, 4, 4);
}

/**
 * Processed image attachments on existing statuses, as the media service leaves them once a
 * status took its uploads: `counts[i]` attachments on `statusIds[i]` (by the status's author,
 * complete, with storage keys shaped as the service names them, meta, blurhash and alt text), and
 * the statuses' `media_ids` pointing at them in order. The files themselves are not written: the
 * timelines and searches measured only present their URLs. Answers how many were made.
 */
export async function attachMedia(client: Client, statusIds: string[], counts: number[]): Promise<number> {
  if (!statusIds.length) return 0;
  const { rowCount } = await client.query(
    `INSERT INTO media.media_attachments
       (account_id, status_id, type, processing, file_content_type, file_size, meta, blurhash, description)
     SELECT s.account_id, s.id, 'image', 'complete', 'image/jpeg', 180000 + n * 1000, $3::jsonb, $4,
            CASE WHEN n % 2 = 1 THEN 'A photo, ' || n END
       FROM unnest($1::bigint[], $2::int[]) AS t(id, count)
       JOIN statuses.statuses s ON s.id = t.id, generate_series(1, t.count) AS n`,
    [statusIds, counts, JSON.stringify(META), sampleBlurhash()],
  );
  // Keys as media-storage.ts's mediaAttachmentKey makes them: the id in groups of three digits.
  await client.query(
    `UPDATE media.media_attachments m
        SET file_key = 'media_attachments/files/' || k.partition || 'original/' || k.name,
            small_key = 'media_attachments/files/' || k.partition || 'small/' || k.name
       FROM (SELECT id,
                    regexp_replace(lpad(id::text, greatest(18, ceil(length(id::text) / 3.0)::int * 3), '0'),
                                   '([0-9]{3})', '\\1/', 'g') AS partition,
                    substr(md5(id::text), 1, 16) || '.jpg' AS name
               FROM media.media_attachments WHERE status_id = ANY($1::bigint[])) k
      WHERE m.id = k.id`,
    [statusIds],
  );
  await client.query(
    `UPDATE statuses.statuses s SET media_ids = m.ids
       FROM (SELECT status_id, array_agg(id ORDER BY id) AS ids FROM media.media_attachments
              WHERE status_id = ANY($1::bigint[]) GROUP BY status_id) m
      WHERE s.id = m.status_id`,
    [statusIds],
  );
  return rowCount ?? 0;
}
