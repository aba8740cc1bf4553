import { createReadStream, createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  contracts,
  type ErrorDetails,
  MEDIA_LIMITS,
  type MediaAttachmentRecord,
  type MediaAttributes,
  type MediaMeta,
  type MediaProcessing,
  notFound,
  type RequestOf,
  SNIFF_BYTES,
  sniffMedia,
} from '@mammut/contracts';
import {
  Jobs,
  logger,
  MEDIA_STORAGE,
  type MediaStorage,
  mediaAttachmentKey,
  type Outbox,
  ReadThrough,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { MEDIA_DB, MEDIA_OUTBOX } from '../database/media-database';
import { MediaRecordsCache } from './media-cache';
import {
  CONTENT_TYPES,
  dimensionsOf,
  EXTENSIONS,
  type InspectedImage,
  INVALID_FILE_TYPE,
  inspectImage,
  processImage,
  UnacceptableMedia,
  UndecodableMedia,
} from './images';
import { classify, passesThrough, type Playable } from './playable';
import {
  Deadline,
  heicToJpeg,
  type ProcessedMedia,
  probeFile,
  processAudio,
  processVideo,
} from './playable-processing';
import { MediaTools, ToolMissing, ToolTimeout, withTempDir } from './tools';

type NewAttachment = RequestOf<typeof contracts.media.attachments.create>;
type AttachmentChange = RequestOf<typeof contracts.media.attachments.update>;

/** Mastodon's answer for an attachment whose processing failed (`processing_error`). */
export const PROCESSING_ERROR = 'Error processing thumbnail for uploaded media';
const IN_USE_ERROR = 'Media attachment is currently used by a status';
const invalidSize = (bytes: number): string =>
  `Validation failed: File file size must be less than ${bytes / 1024 / 1024} MB`;
/** Refused on a server without ffmpeg (or heif-convert), rather than taken and never processed. */
export const PLAYABLE_UNSUPPORTED = 'Video and audio files are not supported on this server';
export const HEIC_UNSUPPORTED = 'HEIC images are not supported on this server';
/** Mastodon's media_attachments.validations, as PostStatusService#validate_media! raises them. */
export const TOO_MANY = `Cannot attach more than ${MEDIA_LIMITS.perStatus} files`;
export const IMAGES_AND_VIDEO = 'Cannot attach a video to a post that already contains images';
export const NOT_READY = 'Cannot attach files that have not finished processing. Try again in a moment!';
const notFoundOrAttached = (ids: string[]): string =>
  `Media ${ids.join(', ')} not found or already attached to another post`;
const DESCRIPTION_TOO_LONG = `Validation failed: Description is too long (maximum is ${MEDIA_LIMITS.descriptionLength} characters)`;

export interface MediaRow {
  id: string;
  account_id: string;
  status_id: string | null;
  scheduled_status_id: string | null;
  type: MediaAttachmentRecord['type'];
  processing: MediaProcessing;
  processing_error: string | null;
  upload_key: string | null;
  file_key: string | null;
  small_key: string | null;
  meta: MediaMeta;
  description: string | null;
  blurhash: string | null;
  failure_description: string | null;
  remote_url: string | null;
  download: boolean;
  created_at: Date;
}

export const MEDIA_COLUMNS = `id::text AS id, account_id::text AS account_id, status_id::text AS status_id,
  scheduled_status_id::text AS scheduled_status_id, type,
  processing, processing_error, upload_key, file_key, small_key, meta, description, blurhash,
  failure_description, remote_url, download, created_at`;

/**
 * A processing failure retrying cannot fix: the file itself is at fault, or gone. `description`
 * is what the uploader is told, when it is the file's doing (too slow to process, undecodable).
 */
class PermanentFailure extends Error {
  constructor(
    message: string,
    readonly description?: string,
  ) {
    super(message);
  }
}

const UNDECODABLE = 'The file could not be decoded';

const durationText = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} seconds` : `${ms} ms`);

/** What an upload is, from its bytes. */
type Detected =
  | {
      readonly kind: 'image';
      readonly bytes: Buffer;
      readonly image: InspectedImage;
      readonly animated: boolean;
    }
  | { readonly kind: 'playable'; readonly path: string; readonly playable: Playable };

/** Mastodon's 422 of a failed attachment, with why when the uploader may know it. */
function processingError(description: string | null | undefined): ContractError {
  const details: ErrorDetails | undefined = description
    ? { file: [{ error: 'ERR_PROCESSING', description }] }
    : undefined;
  return new ContractError('unprocessable', PROCESSING_ERROR, details);
}

/**
 * Media attachments, as Mastodon's MediaAttachment: an upload waiting in storage becomes an
 * attachment once its bytes are known to be an image this server takes (nothing is kept of one
 * that is not), then is processed into a re-encoded original, a preview and a blurhash, at once
 * (API v1) or by a job (API v2). Only its owner reaches it; alt text and focus change, and it may
 * be deleted, only while no status carries it.
 */
@Injectable()
export class MediaAttachments {
  private readonly log = logger('media:attachments');
  private readonly jobs: Jobs;
  /** ffmpeg, ffprobe and heif-convert, as configured. */
  readonly tools: MediaTools;
  private readonly publicOrigin: string;
  /** Attachments by id through their cache (MediaRecordsCache); misses read together. */
  private readonly records: ReadThrough<MediaAttachmentRecord>;

  constructor(
    @Inject(MEDIA_DB) private readonly db: DataSource,
    @Inject(MEDIA_OUTBOX) private readonly outbox: Outbox,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @Inject(RUNTIME) runtime: Runtime,
    cache: MediaRecordsCache,
  ) {
    this.jobs = new Jobs({ nats: runtime.nats, prefix: runtime.config.natsPrefix });
    this.tools = new MediaTools(runtime.config.mediaProcessing);
    this.publicOrigin = runtime.config.publicOrigin;
    this.records = new ReadThrough(cache, async (ids) => {
      const rows: MediaRow[] = await this.db.query(
        `SELECT ${MEDIA_COLUMNS} FROM media.media_attachments WHERE id = ANY($1::bigint[])`,
        [ids],
      );
      return rows.map((row) => ({ key: row.id, value: this.toRecord(row), tags: [`m:${row.id}`] }));
    });
  }

  async create(input: NewAttachment): Promise<MediaAttachmentRecord> {
    let row: MediaRow;
    try {
      if ((input.description?.length ?? 0) > MEDIA_LIMITS.descriptionLength)
        throw new ContractError('unprocessable', DESCRIPTION_TOO_LONG);
      const type = await withTempDir(async (dir) => {
        const detected = await this.detect(input.uploadKey, dir).catch((error: unknown) => {
          throw error instanceof UnacceptableMedia
            ? new ContractError('unprocessable', error.message)
            : error;
        });
        if (!detected) throw new ContractError('unprocessable', 'Validation failed: File must be present');
        return detected.kind === 'image' ? (detected.animated ? 'gifv' : 'image') : detected.playable.type;
      });
      const meta: MediaMeta = input.focus ? { focus: input.focus } : {};
      const rows: MediaRow[] = await this.db.query(
        `INSERT INTO media.media_attachments (account_id, upload_key, meta, description, type)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${MEDIA_COLUMNS}`,
        [input.accountId, input.uploadKey, meta, input.description, type],
      );
      row = rows[0];
    } catch (error) {
      // Refused (or not taken for any reason): the upload is not kept.
      await this.storage.delete(input.uploadKey);
      throw error;
    }
    if (!input.processNow) {
      try {
        await this.jobs.enqueue(contracts.media.jobs.process, { id: row.id }, { jobId: `media-${row.id}` });
      } catch (error) {
        await this.discard(row);
        throw error;
      }
      return this.toRecord(row);
    }
    try {
      return await this.process(row.id);
    } catch (error) {
      // API v1 answers with the outcome: nothing of an upload that could not be processed stays.
      await this.discard(row);
      if (error instanceof PermanentFailure) throw processingError(error.description);
      throw error;
    }
  }

  /** The owner's attachment, ready or still processing; a failed one is Mastodon's 422. */
  async get(accountId: string, id: string): Promise<MediaAttachmentRecord> {
    const row = await this.owned(accountId, id);
    if (row.processing === 'failed') throw processingError(row.failure_description);
    return this.toRecord(row);
  }

  async update(change: AttachmentChange): Promise<MediaAttachmentRecord> {
    const row = await this.owned(change.accountId, change.id);
    // Mastodon looks only among attachments on no status.
    if (row.status_id !== null) throw notFound();
    if (row.processing === 'failed') throw new ContractError('unprocessable', PROCESSING_ERROR);
    if ((change.description?.length ?? 0) > MEDIA_LIMITS.descriptionLength)
      throw new ContractError('unprocessable', DESCRIPTION_TOO_LONG);
    const [rows]: [MediaRow[], number] = await this.db.query(
      `UPDATE media.media_attachments
       SET description = CASE WHEN $3 THEN $4 ELSE description END,
           meta = CASE WHEN $5::jsonb IS NULL THEN meta ELSE meta || jsonb_build_object('focus', $5::jsonb) END,
           updated_at = now()
       WHERE id = $1 AND account_id = $2 AND status_id IS NULL
       RETURNING ${MEDIA_COLUMNS}`,
      [
        change.id,
        change.accountId,
        change.description !== undefined,
        change.description ?? null,
        change.focus ? JSON.stringify(change.focus) : null,
      ],
    );
    if (!rows[0]) throw notFound();
    return this.toRecord(rows[0]);
  }

  /** Mastodon's destroy: refused while a status, or a scheduled one, carries it; its files go with it. */
  async delete(accountId: string, id: string): Promise<void> {
    const row = await this.owned(accountId, id);
    if (row.status_id !== null || row.scheduled_status_id !== null)
      throw new ContractError('unprocessable', IN_USE_ERROR);
    const deleted = await this.db.transaction(async (tx) => {
      const [rows]: [MediaRow[], number] = await tx.query(
        `DELETE FROM media.media_attachments
          WHERE id = $1 AND status_id IS NULL AND scheduled_status_id IS NULL
          RETURNING ${MEDIA_COLUMNS}`,
        [id],
      );
      if (rows[0])
        await this.outbox.add(tx, contracts.media.attachments.events.attachmentDeleted, { id, accountId });
      return rows[0];
    });
    if (!deleted) throw new ContractError('unprocessable', IN_USE_ERROR);
    await this.removeFiles(deleted);
  }

  /**
   * Checks (`statusId` null) or attaches the author's attachments to a status, as Mastodon's
   * validate_media! checks them: too many, any not the author's or on another status (or held for
   * another scheduled status), a video or audio beside anything, any not processed (failed ones
   * included). Attaching releases them from `scheduledStatusId`; without a status, that scheduled
   * status holds them instead. Asking again changes nothing. In the order of `ids`.
   */
  async attach(input: {
    accountId: string;
    statusId: string | null;
    scheduledStatusId?: string | null;
    checkOnly?: boolean;
    ids: string[];
  }): Promise<MediaAttachmentRecord[]> {
    if (input.ids.length > MEDIA_LIMITS.perStatus) throw new ContractError('unprocessable', TOO_MANY);
    const ids = [...new Set(input.ids)];
    const scheduledStatusId = input.scheduledStatusId ?? null;
    return this.db.transaction(async (tx) => {
      const found: MediaRow[] = ids.length
        ? await tx.query(
            `SELECT ${MEDIA_COLUMNS} FROM media.media_attachments
             WHERE account_id = $1 AND id = ANY($2::bigint[]) AND (status_id IS NULL OR status_id = $3)
               AND (scheduled_status_id IS NULL OR scheduled_status_id = $4)
             FOR UPDATE`,
            [input.accountId, ids, input.statusId, scheduledStatusId],
          )
        : [];
      const byId = new Map(found.map((row) => [row.id, row]));
      const missing = ids.filter((id) => !byId.has(id));
      if (missing.length) throw new ContractError('unprocessable', notFoundOrAttached(missing));
      if (found.length > 1 && found.some((row) => row.type === 'video' || row.type === 'audio'))
        throw new ContractError('unprocessable', IMAGES_AND_VIDEO);
      if (found.some((row) => row.processing !== 'complete'))
        throw new ContractError('unprocessable', NOT_READY);
      if (input.statusId !== null && !input.checkOnly) {
        await tx.query(
          `UPDATE media.media_attachments SET status_id = $2, scheduled_status_id = NULL, updated_at = now()
           WHERE id = ANY($1::bigint[]) AND status_id IS NULL`,
          [ids, input.statusId],
        );
      } else if (scheduledStatusId !== null && !input.checkOnly) {
        await tx.query(
          `UPDATE media.media_attachments SET scheduled_status_id = $2, updated_at = now()
           WHERE id = ANY($1::bigint[]) AND status_id IS NULL`,
          [ids, scheduledStatusId],
        );
      }
      return ids.map((id) => this.toRecord({ ...(byId.get(id) as MediaRow), status_id: input.statusId }));
    });
  }

  /**
   * An edit's `media_attributes[]`: alt text and focus of the author's attachments on the status
   * or on none (those it is about to take), in one statement; answers the ids that changed.
   */
  async describe(input: {
    accountId: string;
    statusId: string;
    attributes: readonly MediaAttributes[];
  }): Promise<string[]> {
    if (input.attributes.some((a) => (a.description?.length ?? 0) > MEDIA_LIMITS.descriptionLength))
      throw new ContractError('unprocessable', DESCRIPTION_TOO_LONG);
    if (!input.attributes.length) return [];
    const [rows]: [{ id: string }[], number] = await this.db.query(
      `UPDATE media.media_attachments m
          SET description = CASE WHEN a.has_description THEN a.description ELSE m.description END,
              meta = CASE WHEN a.focus IS NULL THEN m.meta ELSE m.meta || jsonb_build_object('focus', a.focus) END,
              updated_at = now()
         FROM jsonb_to_recordset($3::jsonb)
              AS a(id bigint, has_description boolean, description text, focus jsonb)
        WHERE m.id = a.id AND m.account_id = $1 AND (m.status_id IS NULL OR m.status_id = $2)
          AND m.scheduled_status_id IS NULL
          AND (m.description IS DISTINCT FROM
                 CASE WHEN a.has_description THEN a.description ELSE m.description END
               OR (a.focus IS NOT NULL AND m.meta->'focus' IS DISTINCT FROM a.focus))
        RETURNING m.id::text AS id`,
      [
        input.accountId,
        input.statusId,
        JSON.stringify(
          input.attributes.map((a) => ({
            id: a.id,
            has_description: a.description !== undefined,
            description: a.description ?? null,
            focus: a.focus ?? null,
          })),
        ),
      ],
    );
    return rows.map((row) => row.id);
  }

  /**
   * A scheduled status deleted lets go of its uploads (Mastodon nullifies them): they are
   * unattached again, and swept as any other once past their age.
   */
  async release(accountId: string, scheduledStatusId: string): Promise<void> {
    await this.db.query(
      `UPDATE media.media_attachments SET scheduled_status_id = NULL, updated_at = now()
        WHERE account_id = $1 AND scheduled_status_id = $2`,
      [accountId, scheduledStatusId],
    );
  }

  /**
   * Attachments by id, whoever owns them (presenting a status its viewer may see), from the cache
   * where it holds them; unknown ids left out.
   */
  async list(ids: string[]): Promise<MediaAttachmentRecord[]> {
    if (!ids.length) return [];
    return [...(await this.records.getMany(ids)).values()];
  }

  /**
   * The attachments of a status its author deleted to redraft, let go as uploads of theirs again
   * (Mastodon keeps them for the redraft): a new status may take them, and the sweep removes them
   * a day after the deletion, not after the upload, if none does.
   */
  async detachOfStatus(tx: EntityManager, statusId: string): Promise<void> {
    await tx.query(
      `UPDATE media.media_attachments SET status_id = NULL, created_at = now(), updated_at = now()
        WHERE status_id = $1 AND remote_url IS NULL`,
      [statusId],
    );
  }

  /**
   * A status was deleted: its attachments and their files go with it (Mastodon's
   * RemoveStatusService), in the caller's transaction; files are removed once the rows are, and
   * removing a file already gone is harmless if the event comes again.
   */
  async deleteOfStatus(tx: EntityManager, statusId: string): Promise<void> {
    const [rows]: [MediaRow[], number] = await tx.query(
      `DELETE FROM media.media_attachments WHERE status_id = $1 RETURNING ${MEDIA_COLUMNS}`,
      [statusId],
    );
    for (const row of rows) {
      await this.outbox.add(tx, contracts.media.attachments.events.attachmentDeleted, {
        id: row.id,
        accountId: row.account_id,
      });
      await this.removeFiles(row);
    }
  }

  /**
   * Processes one attachment: its upload read, checked again and made into its files, the row
   * completed and the upload removed. Idempotent: a finished attachment is left as it is. A file
   * at fault fails it at once; anything else (storage, database) is thrown for a retry.
   */
  async process(id: string): Promise<MediaAttachmentRecord> {
    const [[row]]: [MediaRow[], number] = await this.db.query(
      `UPDATE media.media_attachments SET processing = 'in_progress', updated_at = now()
       WHERE id = $1 AND processing IN ('queued', 'in_progress') RETURNING ${MEDIA_COLUMNS}`,
      [id],
    );
    if (!row) {
      const [done]: MediaRow[] = await this.db.query(
        `SELECT ${MEDIA_COLUMNS} FROM media.media_attachments WHERE id = $1`,
        [id],
      );
      if (!done) throw new PermanentFailure('the attachment is gone');
      return this.toRecord(done);
    }
    // The tools' files live in a directory of this run's own, removed whatever happens.
    return withTempDir(async (dir) => this.store(row, await this.processedFiles(row, dir)));
  }

  /** Puts a processed attachment's files in storage and completes its row; the upload goes. */
  private async store(row: MediaRow, processed: ProcessedMedia): Promise<MediaAttachmentRecord> {
    const { id } = row;
    const fileKey = mediaAttachmentKey(id, 'original', processed.original.extension);
    const smallKey = processed.small ? mediaAttachmentKey(id, 'small', processed.small.extension) : null;
    const { body } = processed.original;
    const { size } = await this.storage.put(
      fileKey,
      Buffer.isBuffer(body) ? body : createReadStream(body.path),
      processed.original.contentType,
    );
    if (smallKey && processed.small)
      await this.storage.put(smallKey, processed.small.bytes, processed.small.contentType);
    const meta: MediaMeta = { ...row.meta, ...processed.meta };
    const completed = await this.db.transaction(async (tx) => {
      const [rows]: [MediaRow[], number] = await tx.query(
        `UPDATE media.media_attachments
         SET processing = 'complete', processing_error = NULL, failure_description = NULL,
             upload_key = NULL, file_key = $2, small_key = $3, file_content_type = $4, file_size = $5,
             meta = $6::jsonb || jsonb_strip_nulls(jsonb_build_object('focus', meta->'focus')),
             blurhash = $7, type = $8, updated_at = now()
         WHERE id = $1 AND processing = 'in_progress'
         RETURNING ${MEDIA_COLUMNS}`,
        [
          id,
          fileKey,
          smallKey,
          processed.original.contentType,
          size,
          meta,
          processed.blurhash,
          processed.type,
        ],
      );
      if (!rows[0]) return undefined;
      const attachment = this.toRecord(rows[0]);
      await this.outbox.add(tx, contracts.media.attachments.events.attachmentProcessed, { attachment });
      return attachment;
    });
    if (!completed) {
      // Deleted (or finished elsewhere) meanwhile: what this run wrote belongs to nobody.
      await Promise.all([this.storage.delete(fileKey), smallKey ? this.storage.delete(smallKey) : undefined]);
      throw new PermanentFailure('the attachment changed while it was processed');
    }
    if (row.upload_key) await this.storage.delete(row.upload_key);
    this.log.info(
      { id, type: processed.type, contentType: processed.original.contentType },
      'media processed',
    );
    return completed;
  }

  /** After the last attempt, or for a file at fault: failed with the reason, the upload removed. */
  async markFailed(id: string, reason: string, description?: string): Promise<void> {
    const uploadKey = await this.db.transaction(async (tx) => {
      const [before]: Array<Pick<MediaRow, 'upload_key'>> = await tx.query(
        `SELECT upload_key FROM media.media_attachments
         WHERE id = $1 AND processing IN ('queued', 'in_progress') FOR UPDATE`,
        [id],
      );
      if (!before) return undefined;
      const [[row]]: [MediaRow[], number] = await tx.query(
        `UPDATE media.media_attachments
         SET processing = 'failed', processing_error = $2, failure_description = $3, upload_key = NULL,
             updated_at = now()
         WHERE id = $1 RETURNING ${MEDIA_COLUMNS}`,
        [id, reason.slice(0, 1000), description ?? null],
      );
      await this.outbox.add(tx, contracts.media.attachments.events.attachmentProcessed, {
        attachment: this.toRecord(row),
      });
      return before.upload_key;
    });
    if (uploadKey === undefined) return;
    if (uploadKey) await this.storage.delete(uploadKey);
    this.log.warn({ id, reason }, 'media processing failed');
  }

  /** Whether a processing error is the file's fault (fail now) rather than the moment's (retry). */
  static isPermanent(error: unknown): boolean {
    return error instanceof PermanentFailure;
  }

  /** What the uploader is told of a failure, if anything. */
  static descriptionOf(error: unknown): string | undefined {
    return error instanceof PermanentFailure ? error.description : undefined;
  }

  /**
   * Makes the files of an attachment from its upload, read and judged again (the file decides,
   * whatever was decided at upload). The conversions share one deadline; past it the tool is
   * killed and the attachment fails, as it does for a file that cannot be decoded.
   */
  private async processedFiles(row: MediaRow, dir: string): Promise<ProcessedMedia> {
    const deadline = new Deadline(this.tools.config.timeoutMs);
    try {
      const detected = row.upload_key ? await this.detect(row.upload_key, dir) : null;
      if (!detected) throw new PermanentFailure('the upload is gone');
      if (detected.kind === 'playable') {
        const { playable } = detected;
        if (playable.type === 'audio')
          return await processAudio(this.tools, playable, detected.path, dir, deadline);
        const source = {
          demuxer: playable.demuxer,
          video: playable.video!,
          audio: playable.audio,
          duration: playable.probe.duration,
          passthrough: passesThrough(playable),
        };
        return await processVideo(this.tools, playable.type, source, detected.path, dir, deadline);
      }
      const { image, bytes } = detected;
      if (detected.animated) {
        // Mastodon's gif_transcoder: an animated GIF is stored as a silent looping MP4.
        const path = join(dir, 'upload.gif');
        await writeFile(path, bytes);
        const probe = await probeFile(this.tools, path);
        const video = probe.streams.find((stream) => stream.kind === 'video');
        if (!video?.width || !video.height) throw new UndecodableMedia('the GIF has no frames ffmpeg reads');
        const source = { demuxer: 'gif', video, audio: null, duration: probe.duration, passthrough: false };
        return await processVideo(this.tools, 'gifv', source, path, dir, deadline);
      }
      let still = { bytes, image };
      if (image.heic) {
        const path = join(dir, 'upload.heic');
        await writeFile(path, bytes);
        const jpeg = await heicToJpeg(this.tools, path, dir, deadline);
        still = { bytes: jpeg, image: await inspectImage(jpeg) };
      }
      const processed = await processImage(still.bytes, still.image);
      return {
        type: 'image',
        original: {
          body: processed.original.bytes,
          extension: EXTENSIONS[processed.output],
          contentType: CONTENT_TYPES[processed.output],
        },
        small: {
          ...processed.small,
          extension: EXTENSIONS[processed.output],
          contentType: CONTENT_TYPES[processed.output],
        },
        meta: { original: dimensionsOf(processed.original), small: dimensionsOf(processed.small) },
        blurhash: processed.blurhash,
      };
    } catch (error) {
      if (error instanceof ToolTimeout)
        throw new PermanentFailure(
          error.message,
          `Processing took longer than ${durationText(this.tools.config.timeoutMs)}`,
        );
      if (
        error instanceof UnacceptableMedia ||
        error instanceof UndecodableMedia ||
        error instanceof ToolMissing
      )
        throw new PermanentFailure(error.message, UNDECODABLE);
      if (error instanceof ContractError) throw new PermanentFailure(error.message, error.message);
      throw error;
    }
  }

  /**
   * What an upload is, from its bytes alone (null when it is gone): an image sharp reads (a GIF of
   * more than one frame to become a gifv, a HEIC to be converted), else a video or audio file
   * ffprobe reads, copied into `dir` for the tools. Refused (UnacceptableMedia, or a 422) past the
   * cap of what it is: 16 MB for an image, 99 MB for video and audio, as Mastodon's limits; the
   * gateway already cut the upload at the cap its first bytes asked for.
   */
  private async detect(key: string, dir: string): Promise<Detected | null> {
    const info = await this.storage.stat(key);
    if (!info) return null;
    if (info.size > MEDIA_LIMITS.videoBytes)
      throw new ContractError('unprocessable', invalidSize(MEDIA_LIMITS.videoBytes));
    const head = info.size ? await this.readAll(key, Math.min(info.size, SNIFF_BYTES)) : Buffer.alloc(0);
    const sniffed = sniffMedia(head);
    if (info.size <= MEDIA_LIMITS.imageBytes) {
      const bytes = await this.readAll(key);
      const image = await inspectImage(bytes).catch((error: unknown) => {
        if (error instanceof UnacceptableMedia && error.message === INVALID_FILE_TYPE) return null;
        throw error;
      });
      if (image) {
        const tools = await this.tools.available();
        if (image.heic && !tools.heif) throw new UnacceptableMedia(HEIC_UNSUPPORTED);
        // Without ffmpeg an animated GIF is still taken, as its first frame.
        return { kind: 'image', bytes, image, animated: image.frames > 1 && tools.ffmpeg };
      }
    } else if (sniffed === 'image') {
      throw new ContractError('unprocessable', invalidSize(MEDIA_LIMITS.imageBytes));
    }
    if (sniffed !== 'playable') throw new UnacceptableMedia(INVALID_FILE_TYPE);
    if (!(await this.tools.available()).ffmpeg) throw new UnacceptableMedia(PLAYABLE_UNSUPPORTED);
    const path = join(dir, 'upload');
    const file = await this.storage.read(key);
    if (!file) return null;
    await pipeline(file.stream, createWriteStream(path, { flags: 'wx' }));
    return { kind: 'playable', path, playable: classify(await probeFile(this.tools, path), head) };
  }

  /** An upload's bytes, or its first `length` of them (the caller checked its size). */
  private async readAll(key: string, length?: number): Promise<Buffer> {
    const file = await this.storage.read(key, length ? { start: 0, end: length - 1 } : undefined);
    if (!file) throw new PermanentFailure('the upload is gone');
    return buffer(file.stream);
  }

  private async owned(accountId: string, id: string): Promise<MediaRow> {
    const [row]: MediaRow[] = await this.db.query(
      `SELECT ${MEDIA_COLUMNS} FROM media.media_attachments WHERE id = $1 AND account_id = $2`,
      [id, accountId],
    );
    if (!row) throw notFound();
    return row;
  }

  /** An attachment that will not be: its row and every file it had. */
  private async discard(row: MediaRow): Promise<void> {
    const [[gone]]: [MediaRow[], number] = await this.db.query(
      `DELETE FROM media.media_attachments WHERE id = $1 RETURNING ${MEDIA_COLUMNS}`,
      [row.id],
    );
    await this.removeFiles(gone ?? row);
  }

  private async removeFiles(row: MediaRow): Promise<void> {
    const keys = [row.upload_key, row.file_key, row.small_key].filter((key): key is string => !!key);
    await Promise.all(keys.map((key) => this.storage.delete(key)));
  }

  /**
   * A remote attachment's file not cached here is linked through the media proxy (Mastodon's
   * `/media_proxy/:id/:style`), which fetches it on demand; its own server's URL is `remote_url`.
   */
  toRecord(row: MediaRow): MediaAttachmentRecord {
    const proxied = (style: 'original' | 'small'): string | null =>
      row.remote_url ? `${this.publicOrigin}/media_proxy/${row.id}/${style}` : null;
    return {
      id: row.id,
      accountId: row.account_id,
      statusId: row.status_id,
      type: row.type,
      processing: row.processing,
      processingError: row.processing_error,
      url: row.file_key ? this.storage.urlOf(row.file_key) : proxied('original'),
      previewUrl: row.small_key ? this.storage.urlOf(row.small_key) : row.file_key ? null : proxied('small'),
      meta: row.meta,
      description: row.description,
      blurhash: row.blurhash,
      remoteUrl: row.remote_url,
      createdAt: row.created_at.toISOString(),
    };
  }
}
