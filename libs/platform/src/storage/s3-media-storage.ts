import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import type { S3Config } from '../config/config';
import {
  assertMediaKey,
  type ByteRange,
  contentTypeOfKey,
  isPublicMediaKey,
  MEDIA_PUBLIC_PREFIX,
  type MediaStorage,
  type StoredFile,
  type StoredFileInfo,
} from './media-storage';

/** Mastodon's `Cache-Control` for stored files: a key is never reused, so caches may keep it for good. */
const IMMUTABLE = 'public, max-age=315576000, immutable';

/**
 * The part size of a streamed upload, S3's smallest. A stream of unknown length is sent in parts
 * that each wait whole in memory (S3 wants every part's length up front), so the smallest part
 * keeps what an upload holds small; anything no larger goes up in one PutObject.
 */
const PART_SIZE = 5 * 1024 * 1024;

/** Parts of one upload in flight at once: at most this many parts of a stream are held in memory. */
const QUEUE_SIZE = 2;

const isNotFound = (error: unknown): boolean => {
  const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return (
    failure?.name === 'NoSuchKey' ||
    failure?.name === 'NotFound' ||
    failure?.$metadata?.httpStatusCode === 404
  );
};

/** The whole object's size from `Content-Range: bytes 0-4/11`, else the body's length. */
const totalSize = (contentRange: string | undefined, contentLength: number | undefined): number => {
  const total = contentRange ? /\/(\d+)$/.exec(contentRange)?.[1] : undefined;
  return total !== undefined ? Number(total) : (contentLength ?? 0);
};

/**
 * Media in an S3-compatible bucket, one object per key: the keys are exactly those of
 * {@link LocalDiskStorage}, so a bucket is a copy of a media root. Processed files are written
 * with their type (from the extension, as on disk), Mastodon's long `Cache-Control` and the
 * configured ACL; uploads waiting under `tmp/` get neither ACL nor caching, since nobody is
 * meant to read them from the bucket.
 *
 * Readers reach files one of two ways ({@link S3Config.reads}): straight at the bucket (or the
 * CDN in front of it), whose URL {@link urlOf} gives; or through the instance's `/system/<key>`,
 * which {@link redirectUrlOf} answers with a short-lived presigned GET, for a private bucket.
 */
export class S3MediaStorage implements MediaStorage {
  readonly client: S3Client;

  constructor(
    private readonly config: S3Config,
    /** `https://example.com`: with presigned reads, public URLs are `<origin>/system/<key>`. */
    private readonly origin: string,
  ) {
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.pathStyle,
      // A copy: the SDK marks where credentials came from on the object itself (the config's is frozen).
      credentials: config.credentials ? { ...config.credentials } : undefined,
      // Several S3-compatible servers reject the checksums the SDK adds by default since 3.729;
      // compute and check them only where an operation requires one.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Buffer | Readable, _contentType: string): Promise<{ size: number }> {
    const params: PutObjectCommandInput = {
      Bucket: this.config.bucket,
      Key: assertMediaKey(key),
      // The type follows from the extension, as on disk, so the bucket serves what the gateway would.
      ContentType: contentTypeOfKey(key),
      ...(isPublicMediaKey(key) ? { CacheControl: IMMUTABLE, ACL: this.config.acl } : {}),
    };
    if (Buffer.isBuffer(body)) {
      await this.client.send(new PutObjectCommand({ ...params, Body: body, ContentLength: body.length }));
      return { size: body.length };
    }
    // A stream's length is unknown: lib-storage sends it in one request if it ends within a part,
    // else as a multipart upload that it aborts (leaving no object and no parts) if the stream fails.
    let size = 0;
    const counted = Readable.from(
      (async function* () {
        for await (const chunk of body) {
          size += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      })(),
      { objectMode: false },
    );
    const upload = new Upload({
      client: this.client,
      params: { ...params, Body: counted },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      return { size };
    } catch (error) {
      // The sender (a client's upload) stops too, whichever side failed first.
      body.destroy();
      counted.destroy();
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<StoredFile | null> {
    try {
      const found = await this.client.send(
        new GetObjectCommand({
          Bucket: this.config.bucket,
          Key: assertMediaKey(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      return {
        size: totalSize(found.ContentRange, found.ContentLength),
        contentType: contentTypeOfKey(key),
        stream: found.Body as Readable,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async stat(key: string): Promise<StoredFileInfo | null> {
    try {
      const found = await this.client.send(
        new HeadObjectCommand({ Bucket: this.config.bucket, Key: assertMediaKey(key) }),
      );
      return { size: found.ContentLength ?? 0, contentType: contentTypeOfKey(key) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a key that holds nothing, which is what "missing is not an error" wants.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: assertMediaKey(key) }));
  }

  urlOf(key: string): string {
    assertMediaKey(key);
    return this.config.reads === 'public'
      ? `${this.config.publicBase}${key}`
      : `${this.origin}${MEDIA_PUBLIC_PREFIX}${key}`;
  }

  async redirectUrlOf(key: string): Promise<string | undefined> {
    assertMediaKey(key);
    if (this.config.reads === 'public') return this.urlOf(key);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.config.bucket, Key: key }), {
      expiresIn: this.config.presignedSeconds,
    });
  }

  /** Closes the client's idle connections. */
  close(): void {
    this.client.destroy();
  }
}
