import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertMediaKey,
  type ByteRange,
  contentTypeOfKey,
  type MediaStorage,
  MediaKeyError,
  MEDIA_PUBLIC_PREFIX,
  type StoredFile,
  type StoredFileInfo,
} from './media-storage';

const isMissing = (error: unknown): boolean =>
  (error as { code?: string } | null)?.code === 'ENOENT' ||
  (error as { code?: string } | null)?.code === 'ENOTDIR';

/**
 * Media on local disk under one root directory (MEDIA_ROOT), one file per key. A file is written
 * beside its final name and renamed into place, so a reader never sees half of one and a failed
 * write leaves nothing. The content type follows from the extension the media service chose.
 */
export class LocalDiskStorage implements MediaStorage {
  private readonly root: string;

  constructor(
    root: string,
    /** `https://example.com`: public URLs are `<origin>/system/<key>`. */
    private readonly origin: string,
  ) {
    this.root = resolve(root);
  }

  async put(key: string, body: Buffer | Readable, _contentType: string): Promise<{ size: number }> {
    const path = this.pathOf(key);
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    // A stream may fail while the directory is made: that error is the answer, not an unhandled one.
    let failed: { error: unknown } | undefined;
    const onError = (error: unknown): void => void (failed ??= { error });
    source.on('error', onError);
    const partial = `${path}.${randomBytes(6).toString('hex')}.part`;
    try {
      await mkdir(dirname(path), { recursive: true });
      if (failed) throw failed.error;
      const file = createWriteStream(partial, { flags: 'wx' });
      await pipeline(source, file);
      await rename(partial, path);
      return { size: file.bytesWritten };
    } catch (error) {
      source.destroy();
      await rm(partial, { force: true });
      throw failed?.error ?? error;
    } finally {
      source.off('error', onError);
    }
  }

  async read(key: string, range?: ByteRange): Promise<StoredFile | null> {
    const info = await this.stat(key);
    if (!info) return null;
    const path = this.pathOf(key);
    const stream = range
      ? createReadStream(path, { start: range.start, end: range.end })
      : createReadStream(path);
    return { ...info, stream };
  }

  async stat(key: string): Promise<StoredFileInfo | null> {
    try {
      const found = await stat(this.pathOf(key));
      if (!found.isFile()) return null;
      return { size: found.size, contentType: contentTypeOfKey(key) };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  urlOf(key: string): string {
    return `${this.origin}${MEDIA_PUBLIC_PREFIX}${assertMediaKey(key)}`;
  }

  /** Files on disk are served by the gateway itself. */
  // eslint-disable-next-line @typescript-eslint/require-await -- async: a bad key rejects, as elsewhere
  async redirectUrlOf(key: string): Promise<string | undefined> {
    assertMediaKey(key);
    return undefined;
  }

  /** The file of a key, which the key's own check and this one both keep inside the root. */
  private pathOf(key: string): string {
    const path = resolve(join(this.root, assertMediaKey(key)));
    if (!path.startsWith(this.root + sep)) throw new MediaKeyError('key outside the storage root');
    return path;
  }
}
