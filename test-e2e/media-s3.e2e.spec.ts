import { PutObjectCommand } from '@aws-sdk/client-s3';
import { cloneTemplateDatabase, dropDatabase, testInfra, uniqueName } from '@mammut/testing';
import { createRestAPIClient, type mastodon } from 'masto';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import sharp from 'sharp';
import { orientedJpeg, twoToneImage } from '../apps/media/src/attachments/test-images';
import { seedUser, type SeededUser } from './support/factories';
import { type MinioBucket, useMinio } from './support/minio';
import { pollUntil } from './support/poll';
import { splitSystemEnv, startProcess, until } from './support/service-processes';
import { freePort, type SystemUnderTest, useTestSystem } from './support/system';

jest.setTimeout(120_000);

/** A request for exactly `path`, as sent (fetch would resolve `..` first), answered as it came. */
function rawGet(origin: string, path: string): Promise<{ status: number; location?: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The bytes at `url` and the type they came with, read to the end. */
async function download(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

/** A user of `sut` with a masto client, and processing that waits for an attachment's files. */
function signedIn(sut: SystemUnderTest): {
  user: () => SeededUser;
  client: () => mastodon.rest.Client;
  processed: (id: string) => Promise<mastodon.v1.MediaAttachment>;
} {
  let user: SeededUser | undefined;
  let client: mastodon.rest.Client | undefined;
  beforeAll(async () => {
    user = await seedUser(sut.t, { username: 'alice' });
    client = createRestAPIClient({ url: sut.t.url, accessToken: user.token });
  });
  return {
    user: () => user!,
    client: () => client!,
    processed: (id) =>
      pollUntil(
        () => client!.v1.media.$select(id).fetch(),
        (media) => media.url !== null,
        20_000,
      ),
  };
}

/** What a test system stored in the bucket: processed media only, nothing waiting under tmp/. */
const keysOf = async (minio: MinioBucket): Promise<string[]> => (await minio.contents()).keys;

/**
 * Media on an S3-compatible store (a real MinIO): uploads streamed into the bucket, processed there,
 * served from it (public URLs or presigned redirects through the instance), and removed from it.
 */
describe('media in a public S3 bucket', () => {
  const minio = useMinio({ publicRead: true });
  const sut = useTestSystem(() => minio.env());
  const alice = signedIn(sut);

  it('uploads, processes and serves an image straight from the bucket, and removes it with its status', async () => {
    const jpeg = await orientedJpeg(800, 400);
    const created = await alice.client().v2.media.create({
      file: new Blob([jpeg], { type: 'image/jpeg' }),
      skipPolling: true,
    });
    const media = await alice.processed(created.id);
    const base = `${minio.server.endpoint}/${minio.bucket}/media_attachments/files/`;
    expect(media.url).toMatch(new RegExp(`^${base}(\\d{3}/){6}original/[0-9a-f]{16}\\.jpg$`));
    expect(media.previewUrl).toMatch(new RegExp(`^${base}(\\d{3}/){6}small/[0-9a-f]{16}\\.jpg$`));

    // The bucket holds the processed files and nothing else (the upload under tmp/ is gone).
    const original = new URL(media.url!).pathname.slice(`/${minio.bucket}/`.length);
    const small = new URL(media.previewUrl).pathname.slice(`/${minio.bucket}/`.length);
    expect(await keysOf(minio)).toEqual([original, small].sort());
    for (const [url, width, height] of [
      [media.url!, 400, 800],
      [media.previewUrl, 339, 678],
    ] as const) {
      const file = await download(url);
      expect([file.status, file.type]).toEqual([200, 'image/jpeg']);
      expect(await sharp(file.bytes).metadata()).toMatchObject({ format: 'jpeg', width, height });
    }
    // The instance's own path for it (as a disk-backed instance gave out) sends readers there.
    expect(await rawGet(sut.t.url, `/system/${original}`)).toEqual({ status: 302, location: media.url });

    const status = await alice.client().v1.statuses.create({ status: 'a flag', mediaIds: [media.id] });
    expect(status.mediaAttachments.map((attached) => attached.url)).toEqual([media.url]);
    // Deleted with its media (not kept for a redraft): the objects go.
    const removed = await fetch(`${sut.t.url}/api/v1/statuses/${status.id}?delete_media=true`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.user().token}` },
    });
    expect(removed.status).toBe(200);
    expect(
      await pollUntil(
        () => keysOf(minio),
        (keys) => keys.length === 0,
        20_000,
      ),
    ).toEqual([]);
    expect((await download(media.url!)).status).toBe(404);
  });

  it('keeps nothing of an upload refused for its size, and never lets an upload be read from the bucket', async () => {
    const far = Buffer.alloc(16 * 1024 * 1024 + 100 * 1024, 7);
    const form = new FormData();
    form.append('file', new Blob([far], { type: 'image/png' }), 'big.png');
    const response = await fetch(`${sut.t.url}/api/v2/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.user().token}` },
      body: form,
    });
    expect([response.status, await response.json()]).toEqual([413, { error: 'Request body is too large' }]);
    // No object, and the multipart upload the gateway had begun is aborted (the answer may come
    // while the abort is still on its way).
    const left = await pollUntil(
      () => minio.contents(),
      (contents) => contents.uploads.length === 0,
      10_000,
    );
    expect(left).toEqual({ keys: [], uploads: [] });

    // An upload waiting for the media service is not public in the bucket, nor served by the instance.
    const waiting = `tmp/uploads/${randomBytes(16).toString('hex')}`;
    await minio.client.send(new PutObjectCommand({ Bucket: minio.bucket, Key: waiting, Body: 'waiting' }));
    expect((await download(`${minio.server.endpoint}/${minio.bucket}/${waiting}`)).status).toBe(403);
    expect((await rawGet(sut.t.url, `/system/${waiting}`)).status).toBe(404);
  });
});

describe('media in a private S3 bucket, read through presigned redirects', () => {
  const minio = useMinio();
  const sut = useTestSystem(() => minio.env({ S3_PRESIGNED_URLS: 'true', S3_PRESIGNED_URL_SECONDS: '60' }));
  const alice = signedIn(sut);

  it('answers the instance URL with a redirect to a short-lived presigned GET that serves the file', async () => {
    const png = await twoToneImage(60, 40);
    const media = await alice.client().v1.media.create({ file: new Blob([png], { type: 'image/png' }) });
    expect(media.url).toMatch(
      new RegExp(`^${sut.t.url}/system/media_attachments/files/(\\d{3}/){6}original/[0-9a-f]{16}\\.png$`),
    );
    const original = new URL(media.url!).pathname.slice('/system/'.length);
    expect(await keysOf(minio)).toHaveLength(2);
    // Unsigned, the bucket serves nothing.
    expect((await download(`${minio.server.endpoint}/${minio.bucket}/${original}`)).status).toBe(403);

    const response = await fetch(media.url!, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('cache-control')).toBe('private, max-age=30');
    const location = response.headers.get('location')!;
    expect(location.startsWith(`${minio.server.endpoint}/${minio.bucket}/${original}?`)).toBe(true);
    expect(new URL(location).searchParams.get('X-Amz-Expires')).toBe('60');
    const file = await download(location);
    expect([file.status, file.type]).toEqual([200, 'image/png']);
    expect(await sharp(file.bytes).metadata()).toMatchObject({ format: 'png', width: 60, height: 40 });
    // Followed as a browser would, with a range (a player's) answered by the bucket.
    const followed = await fetch(media.previewUrl, { headers: { range: 'bytes=0-7' } });
    expect(followed.status).toBe(206);
    expect(Buffer.from(await followed.arrayBuffer())).toEqual(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'));

    // Deleting the attachment removes its objects.
    const deleted = await fetch(`${sut.t.url}/api/v1/media/${media.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.user().token}` },
    });
    expect(deleted.status).toBe(200);
    expect(
      await pollUntil(
        () => keysOf(minio),
        (keys) => keys.length === 0,
        20_000,
      ),
    ).toEqual([]);
    expect((await rawGet(sut.t.url, `/system/${original}`)).status).toBe(404);
  });

  it('redirects nowhere for anything but a stored processed file: no uploads, no traversal, nothing missing', async () => {
    const waiting = `tmp/uploads/${randomBytes(16).toString('hex')}`;
    await minio.client.send(new PutObjectCommand({ Bucket: minio.bucket, Key: waiting, Body: 'waiting' }));
    for (const bad of [
      `/system/${waiting}`,
      `/system/media_attachments/../${waiting}`,
      `/system/media_attachments/..%2F${waiting.replace(/\//g, '%2F')}`,
      '/system/../package.json',
      '/system//media_attachments/x.png',
      '/system/media_attachments/files/000/000/000/000/000/001/original/nothing.png',
      '/system/',
    ]) {
      const answer = await rawGet(sut.t.url, bad);
      expect([bad, answer]).toEqual([bad, { status: 404, location: undefined }]);
    }
  });
});

/**
 * The gateway and the media service as processes of their own, each with a media directory of its
 * own that nothing is written to: the upload the gateway streams into the bucket is what the media
 * service processes, and what it stores there is what the gateway redirects readers to.
 */
describe('gateway and media as separate processes sharing only a bucket', () => {
  const minio = useMinio();
  const children: ChildProcess[] = [];
  let databaseUrl = '';
  let origin = '';

  beforeAll(async () => {
    const infra = testInfra();
    databaseUrl = await cloneTemplateDatabase(infra);
    const [port, accountsPort, mediaPort] = [await freePort(), await freePort(), await freePort()];
    const prefix = uniqueName('s3split');
    origin = `http://127.0.0.1:${port}`;
    const env = {
      ...splitSystemEnv({ infra, databaseUrl, port, prefix }),
      ...minio.env({ S3_PRESIGNED_URLS: 'true' }),
    };
    const nowhere = (name: string): string => `.data/test/never-written-${prefix}-${name}`;
    children.push(
      startProcess('apps/accounts/src/main.ts', { ...env, HEALTH_PORT: String(accountsPort) }),
      startProcess('apps/media/src/main.ts', {
        ...env,
        HEALTH_PORT: String(mediaPort),
        MEDIA_ROOT: nowhere('media'),
      }),
      startProcess('apps/gateway/src/main.ts', {
        ...env,
        PORT: String(port),
        MEDIA_ROOT: nowhere('gateway'),
      }),
    );
    await Promise.all([
      until(`http://127.0.0.1:${accountsPort}/health/ready`, 60_000),
      until(`http://127.0.0.1:${mediaPort}/health/ready`, 60_000),
      until(`${origin}/health/ready`, 60_000),
    ]);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (databaseUrl) await dropDatabase(testInfra(), databaseUrl);
  });

  it('uploads through the gateway, processes in the media service and redirects to the bucket', async () => {
    const alice = await seedUser({ url: origin, databaseUrl }, { username: 'alice' });
    const client = createRestAPIClient({ url: origin, accessToken: alice.token });
    const created = await client.v2.media.create({
      file: new Blob([await orientedJpeg(200, 100)], { type: 'image/jpeg' }),
      skipPolling: true,
    });
    const media = await pollUntil(
      () => client.v1.media.$select(created.id).fetch(),
      (found) => found.url !== null,
      30_000,
    );
    expect(media.url!.startsWith(`${origin}/system/media_attachments/`)).toBe(true);
    const file = await download(media.url!);
    expect([file.status, file.type]).toEqual([200, 'image/jpeg']);
    expect(await sharp(file.bytes).metadata()).toMatchObject({ width: 100, height: 200 });
    expect(await keysOf(minio)).toHaveLength(2);
    expect(existsSync('.data/test')).toBe(true);
    expect(readdirSync('.data/test').filter((name) => name.startsWith('never-written-'))).toEqual([]);
  });
});
