import { z } from 'zod';
import { defineEvent, defineJob, defineRequest } from '../define';
import { id, isoDate } from '../accounts/records';

/**
 * Mastodon's bounds on uploaded media (MediaAttachment, Attachmentable), enforced by the gateway
 * (bytes, while the upload streams in) and the media service (everything else), and stated by the
 * instance API.
 */
export const MEDIA_LIMITS = {
  /** The largest image file taken (MediaAttachment::IMAGE_LIMIT, 16 MB), animated GIFs included. */
  imageBytes: 16 * 1024 * 1024,
  /** The largest video or audio file taken (MediaAttachment::VIDEO_LIMIT, 99 MB). */
  videoBytes: 99 * 1024 * 1024,
  /** The most pixels a video frame may have (MAX_VIDEO_MATRIX_LIMIT, 3840×2160). */
  videoMatrixPixels: 8_294_400,
  /** The highest frame rate taken, whole frames per second (MAX_VIDEO_FRAME_RATE). */
  videoFrameRate: 120,
  /** Frames a transcoded video keeps at most (MAX_VIDEO_FRAMES: about 5 minutes at 120 fps). */
  videoFrames: 36_000,
  /** The most pixels an uploaded image may have (Attachmentable::MAX_MATRIX_LIMIT, 7680×4320). */
  imageMatrixPixels: 33_177_600,
  /** The stored original is shrunk to at most this many pixels (IMAGE_STYLES original, 3840×2160). */
  originalPixels: 8_294_400,
  /** The preview (IMAGE_STYLES small, 640×360). */
  smallPixels: 230_400,
  /** Alt text of a local attachment (MediaAttachment::MAX_DESCRIPTION_LENGTH). */
  descriptionLength: 1500,
  /** Attachments one status may carry (Status::MEDIA_ATTACHMENTS_LIMIT). */
  perStatus: 4,
} as const;

/** The attachment types of Mastodon's MediaAttachment (`unknown` is only ever remote). */
export const mediaType = z.enum(['image', 'gifv', 'video', 'audio', 'unknown']);

/** Mastodon's `processing`: queued and in progress are both "not processed yet". */
export const mediaProcessing = z.enum(['queued', 'in_progress', 'complete', 'failed']);
export type MediaProcessing = z.infer<typeof mediaProcessing>;

const dimensions = z.object({
  width: z.number().int(),
  height: z.number().int(),
  /** `"640x360"` */
  size: z.string(),
  aspect: z.number(),
});

/** Focal point for cropped previews: x from left (-1) to right (1), y from bottom (-1) to top (1). */
export const mediaFocus = z.object({ x: z.number().min(-1).max(1), y: z.number().min(-1).max(1) });
export type MediaFocus = z.infer<typeof mediaFocus>;

/**
 * `meta.original` of a video, gifv or audio (Mastodon's video_metadata of the stored file):
 * dimensions and `frame_rate` ("30/1") only with a picture, `duration` in seconds, `bitrate` in
 * bits per second.
 */
const playable = z.object({
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  frame_rate: z.string().optional(),
  duration: z.number().optional(),
  bitrate: z.number().int().optional(),
});

export const mediaMeta = z.object({
  original: z.union([dimensions, playable]).optional(),
  small: dimensions.optional(),
  focus: mediaFocus.optional(),
});
export type MediaMeta = z.infer<typeof mediaMeta>;

/** One media attachment, as its owner sees it; URLs are absolute, null until processed. */
export const mediaAttachmentRecord = z.object({
  id,
  accountId: id,
  /** The status it is attached to; null while it may still be changed or deleted. */
  statusId: id.nullable(),
  type: mediaType,
  processing: mediaProcessing,
  /** Why processing failed, for operators; clients get Mastodon's fixed message. */
  processingError: z.string().nullable(),
  url: z.string().nullable(),
  previewUrl: z.string().nullable(),
  meta: mediaMeta,
  description: z.string().nullable(),
  blurhash: z.string().nullable(),
  /** Where a remote attachment lives on its server; null for a local one. */
  remoteUrl: z.string().nullable().default(null),
  createdAt: isoDate,
});
export type MediaAttachmentRecord = z.infer<typeof mediaAttachmentRecord>;

const owned = z.object({ accountId: id, id }).strict();

/** Alt text and focus as a change names them: an absent field is left as it is. */
const describedAs = {
  /** One character past the limit is enough for the service to refuse it. */
  description: z
    .string()
    .max(MEDIA_LIMITS.descriptionLength + 1)
    .nullable()
    .optional(),
  focus: mediaFocus.optional(),
};

/**
 * Alt text and focus for one of a status's attachments, given with an edit (Mastodon's
 * `media_attributes[]`); an absent field is left as it is.
 */
export const mediaAttributes = z.object({ id, ...describedAs }).strict();
export type MediaAttributes = z.infer<typeof mediaAttributes>;
const attachmentResponse = z.object({ attachment: mediaAttachmentRecord });

/**
 * Media attachments, owned by the media service. Only the owner reaches one: anyone else's id is
 * `not_found`. Errors: `unprocessable` for a file that is not an image this server takes (the type
 * is read from the bytes), one with too many pixels, alt text too long, or a change to an
 * attachment already on a status.
 */
export const mediaAttachments = {
  /**
   * An upload the gateway has put in storage at `uploadKey` (never the bytes: bus messages stay
   * small) becomes an attachment. Refused files leave nothing: no row, no file. `processNow`
   * (API v1) answers once processed; otherwise processing is a job and the answer comes at once.
   */
  create: defineRequest('media.attachment.create', {
    request: z
      .object({
        accountId: id,
        uploadKey: z.string().regex(/^tmp\/uploads\/[0-9a-f]{32}$/),
        /** One character past the limit is enough for the service to refuse it. */
        description: z
          .string()
          .max(MEDIA_LIMITS.descriptionLength + 1)
          .nullable()
          .default(null),
        focus: mediaFocus.nullable().default(null),
        processNow: z.boolean().default(false),
      })
      .strict(),
    response: attachmentResponse,
  }),
  get: defineRequest('media.attachment.get', { request: owned, response: attachmentResponse }),
  /** Alt text and focus, only while not on a status; an absent field is left as it is. */
  update: defineRequest('media.attachment.update', {
    request: owned.extend(describedAs),
    response: attachmentResponse,
  }),
  /** Removes an attachment and its files, only while not on a status. */
  delete: defineRequest('media.attachment.delete', {
    request: owned,
    response: z.object({}),
  }),
  /**
   * Mastodon's PostStatusService#validate_media!: the author's own attachments, processed, on no
   * status (or already on `statusId`), at most four, a video or audio alone. `statusId` null, or
   * `checkOnly`, only checks (before the status is written or edited); otherwise each gets that
   * status (idempotent: asking again after the status committed changes nothing). Attachments an
   * edit leaves out stay on the status, as Mastodon keeps them for the versions that showed them.
   * `scheduledStatusId`: the scheduled status that holds them (they may be held by no other); with
   * `statusId` null and not `checkOnly`, it takes them, else attaching lets them go.
   * Answers the attachments in the order of `ids`. Errors: `unprocessable` with Mastodon's messages.
   */
  attach: defineRequest('media.attachment.attach', {
    request: z
      .object({
        accountId: id,
        statusId: id.nullable(),
        scheduledStatusId: id.nullable().default(null),
        checkOnly: z.boolean().default(false),
        /** One past the limit is enough to refuse it. */
        ids: z.array(id).max(MEDIA_LIMITS.perStatus + 1),
      })
      .strict(),
    response: z.object({ attachments: z.array(mediaAttachmentRecord) }),
  }),
  /**
   * An edit's `media_attributes[]` (UpdateStatusService#update_media_attachments!): alt text and
   * focus of the author's attachments that are on `statusId` or on no status, applied before the
   * edit commits; others' and unknown ids are left out. Answers the ids whose alt text or focus
   * changed (a change the edit keeps as a version). `unprocessable` for an alt text too long.
   */
  describe: defineRequest('media.attachment.describe', {
    request: z
      .object({
        accountId: id,
        statusId: id,
        attributes: z.array(mediaAttributes).max(MEDIA_LIMITS.perStatus + 1),
      })
      .strict(),
    response: z.object({ changed: z.array(id) }),
  }),
  /** A scheduled status deleted: the uploads it held are unattached again (swept past their age). */
  release: defineRequest('media.attachment.release', {
    request: z.object({ accountId: id, scheduledStatusId: id }).strict(),
    response: z.object({}),
  }),
  /**
   * Attachments by id, whoever owns them, for presenting statuses: whoever may see a status may
   * see its media (the caller checked). Unknown ids are left out.
   */
  list: defineRequest('media.attachment.list', {
    request: z.object({ ids: z.array(id).max(1000) }).strict(),
    response: z.object({ attachments: z.array(mediaAttachmentRecord) }),
  }),
  events: {
    /** Processing ended, complete or failed: statuses will wait for this before publishing. */
    attachmentProcessed: defineEvent('events.media.attachment.processed', {
      version: 1,
      aggregate: (p: { attachment: { id: string } }) => `media:${p.attachment.id}`,
      payload: z.object({ attachment: mediaAttachmentRecord }),
    }),
    attachmentDeleted: defineEvent('events.media.attachment.deleted', {
      version: 1,
      aggregate: (p: { id: string }) => `media:${p.id}`,
      payload: z.object({ id, accountId: id }),
    }),
  },
};

export const mediaJobs = {
  /**
   * One uploaded image made into its stored files (re-encoded original and small preview,
   * blurhash, dimensions), retried with backoff while storage or the database is away; after the
   * last attempt the attachment is marked failed.
   */
  process: defineJob('jobs.media.attachment.process', {
    payload: z.object({ id }),
  }),
};
