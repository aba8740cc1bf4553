import { z } from 'zod';
import { defineRequest } from '../define';
import { id } from '../accounts/records';

/** Mastodon's profile images (Account::Avatar, Account::Header). */
export const PROFILE_IMAGE_LIMITS = {
  /** The largest avatar or header file taken (AVATAR_LIMIT / HEADER_LIMIT with libvips, 8 MB). */
  bytes: 8 * 1024 * 1024,
  /** Avatars are cropped to fill this box (AVATAR_GEOMETRY `400x400#`). */
  avatar: { width: 400, height: 400 },
  /**
   * Headers keep their shape, shrunk to at most this many pixels (HEADER_MAX_PIXELS, 1500×500 worth)
   * and never enlarged, as Mastodon's `pixels` style does.
   */
  headerPixels: 1500 * 500,
} as const;

export const profileImageKind = z.enum(['avatar', 'header']);
export type ProfileImageKind = z.infer<typeof profileImageKind>;

/** A stored image; `staticUrl` is its still first frame when it is animated (null: it is its own). */
const storedImage = z.object({ key: z.string(), url: z.string(), staticUrl: z.string().nullable() });

/**
 * Avatars and headers of local accounts. The media service stores and owns the files; the
 * account keeps the URL. A change is two steps, so that a profile change that fails leaves the
 * current image in place: `store` makes the new file (not yet current), the caller changes the
 * account, then `commit` makes it current and removes the ones before it (or `discard` removes
 * it when the account change failed). Errors: `unprocessable` for a file that is not an image this
 * server takes (read from the bytes) or one with too many pixels.
 */
export const profileImages = {
  store: defineRequest('media.profile_image.store', {
    request: z
      .object({
        accountId: id,
        kind: profileImageKind,
        uploadKey: z.string().regex(/^tmp\/uploads\/[0-9a-f]{32}$/),
      })
      .strict(),
    response: storedImage,
  }),
  /** `key` becomes the account's current image of `kind`; null removes it. Idempotent. */
  commit: defineRequest('media.profile_image.commit', {
    request: z.object({ accountId: id, kind: profileImageKind, key: z.string().nullable() }).strict(),
    response: z.object({}),
  }),
  /** A stored image that never became current is removed (unknown or current keys are left be). */
  discard: defineRequest('media.profile_image.discard', {
    request: z.object({ accountId: id, key: z.string() }).strict(),
    response: z.object({}),
  }),
};
