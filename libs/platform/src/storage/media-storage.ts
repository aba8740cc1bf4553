import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';

/** What a stored file is: its bytes' length and the content type it is served with. */
export interface StoredFileInfo {
  readonly size: number;
  readonly contentType: string;
}

/** An inclusive byte range, as HTTP's `Range: bytes=start-end`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** A stored file opened for reading (the whole file, or the range asked for). */
export interface StoredFile extends StoredFileInfo {
  readonly stream: Readable;
}

/**
 * Where media files live: local disk or an S3 bucket. Small and stream-shaped on purpose,
 * so that neither side ever needs a whole file in memory, and the gateway (which receives and
 * serves files) and the media service (which processes them) share nothing but this.
 *
 * Keys are relative paths of plain segments (`media_attachments/files/109/.../original/ab12.png`);
 * a key with `..`, an empty segment or anything but `[A-Za-z0-9_.-]` is refused with
 * {@link MediaKeyError} by every method, so no key reaches outside the storage's root.
 */
export interface MediaStorage {
  /**
   * Stores `body` at `key`, replacing what was there; resolves with the bytes written. A stream
   * that fails (a size limit, a client gone) leaves nothing at `key`.
   */
  put(key: string, body: Buffer | Readable, contentType: string): Promise<{ size: number }>;
  /** Opens the file at `key`, or the range asked for; null when nothing is stored there. */
  read(key: string, range?: ByteRange): Promise<StoredFile | null>;
  /** The size and type of the file at `key`; null when nothing is stored there. */
  stat(key: string): Promise<StoredFileInfo | null>;
  /** Removes the file at `key`; nothing stored there is not an error. */
  delete(key: string): Promise<void>;
  /** The absolute public URL the file at `key` is served at. */
  urlOf(key: string): string;
  /**
   * Where the instance's `/system/<key>` sends its reader instead of serving the bytes itself (a
   * presigned URL into a private bucket, or a public bucket's URL); undefined: served in place.
   * Asked only for a key that is stored and may be served.
   */
  redirectUrlOf(key: string): Promise<string | undefined>;
}

export class MediaKeyError extends Error {
  override name = 'MediaKeyError';
}

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** Whether `key` is a storage key: plain segments, none `.` or `..`, at most 512 characters. */
export function isMediaKey(key: string): boolean {
  if (key.length === 0 || key.length > 512) return false;
  return key.split('/').every((segment) => SEGMENT.test(segment) && !/^\.+$/.test(segment));
}

export function assertMediaKey(key: string): string {
  if (!isMediaKey(key)) throw new MediaKeyError(`not a media key: ${JSON.stringify(key.slice(0, 100))}`);
  return key;
}

/** The public path prefix stored files are served under, as Mastodon's `/system/...`. */
export const MEDIA_PUBLIC_PREFIX = '/system/';

/** The type a stored file is served with, from the extension the media service gave it. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
};

export function contentTypeOfKey(key: string): string {
  const dot = key.lastIndexOf('.');
  const extension = dot > key.lastIndexOf('/') ? key.slice(dot + 1).toLowerCase() : '';
  return CONTENT_TYPES[extension] ?? 'application/octet-stream';
}

/**
 * Mastodon's id partition: the id padded to 18 digits and cut in groups of three
 * (`109/876/543/210/987/654`), so that no directory holds more than a thousand entries.
 */
export function idPartition(id: string): string {
  if (!/^\d+$/.test(id)) throw new MediaKeyError(`not an id: ${JSON.stringify(id.slice(0, 40))}`);
  const width = Math.max(18, Math.ceil(id.length / 3) * 3);
  return id.padStart(width, '0').match(/\d{3}/g)!.join('/');
}

/** The key of a media attachment's file in one style, under a random name nobody can guess. */
export function mediaAttachmentKey(id: string, style: 'original' | 'small', extension: string): string {
  return assertMediaKey(
    `media_attachments/files/${idPartition(id)}/${style}/${randomBytes(8).toString('hex')}.${extension}`,
  );
}

/** Where an upload waits for the media service: never served (not under a public prefix). */
export function temporaryUploadKey(): string {
  return `tmp/uploads/${randomBytes(16).toString('hex')}`;
}

/** Whether a key may be served publicly: processed media and profile images, never an upload still waiting. */
export function isPublicMediaKey(key: string): boolean {
  return isMediaKey(key) && (key.startsWith('media_attachments/') || key.startsWith('accounts/'));
}
