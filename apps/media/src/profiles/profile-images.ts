import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  type contracts,
  MEDIA_LIMITS,
  PROFILE_IMAGE_LIMITS,
  type ProfileImageKind,
  type ResponseOf,
} from '@mammut/contracts';
import { assertMediaKey, idPartition, logger, MEDIA_STORAGE, type MediaStorage } from '@mammut/platform';
import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import sharp, { type Sharp } from 'sharp';
import type { DataSource, EntityManager } from 'typeorm';
import { MEDIA_DB } from '../database/media-database';
import {
  CONTENT_TYPES,
  encoded as encodedAs,
  EXTENSIONS,
  fitWithin,
  inspectImage,
  UnacceptableMedia,
} from '../attachments/images';

/** Mastodon's folder names: `accounts/avatars/...`, `accounts/headers/...`. */
const FOLDERS: Readonly<Record<ProfileImageKind, string>> = { avatar: 'avatars', header: 'headers' };

/** Where a profile image is stored: Mastodon's layout, under a name nobody can guess. */
export function profileImageKey(accountId: string, kind: ProfileImageKind, extension: string): string {
  return assertMediaKey(
    `accounts/${FOLDERS[kind]}/${idPartition(accountId)}/original/${randomBytes(8).toString('hex')}.${extension}`,
  );
}

/**
 * Where the still first frame of an animated image (`…/original/<name>.gif`) is stored: Mastodon's
 * `static` style, `…/static/<name>.png`; null for any other image, which is its own still.
 */
export function staticImageKey(key: string): string | null {
  const animated = /^(accounts\/(?:avatars|headers)\/.+)\/original\/([0-9a-f]+)\.gif$/.exec(key);
  return animated ? assertMediaKey(`${animated[1]}/static/${animated[2]}.png`) : null;
}

/** A stored profile image: its key, its URL, and its still frame's URL when it moves. */
export type StoredProfileImage = ResponseOf<typeof contracts.media.profileImages.store>;

/**
 * Avatars and headers: an upload read from its bytes (the same formats and pixel cap as
 * attachments), oriented, stripped of metadata, re-encoded and sized as Mastodon's styles do (an
 * avatar cropped to fill 400×400; a header kept in shape, shrunk to 1500×500 worth of pixels and
 * never enlarged), stored, then made current in a second step once the account has taken its URL
 * (see the contract). An animated GIF stays an animated GIF, every frame sized alike, beside a PNG
 * of its first frame (Mastodon's `static` style, what `avatar_static` and `header_static` show),
 * unless its frames together pass the pixel cap: then only the first frame is kept, as a still
 * image.
 */
@Injectable()
export class ProfileImages {
  private readonly log = logger('media:profile-images');

  constructor(
    @Inject(MEDIA_DB) private readonly db: DataSource,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
  ) {}

  async store(accountId: string, kind: ProfileImageKind, uploadKey: string): Promise<StoredProfileImage> {
    try {
      const upload = await this.storage.read(uploadKey);
      if (!upload) throw refused(kind, "can't be blank", 'ERR_BLANK');
      if (upload.size > PROFILE_IMAGE_LIMITS.bytes)
        throw refused(kind, 'file size must be less than 8 MB', 'ERR_TOO_LARGE');
      return await this.storeBytes(accountId, kind, await buffer(upload.stream), null);
    } finally {
      await this.storage.delete(uploadKey);
    }
  }

  /**
   * The image made from `bytes` and stored, not current yet; `remoteUrl` is where a remote
   * account's came from. `unprocessable` (with the field's details) for bytes that are no image.
   */
  async storeBytes(
    accountId: string,
    kind: ProfileImageKind,
    bytes: Buffer,
    remoteUrl: string | null,
  ): Promise<StoredProfileImage> {
    const inspected = await inspectImage(bytes).catch((error: unknown) => {
      throw error instanceof UnacceptableMedia ? refused(kind, 'content type is invalid') : error;
    });
    const animated =
      inspected.frames > 1 &&
      inspected.width * inspected.height * inspected.frames <= MEDIA_LIMITS.imageMatrixPixels;
    const decoded = (frames: { pages: number } | { animated: true }): Sharp =>
      sharp(bytes, {
        limitInputPixels: MEDIA_LIMITS.imageMatrixPixels,
        failOn: 'error',
        autoOrient: true,
        ...frames,
      });
    let still: Buffer;
    let moving: Buffer | null = null;
    try {
      const first = decoded({ pages: 1 });
      const sized = await sizing(kind, first);
      still = await encodedAs(sized(first), animated ? 'png' : inspected.output).toBuffer();
      if (animated)
        moving = await sized(decoded({ animated: true }))
          .gif()
          .toBuffer();
    } catch {
      throw refused(kind, 'could not be processed');
    }
    const key = moving
      ? profileImageKey(accountId, kind, 'gif')
      : profileImageKey(accountId, kind, EXTENSIONS[inspected.output]);
    const staticKey = staticImageKey(key);
    if (moving && staticKey) {
      await this.storage.put(staticKey, still, CONTENT_TYPES.png);
      await this.storage.put(key, moving, 'image/gif');
    } else {
      await this.storage.put(key, still, CONTENT_TYPES[inspected.output]);
    }
    await this.db.query(
      `INSERT INTO media.profile_images (account_id, kind, file_key, remote_url) VALUES ($1, $2, $3, $4)`,
      [accountId, kind, key, remoteUrl],
    );
    return { key, url: this.storage.urlOf(key), staticUrl: staticKey && this.storage.urlOf(staticKey) };
  }

  /** Where the account's current image came from (a remote account's); undefined for none. */
  async currentRemoteUrl(accountId: string, kind: ProfileImageKind): Promise<string | null | undefined> {
    const [row]: { remote_url: string | null }[] = await this.db.query(
      `SELECT remote_url FROM media.profile_images WHERE account_id = $1 AND kind = $2 AND current`,
      [accountId, kind],
    );
    return row ? row.remote_url : undefined;
  }

  async commit(accountId: string, kind: ProfileImageKind, key: string | null): Promise<void> {
    const replaced: { file_key: string }[] = await this.db.transaction(async (tx) => {
      if (key !== null) {
        const [found]: { current: boolean }[] = await tx.query(
          `SELECT current FROM media.profile_images WHERE account_id = $1 AND kind = $2 AND file_key = $3 FOR UPDATE`,
          [accountId, kind, key],
        );
        if (!found) throw new ContractError('not_found', 'Record not found');
        if (found.current) return [];
      }
      // TypeORM answers an UPDATE or DELETE with [rows, count].
      const [old]: [{ file_key: string }[], number] = await tx.query(
        `DELETE FROM media.profile_images WHERE account_id = $1 AND kind = $2 AND current RETURNING file_key`,
        [accountId, kind],
      );
      if (key !== null)
        await tx.query(
          `UPDATE media.profile_images SET current = true WHERE account_id = $1 AND kind = $2 AND file_key = $3`,
          [accountId, kind, key],
        );
      return old;
    });
    await this.removeFiles(replaced.map((row) => row.file_key));
  }

  async discard(accountId: string, key: string): Promise<void> {
    const [rows]: [{ file_key: string }[], number] = await this.db.query(
      `DELETE FROM media.profile_images WHERE account_id = $1 AND file_key = $2 AND NOT current RETURNING file_key`,
      [accountId, key],
    );
    await this.removeFiles(rows.map((row) => row.file_key));
  }

  /**
   * A deleted account's avatar and header go (Mastodon's DeleteAccountService purges them), in the
   * caller's transaction; removing a file already gone is harmless if the event comes again.
   */
  async deleteOfAccount(tx: EntityManager, accountId: string): Promise<void> {
    const [rows]: [{ file_key: string }[], number] = await tx.query(
      `DELETE FROM media.profile_images WHERE account_id = $1 RETURNING file_key`,
      [accountId],
    );
    await this.removeFiles(rows.map((row) => row.file_key));
  }

  /**
   * Files whose rows are gone, with the still frames of animated ones; one that cannot be removed
   * now is only logged (nothing links to it).
   */
  private async removeFiles(keys: string[]): Promise<void> {
    for (const key of keys.flatMap((original) => [original, staticImageKey(original) ?? []].flat())) {
      await this.storage
        .delete(key)
        .catch((error: unknown) => this.log.warn({ err: error, key }, 'profile image left in storage'));
    }
  }
}

/**
 * How an image of `kind` is sized, from its upright dimensions: an avatar cropped to fill its box
 * (`400x400#`, small ones enlarged), a header shrunk to its pixels (`pixels: 750000`) or left as
 * it is.
 */
async function sizing(kind: ProfileImageKind, first: Sharp): Promise<(image: Sharp) => Sharp> {
  if (kind === 'avatar') {
    const box = PROFILE_IMAGE_LIMITS.avatar;
    return (image) => image.resize({ width: box.width, height: box.height, fit: 'cover' });
  }
  const upright = (await first.metadata()).autoOrient;
  const target = fitWithin(upright.width, upright.height, PROFILE_IMAGE_LIMITS.headerPixels);
  return (image) => image.resize({ width: target.width, height: target.height, fit: 'fill' });
}

/** Mastodon's validation error for the image field: `Validation failed: Avatar …`, with details. */
function refused(kind: ProfileImageKind, problem: string, code = 'ERR_INVALID'): ContractError {
  return new ContractError('unprocessable', `Validation failed: ${label(kind)} ${problem}`, {
    [kind]: [{ error: code, description: problem }],
  });
}

function label(kind: ProfileImageKind): string {
  return kind === 'avatar' ? 'Avatar' : 'Header';
}
