import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { useMinio } from '@mammut/testing';
import { randomBytes } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { buffer as bytes } from 'node:stream/consumers';
import { loadConfig, type S3Config } from '../config/config';
import { createMediaStorage } from './create-media-storage';
import { LocalDiskStorage } from './local-disk-storage';
import { MediaKeyError, mediaAttachmentKey, temporaryUploadKey } from './media-storage';
import { S3MediaStorage } from './s3-media-storage';
import { KEYS_OUTSIDE_THE_ROOT } from './test-keys';

/** The bucket configuration `env` gives (with the origin https://example.com). */
const s3Of = (env: Record<string, string>): S3Config => {
  const s3 = loadConfig({ LOCAL_DOMAIN: 'example.com', LOCAL_HTTPS: 'true', NODE_ENV: 'test', ...env }).media
    .s3;
  if (!s3) throw new Error('S3 is not enabled');
  return s3;
};

/** A stream of `total` bytes in 64 KiB chunks that fails once `failAt` bytes went through. */
function failingStream(total: number, failAt: number): Readable {
  let seen = 0;
  const chunks = Array.from({ length: Math.ceil(total / 65_536) }, () => randomBytes(65_536));
  return Readable.from(chunks).pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        seen += chunk.length;
        callback(seen > failAt ? new Error('too large') : null, chunk);
      },
    }),
  );
}

jest.setTimeout(60_000);

describe('S3MediaStorage on MinIO', () => {
  const minio = useMinio({ publicRead: true });
  let storage: S3MediaStorage;

  beforeAll(() => {
    storage = new S3MediaStorage(s3Of(minio.env()), 'https://example.com');
  });
  afterAll(() => storage?.close());

  it('stores a buffer with its type and a long cache lifetime, reads it whole or in a range, and deletes it', async () => {
    const key = mediaAttachmentKey('109876543210987654', 'original', 'png');
    expect(await storage.put(key, Buffer.from('hello world'), 'image/png')).toEqual({ size: 11 });
    expect(await storage.stat(key)).toEqual({ size: 11, contentType: 'image/png' });
    const head = await minio.client.send(new HeadObjectCommand({ Bucket: minio.bucket, Key: key }));
    expect(head.ContentType).toBe('image/png');
    expect(head.CacheControl).toBe('public, max-age=315576000, immutable');

    const whole = await storage.read(key);
    expect(whole).toMatchObject({ size: 11, contentType: 'image/png' });
    expect((await bytes(whole!.stream)).toString()).toBe('hello world');
    const part = await storage.read(key, { start: 6, end: 10 });
    expect(part).toMatchObject({ size: 11, contentType: 'image/png' });
    expect((await bytes(part!.stream)).toString()).toBe('world');
    const first = await storage.read(key, { start: 0, end: 0 });
    expect((await bytes(first!.stream)).toString()).toBe('h');

    await storage.delete(key);
    await storage.delete(key);
    expect(await storage.read(key)).toBeNull();
    expect(await storage.stat(key)).toBeNull();
    expect(await storage.stat('media_attachments/never')).toBeNull();
    expect((await minio.contents()).keys).toEqual([]);
  });

  it('stores streams of any length, in one request or in parts, keeping uploads private and uncached', async () => {
    const small = temporaryUploadKey();
    expect(
      await storage.put(small, Readable.from([Buffer.from('a'), Buffer.from('bc')]), 'image/png'),
    ).toEqual({
      size: 3,
    });
    expect(await storage.stat(small)).toEqual({ size: 3, contentType: 'application/octet-stream' });
    const head = await minio.client.send(new HeadObjectCommand({ Bucket: minio.bucket, Key: small }));
    expect(head.CacheControl).toBeUndefined();
    // Only processed media are readable without signing, whatever the bucket's policy says of the rest.
    expect((await fetch(`${minio.server.endpoint}/${minio.bucket}/${small}`)).status).toBe(403);

    // Past one 5 MiB part: a multipart upload.
    const large = mediaAttachmentKey('42', 'original', 'webp');
    const content = randomBytes(11 * 1024 * 1024 + 17);
    const chunks = Array.from({ length: Math.ceil(content.length / 100_000) }, (_, i) =>
      content.subarray(i * 100_000, (i + 1) * 100_000),
    );
    expect(await storage.put(large, Readable.from(chunks), 'image/webp')).toEqual({ size: content.length });
    expect(await storage.stat(large)).toEqual({ size: content.length, contentType: 'image/webp' });
    expect((await bytes((await storage.read(large))!.stream)).equals(content)).toBe(true);
    const tail = await storage.read(large, { start: content.length - 1000, end: content.length - 1 });
    expect((await bytes(tail!.stream)).equals(content.subarray(content.length - 1000))).toBe(true);
    // Public reads: the processed file is at its bucket URL, as stored.
    expect(storage.urlOf(large)).toBe(`${minio.server.endpoint}/${minio.bucket}/${large}`);
    const response = await fetch(storage.urlOf(large));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    // Read to the end: MinIO holds the object's lock while it sends it, and a delete would wait.
    expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);

    await storage.delete(small);
    await storage.delete(large);
    expect((await minio.contents()).keys).toEqual([]);
  });

  it('leaves nothing behind, no object and no parts, when a stream fails', async () => {
    // Within the first part: nothing was sent.
    const early = temporaryUploadKey();
    await expect(storage.put(early, failingStream(1024 * 1024, 200_000), 'x')).rejects.toThrow('too large');
    // After two parts went up: the multipart upload is aborted.
    const late = temporaryUploadKey();
    const source = failingStream(14 * 1024 * 1024, 12 * 1024 * 1024);
    await expect(storage.put(late, source, 'x')).rejects.toThrow('too large');
    expect(source.destroyed).toBe(true);

    expect((await minio.contents()).keys).toEqual([]);
    const openUploads = async (key: string): Promise<number> => {
      const open = await minio.client.send(
        new ListMultipartUploadsCommand({ Bucket: minio.bucket, Prefix: key }),
      );
      return (open.Uploads ?? []).length;
    };
    expect(await openUploads(early)).toBe(0);
    expect(await openUploads(late)).toBe(0);
    // The listing does show an upload left open (so the zeros above mean something).
    const left = await minio.client.send(
      new CreateMultipartUploadCommand({ Bucket: minio.bucket, Key: late }),
    );
    expect(await openUploads(late)).toBe(1);
    await minio.client.send(
      new AbortMultipartUploadCommand({ Bucket: minio.bucket, Key: late, UploadId: left.UploadId }),
    );
  });

  it('refuses every key that could name something else, before asking the bucket', async () => {
    for (const key of [...KEYS_OUTSIDE_THE_ROOT, 'a?versionId=1', 'a b']) {
      await expect(storage.read(key)).rejects.toBeInstanceOf(MediaKeyError);
      await expect(storage.stat(key)).rejects.toBeInstanceOf(MediaKeyError);
      await expect(storage.put(key, Buffer.from('x'), 'x')).rejects.toBeInstanceOf(MediaKeyError);
      await expect(storage.put(key, Readable.from([Buffer.from('x')]), 'x')).rejects.toBeInstanceOf(
        MediaKeyError,
      );
      await expect(storage.delete(key)).rejects.toBeInstanceOf(MediaKeyError);
      await expect(storage.redirectUrlOf(key)).rejects.toBeInstanceOf(MediaKeyError);
      expect(() => storage.urlOf(key)).toThrow(MediaKeyError);
    }
    expect((await minio.contents()).keys).toEqual([]);
  });
});

describe('S3MediaStorage with presigned reads, on a private MinIO bucket', () => {
  const minio = useMinio();

  it('presigns GETs that serve the file, ranges included, and expire; nothing is read unsigned', async () => {
    const storage = new S3MediaStorage(
      s3Of(minio.env({ S3_PRESIGNED_URLS: 'true', S3_PRESIGNED_URL_SECONDS: '10' })),
      'https://example.com',
    );
    try {
      const key = mediaAttachmentKey('7', 'small', 'jpg');
      await storage.put(key, Buffer.from('presigned bytes'), 'image/jpeg');
      expect(storage.urlOf(key)).toBe(`https://example.com/system/${key}`);
      expect((await fetch(`${minio.server.endpoint}/${minio.bucket}/${key}`)).status).toBe(403);

      const url = (await storage.redirectUrlOf(key))!;
      expect(url.startsWith(`${minio.server.endpoint}/${minio.bucket}/${key}?`)).toBe(true);
      expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('10');
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      expect(await response.text()).toBe('presigned bytes');
      const ranged = await fetch(url, { headers: { range: 'bytes=10-14' } });
      expect(ranged.status).toBe(206);
      expect(await ranged.text()).toBe('bytes');
      // The signature covers the key: another key under the same signature is refused.
      expect((await fetch(url.replace(key, key.replace('.jpg', '.png')))).status).toBe(403);

      // The same URL signed 20 seconds ago, for 10 seconds, is refused.
      const expired = await getSignedUrl(
        storage.client,
        new GetObjectCommand({ Bucket: minio.bucket, Key: key }),
        { expiresIn: 10, signingDate: new Date(Date.now() - 20_000) },
      );
      expect((await fetch(expired)).status).toBe(403);

      await storage.delete(key);
      expect((await minio.contents()).keys).toEqual([]);
    } finally {
      storage.close();
    }
  });
});

describe('the storage the configuration picks', () => {
  it('is local disk unless S3_ENABLED, with the file URLs each reads from', () => {
    const local = createMediaStorage(
      loadConfig({ LOCAL_DOMAIN: 'example.com', LOCAL_HTTPS: 'true', NODE_ENV: 'test' }),
    );
    expect(local).toBeInstanceOf(LocalDiskStorage);
    expect(local.urlOf('media_attachments/x.png')).toBe('https://example.com/system/media_attachments/x.png');

    const urlOf = (env: Record<string, string>, key = 'media_attachments/files/a.png'): string => {
      const storage = createMediaStorage(
        loadConfig({
          LOCAL_DOMAIN: 'example.com',
          LOCAL_HTTPS: 'true',
          NODE_ENV: 'test',
          S3_ENABLED: 'true',
          ...env,
        }),
      );
      expect(storage).toBeInstanceOf(S3MediaStorage);
      (storage as S3MediaStorage).close();
      return storage.urlOf(key);
    };
    // AWS: virtual-hosted, on the region's host.
    expect(urlOf({ S3_BUCKET: 'media' })).toBe(
      'https://media.s3.us-east-1.amazonaws.com/media_attachments/files/a.png',
    );
    expect(urlOf({ S3_BUCKET: 'media', S3_REGION: 'eu-west-3' })).toBe(
      'https://media.s3.eu-west-3.amazonaws.com/media_attachments/files/a.png',
    );
    // An endpoint: path style unless S3_OVERRIDE_PATH_STYLE, with its scheme and host.
    expect(urlOf({ S3_BUCKET: 'media', S3_ENDPOINT: 'http://127.0.0.1:9000' })).toBe(
      'http://127.0.0.1:9000/media/media_attachments/files/a.png',
    );
    expect(
      urlOf({ S3_BUCKET: 'media', S3_ENDPOINT: 'https://s3.example.net', S3_OVERRIDE_PATH_STYLE: 'true' }),
    ).toBe('https://media.s3.example.net/media_attachments/files/a.png');
    // S3_HOSTNAME and S3_PROTOCOL name where readers go when that is not the API's address.
    expect(
      urlOf({
        S3_BUCKET: 'media',
        S3_ENDPOINT: 'http://minio.internal:9000',
        S3_HOSTNAME: 'files.example.com',
        S3_PROTOCOL: 'https',
      }),
    ).toBe('https://files.example.com/media/media_attachments/files/a.png');
    // An alias host (a CDN): the key right under it, https unless told.
    expect(
      urlOf({ S3_BUCKET: 'media', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ALIAS_HOST: 'cdn.example.com' }),
    ).toBe('https://cdn.example.com/media_attachments/files/a.png');
    expect(urlOf({ S3_BUCKET: 'media', S3_ALIAS_HOST: 'cdn.example.com/mammut/', S3_PROTOCOL: 'http' })).toBe(
      'http://cdn.example.com/mammut/media_attachments/files/a.png',
    );
    // Presigned reads: the instance's own URL, which redirects.
    expect(urlOf({ S3_BUCKET: 'media', S3_PRESIGNED_URLS: 'true' })).toBe(
      'https://example.com/system/media_attachments/files/a.png',
    );
  });
});
