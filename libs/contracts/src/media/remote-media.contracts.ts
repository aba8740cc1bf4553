import { z } from 'zod';
import { defineJob, defineRequest } from '../define';
import { id } from '../accounts/records';
import { MEDIA_LIMITS, mediaAttachmentRecord, mediaFocus, mediaType } from './media.contracts';
import { profileImageKind } from './profile-images.contracts';

/** Bounds of a remote attachment kept (Mastodon reads alt text up to 10,000 characters, ActivityPub::Parser::MediaAttachmentParser). */
export const REMOTE_MEDIA_LIMITS = { descriptionLength: 10_000, url: 2048 } as const;

/**
 * An attachment of a remote Note as federation read it (Mastodon's MediaAttachmentParser): where it
 * lives, what it claims to be (the bytes decide once it is fetched), alt text, blurhash, focal
 * point and size as its server states them.
 */
export const remoteAttachment = z.object({
  remoteUrl: z.string().url().max(REMOTE_MEDIA_LIMITS.url),
  type: mediaType,
  description: z.string().max(REMOTE_MEDIA_LIMITS.descriptionLength).nullable(),
  blurhash: z.string().max(100).nullable(),
  focus: mediaFocus.nullable(),
  width: z.number().int().positive().nullable(),
  height: z.number().int().positive().nullable(),
});
export type RemoteAttachment = z.infer<typeof remoteAttachment>;

/**
 * Remote media: attachments of remote statuses, kept as rows of their own (remote_url), their files
 * fetched through the guarded client into a local cache unless the domain's media is rejected,
 * and fetched again on demand once the cache was cleared.
 */
export const remoteMedia = {
  /**
   * The attachments of a remote status, in order, for its author: one already known (same author,
   * same URL) is reused and its description refreshed. `download` false (the domain's media is
   * rejected) keeps them as links only. Answers their ids in order.
   */
  save: defineRequest('media.remote.save', {
    request: z
      .object({
        accountId: id,
        attachments: z.array(remoteAttachment).max(MEDIA_LIMITS.perStatus),
        download: z.boolean(),
      })
      .strict(),
    response: z.object({ ids: z.array(id) }),
  }),
  /**
   * A remote attachment's file, fetched now if it is not cached (and may be): Mastodon's media
   * proxy. `not_found` for an unknown id or a local attachment.
   */
  fetch: defineRequest('media.remote.fetch', {
    request: z.object({ id }).strict(),
    response: z.object({ attachment: mediaAttachmentRecord }),
  }),
};

export const remoteMediaJobs = {
  /** A remote attachment's file fetched and cached, retried with backoff while its server is away. */
  fetch: defineJob('jobs.media.remote.fetch', { payload: z.object({ id }) }),
  /**
   * A remote account's avatar or header (at `url`, its `icon`/`image`) fetched, made a profile
   * image here and given to the account, as Mastodon caches them; retried while its server is away.
   */
  fetchProfileImage: defineJob('jobs.media.remote_profile_image.fetch', {
    payload: z.object({ accountId: id, kind: profileImageKind, url: z.string().url() }),
  }),
};
