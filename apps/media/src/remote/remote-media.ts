import { Inject, Injectable } from '@nestjs/common';
import {
  contracts,
  MEDIA_LIMITS,
  type MediaAttachmentRecord,
  type MediaMeta,
  notFound,
  type RemoteAttachment,
} from '@mammut/contracts';
import {
  GuardedHttp,
  Jobs,
  logger,
  MEDIA_STORAGE,
  type MediaStorage,
  OutboundHttpError,
  RUNTIME,
  type Runtime,
  temporaryUploadKey,
} from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { MEDIA_DB } from '../database/media-database';
import { MEDIA_COLUMNS, MediaAttachments, type MediaRow } from '../attachments/media-attachments';

/** A remote file is not asked for again within this long after a try (the media proxy's pace). */
const RETRY_AFTER_MS = 5 * 60_000;
/** The whole download, every redirect and byte (Mastodon's media download timeout is 30 s per read). */
export const DOWNLOAD_TIMEOUT_MS = 60_000;

/** A download that failed for the moment: the server timed out, was unreachable or in trouble. */
export const worthRetrying = (error: OutboundHttpError): boolean =>
  error.code === 'timeout' ||
  error.code === 'network' ||
  (error.code === 'bad_status' && (error.status === 429 || (error.status ?? 0) >= 500));

/** What a remote file may weigh: Mastodon's video limit for video and audio, its image limit else. */
const capOf = (type: MediaAttachmentRecord['type']): number =>
  type === 'video' || type === 'audio' || type === 'gifv' ? MEDIA_LIMITS.videoBytes : MEDIA_LIMITS.imageBytes;

/**
 * Attachments of remote statuses (Mastodon's remote MediaAttachment): a row per file, known by its
 * author and URL, its metadata as the remote server states it until the file is here. The file is
 * fetched through the guarded client (private addresses refused, size and time capped), cached
 * and processed exactly as an upload is (the bytes decide what it is), unless the domain's media
 * is rejected; a cache that was cleared is filled again on demand through the media proxy.
 */
@Injectable()
export class RemoteMedia {
  private readonly log = logger('media:remote');
  private readonly jobs: Jobs;
  private readonly http: GuardedHttp;

  constructor(
    @Inject(MEDIA_DB) private readonly db: DataSource,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @Inject(RUNTIME) runtime: Runtime,
    private readonly attachments: MediaAttachments,
  ) {
    this.jobs = new Jobs({ nats: runtime.nats, prefix: runtime.config.natsPrefix });
    this.http = GuardedHttp.fromConfig(runtime.config, { maxBytes: MEDIA_LIMITS.videoBytes });
  }

  /** The attachments of a remote status, in order; those to download are queued for it. */
  async save(
    accountId: string,
    attachments: readonly RemoteAttachment[],
    download: boolean,
  ): Promise<string[]> {
    const ids: string[] = [];
    for (const attachment of attachments) {
      const meta: MediaMeta = {
        ...(attachment.width && attachment.height
          ? {
              original: {
                width: attachment.width,
                height: attachment.height,
                size: `${attachment.width}x${attachment.height}`,
                aspect: attachment.width / attachment.height,
              },
            }
          : {}),
        ...(attachment.focus ? { focus: attachment.focus } : {}),
      };
      // Rejected media shows as a link to its server, as Mastodon's `unknown` attachments.
      const type = download ? attachment.type : 'unknown';
      const [row]: MediaRow[] = await this.db.query(
        `INSERT INTO media.media_attachments
           (account_id, remote_url, type, processing, meta, description, blurhash, download)
         VALUES ($1, $2, $3, 'complete', $4::jsonb, $5, $6, $7)
         ON CONFLICT (account_id, remote_url) WHERE remote_url IS NOT NULL DO UPDATE
           SET description = EXCLUDED.description,
               meta = media_attachments.meta || jsonb_strip_nulls(jsonb_build_object('focus', EXCLUDED.meta->'focus')),
               download = EXCLUDED.download, updated_at = now()
         RETURNING ${MEDIA_COLUMNS}, file_key`,
        [accountId, attachment.remoteUrl, type, meta, attachment.description, attachment.blurhash, download],
      );
      ids.push(row.id);
      if (download && !row.file_key)
        await this.jobs.enqueue(
          contracts.media.jobs.fetch,
          { id: row.id },
          { jobId: `remote-media-${row.id}` },
        );
    }
    return ids;
  }

  /** Mastodon's media proxy: the attachment, its file fetched first when it is not here and may be. */
  async fetchNow(id: string): Promise<MediaAttachmentRecord> {
    const row = await this.row(id);
    if (!row?.remote_url) throw notFound();
    if (row.file_key || !row.download) return this.attachments.toRecord(row);
    await this.download(id).catch((error: unknown) => {
      this.log.info({ id, err: String(error) }, 'remote media not fetched');
    });
    return this.attachments.toRecord((await this.row(id)) ?? row);
  }

  /**
   * Fetches and processes one remote file, unless it is here already, may not be fetched, or was
   * tried a moment ago. A file at fault (too large, not media, undecodable) leaves the attachment a
   * link to its server; a server away throws, for the job to try again later.
   */
  async download(id: string): Promise<void> {
    const [[claimed]]: [(MediaRow & { file_key: string | null })[], number] = await this.db.query(
      `UPDATE media.media_attachments SET fetched_at = now()
        WHERE id = $1 AND remote_url IS NOT NULL AND download AND file_key IS NULL
          AND processing <> 'in_progress'
          AND (fetched_at IS NULL OR fetched_at < now() - make_interval(secs => $2))
        RETURNING ${MEDIA_COLUMNS}, file_key`,
      [id, RETRY_AFTER_MS / 1000],
    );
    if (!claimed) return;
    const remoteUrl = claimed.remote_url!;
    let body: Buffer;
    try {
      ({ body } = await this.http.get(remoteUrl, {
        maxBytes: capOf(claimed.type),
        timeoutMs: DOWNLOAD_TIMEOUT_MS,
      }));
    } catch (error) {
      // Only a server away (timeout, network, 5xx, 429) may do better later; the rest is final.
      if (error instanceof OutboundHttpError && !worthRetrying(error)) {
        this.log.info({ id, remoteUrl, err: error.message }, 'remote media not fetched');
        return;
      }
      await this.db.query(`UPDATE media.media_attachments SET fetched_at = NULL WHERE id = $1`, [id]);
      throw error;
    }
    const uploadKey = temporaryUploadKey();
    await this.storage.put(uploadKey, body, 'application/octet-stream');
    await this.db.query(
      `UPDATE media.media_attachments SET upload_key = $2, processing = 'in_progress', updated_at = now()
        WHERE id = $1 AND file_key IS NULL`,
      [id, uploadKey],
    );
    try {
      await this.attachments.process(id);
    } catch (error) {
      this.log.info({ id, remoteUrl, err: String(error) }, 'remote media not processed');
      await this.db.query(
        `UPDATE media.media_attachments
            SET processing = 'complete', upload_key = NULL, processing_error = $2, updated_at = now()
          WHERE id = $1 AND file_key IS NULL`,
        [id, String(error).slice(0, 1000)],
      );
      await this.storage.delete(uploadKey);
    }
  }

  /**
   * A remote status arrived or was edited: its attachments now belong to it (deleted with it). An
   * attachment of another author's, or already on a status, is left as it is.
   */
  async linkToStatus(
    tx: EntityManager,
    statusId: string,
    accountId: string,
    mediaIds: readonly string[],
  ): Promise<void> {
    if (!mediaIds.length) return;
    await tx.query(
      `UPDATE media.media_attachments SET status_id = $1, updated_at = now()
        WHERE id = ANY($3::bigint[]) AND account_id = $2 AND remote_url IS NOT NULL AND status_id IS NULL`,
      [statusId, accountId, mediaIds],
    );
  }

  private async row(id: string): Promise<(MediaRow & { file_key: string | null }) | undefined> {
    const [row]: (MediaRow & { file_key: string | null })[] = await this.db.query(
      `SELECT ${MEDIA_COLUMNS}, file_key FROM media.media_attachments WHERE id = $1`,
      [id],
    );
    return row;
  }
}
