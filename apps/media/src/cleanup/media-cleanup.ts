import { contracts } from '@mammut/contracts';
import { type Config, createMediaStorage, logger, type MediaStorage, Outbox } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { MEDIA_SCHEMA, mediaDataSource } from '../database/media-database';
import { staticImageKey } from '../profiles/profile-images';

/** Mastodon removes uploads no status took after a day (MediaCleanupScheduler). */
export const UNATTACHED_RETENTION_HOURS = 24;
/** Rows claimed per statement: replicas sweeping at once skip each other's (SKIP LOCKED). */
const BATCH = 100;

export interface CleanupCounts {
  /** Local uploads no status took, and remote attachments whose status never arrived. */
  unattached: number;
  /** Avatars and headers stored but never made current (a profile change that failed). */
  profileImages: number;
  /** Remote attachments whose cached files were removed (fetched again on demand). */
  remoteCache: number;
}

/**
 * What media keeps no longer than it must, as Mastodon's MediaCleanupScheduler and `tootctl media
 * remove`: uploads no status took within a day (rows and files), remote attachments whose status
 * never came, avatars and headers that never became current, and on demand (or by the retention
 * setting) the cached files of remote media older than some days, whose rows stay so that the
 * media proxy can fetch them again. Each batch is claimed with SKIP LOCKED and its rows deleted
 * before its files, so replicas and the CLI can run it at once, and a crash leaves at worst a file
 * nobody links to.
 */
export class MediaCleanup {
  private readonly log = logger('media:cleanup');
  private readonly outbox = new Outbox({ schema: MEDIA_SCHEMA });

  constructor(
    private readonly db: DataSource,
    private readonly storage: MediaStorage,
  ) {}

  /** The scheduled part: unattached uploads, orphaned remote rows, pending profile images. */
  async sweep(hours = UNATTACHED_RETENTION_HOURS): Promise<Omit<CleanupCounts, 'remoteCache'>> {
    return {
      unattached: await this.removeUnattached(hours),
      profileImages: await this.removePendingProfileImages(hours),
    };
  }

  async removeUnattached(hours: number): Promise<number> {
    return this.inBatches(() =>
      this.db.transaction(async (tx) => {
        const [gone]: [{ id: string; account_id: string; keys: (string | null)[] }[], number] =
          await tx.query(
            `DELETE FROM media.media_attachments WHERE id IN (
               SELECT id FROM media.media_attachments
                WHERE status_id IS NULL AND scheduled_status_id IS NULL AND processing <> 'in_progress'
                  AND created_at < now() - make_interval(hours => $1)
                ORDER BY created_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
             RETURNING id::text, account_id::text, ARRAY[upload_key, file_key, small_key] AS keys`,
            [hours],
          );
        for (const row of gone)
          await this.outbox.add(tx, contracts.media.attachments.events.attachmentDeleted, {
            id: row.id,
            accountId: row.account_id,
          });
        return gone.map((row) => row.keys);
      }),
    );
  }

  async removePendingProfileImages(hours: number): Promise<number> {
    return this.inBatches(async () => {
      const [rows]: [{ file_key: string }[], number] = await this.db.query(
        `DELETE FROM media.profile_images WHERE id IN (
           SELECT id FROM media.profile_images
            WHERE NOT current AND created_at < now() - make_interval(hours => $1)
            LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
         RETURNING file_key`,
        [hours],
      );
      // An animated one takes its still frame along.
      return rows.map((row) => [row.file_key, staticImageKey(row.file_key)]);
    });
  }

  /**
   * `tootctl media remove --days`: the cached files of remote attachments fetched more than `days`
   * ago. The rows stay (their remote URL, alt text, blurhash), linked through the media proxy again.
   */
  async removeRemoteCache(days: number): Promise<number> {
    return this.inBatches(async () => {
      const [rows]: [{ keys: (string | null)[] }[], number] = await this.db.query(
        `WITH old AS (
           SELECT id, file_key, small_key FROM media.media_attachments
            WHERE remote_url IS NOT NULL AND file_key IS NOT NULL
              AND coalesce(fetched_at, created_at) < now() - make_interval(days => $1)
            LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
         UPDATE media.media_attachments m
            SET file_key = NULL, small_key = NULL, file_size = NULL, fetched_at = NULL, updated_at = now()
           FROM old WHERE m.id = old.id
         RETURNING ARRAY[old.file_key, old.small_key] AS keys`,
        [days],
      );
      return rows.map((row) => row.keys);
    });
  }

  /**
   * Runs `batch` until it claims fewer than a batch's rows, removing the files each claimed row
   * named once its statement committed; answers how many rows there were.
   */
  private async inBatches(batch: () => Promise<(string | null)[][]>): Promise<number> {
    let removed = 0;
    for (;;) {
      const files = await batch();
      await this.removeFiles(files.flat());
      removed += files.length;
      if (files.length < BATCH) return removed;
    }
  }

  private async removeFiles(keys: (string | null)[]): Promise<void> {
    for (const key of keys) {
      if (!key) continue;
      await this.storage
        .delete(key)
        .catch((error: unknown) => this.log.warn({ err: error, key }, 'file left in storage'));
    }
  }
}

/** For the CLI: a cleanup on the configured database and storage, closed afterwards. */
export async function withMediaCleanup<T>(
  config: Config,
  work: (cleanup: MediaCleanup) => Promise<T>,
): Promise<T> {
  const db = await mediaDataSource(config).initialize();
  try {
    return await work(new MediaCleanup(db, createMediaStorage(config)));
  } finally {
    await db.destroy();
  }
}
