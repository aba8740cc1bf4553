import { createRestAPIClient, type mastodon } from 'masto';
import { request as httpRequest } from 'node:http';
import sharp from 'sharp';
import {
  HTML_PAYLOAD,
  orientedJpeg,
  pngClaimingSize,
  SVG_WITH_SCRIPT,
  truncatedPng,
  twoToneImage,
} from '../apps/media/src/attachments/test-images';
import { seedUser, seedUsers, type SeededUser } from './support/factories';
import { pollUntil } from './support/poll';
import { useTestSystem } from './support/system';
import { filesUnder } from './support/files';

jest.setTimeout(120_000);

/** Jest's string matcher, typed for an object literal. */
const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern) as unknown;

const INVALID_TYPE = 'Validation failed: File content type is invalid, File is invalid';

/** A request for exactly `path`, as sent: fetch would resolve `..` and re-encode it first. */
function rawGet(origin: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The media API through public HTTP: images uploaded (v2 in the background, v1 at once), processed
 * (orientation applied, metadata dropped, re-encoded, original and preview within Mastodon's caps,
 * blurhash), described, focused, served with safe headers and ranges, deleted; bad files refused
 * with Mastodon's errors and nothing stored of them; only the owner reaches an attachment.
 */
describe('media attachments', () => {
  const sut = useTestSystem();
  let alice: SeededUser;
  let bob: SeededUser;
  let aliceClient: mastodon.rest.Client;
  let bobClient: mastodon.rest.Client;

  const root = (): string => sut.t.system.runtime.config.media.root;
  const rowCount = async (): Promise<number> =>
    Number(
      (await sut.db.query<{ n: string }>('SELECT count(*) AS n FROM media.media_attachments')).rows[0].n,
    );

  /** A multipart upload as clients send it, answered as it came (status and JSON). */
  async function upload(
    version: 'v1' | 'v2',
    file: Buffer,
    options: { name?: string; type?: string; fields?: Record<string, string>; token?: string } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const form = new FormData();
    form.append('file', new Blob([file], { type: options.type ?? 'image/png' }), options.name ?? 'image.png');
    for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value);
    const response = await fetch(`${sut.t.url}/api/${version}/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token ?? alice.token}` },
      body: form,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Refused with `status` and `error`, leaving no row and no file behind. */
  async function expectRefused(
    attempt: () => Promise<{ status: number; body: Record<string, unknown> }>,
    status: number,
    error: string,
  ): Promise<void> {
    const rows = await rowCount();
    const files = await filesUnder(root());
    const answer = await attempt();
    expect(answer).toEqual({ status, body: { error } });
    expect(await rowCount()).toBe(rows);
    expect(await filesUnder(root())).toEqual(files);
    expect((await filesUnder(root())).filter((file) => file.startsWith('tmp/'))).toEqual([]);
  }

  const processedOf = (id: string, client = aliceClient) =>
    pollUntil(
      () => client.v1.media.$select(id).fetch(),
      (media) => media.url !== null,
      20_000,
    );

  beforeAll(async () => {
    [alice, bob] = await seedUsers(sut.t, ['alice', 'bob']);
    aliceClient = createRestAPIClient({ url: sut.t.url, accessToken: alice.token });
    bobClient = createRestAPIClient({ url: sut.t.url, accessToken: bob.token });
  });

  it('takes an image through v2, processes it in the background and serves it safely', async () => {
    const jpeg = await orientedJpeg(800, 400);
    const created = await aliceClient.v2.media.create({
      file: new Blob([jpeg], { type: 'image/jpeg' }),
      description: 'A red and blue flag',
      focus: '0.5,-0.25',
      skipPolling: true,
    });
    expect(created).toMatchObject({ type: 'image', description: 'A red and blue flag' });

    await processedOf(created.id);
    // Mastodon's JSON, as sent (masto camel-cases what it reads).
    const response = await fetch(`${sut.t.url}/api/v1/media/${created.id}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(response.status).toBe(200);
    const media = (await response.json()) as {
      url: string;
      preview_url: string;
      meta: { small: { width: number; height: number } };
    };
    expect(media).toEqual({
      id: created.id,
      type: 'image',
      url: matching(
        new RegExp(`^${sut.t.url}/system/media_attachments/files/(\\d{3}/){6}original/[0-9a-f]{16}\\.jpg$`),
      ),
      preview_url: matching(/\/small\/[0-9a-f]{16}\.jpg$/),
      remote_url: null,
      preview_remote_url: null,
      text_url: null,
      meta: {
        // The EXIF orientation is applied: the image stands upright.
        original: { width: 400, height: 800, size: '400x800', aspect: 0.5 },
        small: { width: 339, height: 678, size: '339x678', aspect: 339 / 678 },
        focus: { x: 0.5, y: -0.25 },
      },
      description: 'A red and blue flag',
      blurhash: matching(/^[0-9A-Za-z#$%*+,-.:;=?@[\]^_{|}~]{36}$/),
    });
    expect(media.meta.small.width * media.meta.small.height).toBeLessThanOrEqual(230_400);

    const file = await fetch(media.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(file.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(file.headers.get('accept-ranges')).toBe('bytes');
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(Number(file.headers.get('content-length'))).toBe(bytes.length);
    const served = await sharp(bytes).metadata();
    expect([served.width, served.height, served.exif, served.orientation]).toEqual([
      400,
      800,
      undefined,
      undefined,
    ]);
    expect(bytes.includes(Buffer.from('MammutCam'))).toBe(false);

    const part = await fetch(media.url, { headers: { range: 'bytes=2-11' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 2-11/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(2, 12));
    const tail = await fetch(media.url, { headers: { range: 'bytes=-4' } });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 4));
    const beyond = await fetch(media.url, { headers: { range: `bytes=${bytes.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);

    const preview = await fetch(media.preview_url);
    expect(preview.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await preview.arrayBuffer())).metadata()).width).toBe(339);

    // The upload itself is gone: only the two processed files are left.
    expect((await filesUnder(root())).filter((path) => path.includes(created.id.slice(0, 3)))).toHaveLength(
      2,
    );
    expect((await filesUnder(root())).filter((path) => path.startsWith('tmp/'))).toEqual([]);
  });

  it('answers v2 with 202 and GET with 206 until processed, v1 only once processed', async () => {
    const png = await twoToneImage(4000, 2500, 'png');
    const v2 = await upload('v2', png);
    expect(v2.status).toBe(202);
    expect(v2.body).toMatchObject({ type: 'image', url: null, preview_url: null, meta: {} });
    const first = await fetch(`${sut.t.url}/api/v1/media/${v2.body.id as string}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    const firstBody = (await first.json()) as { url: string | null };
    // Processing may already be over; until it is, GET says 206 and has no URL.
    expect(first.status === 206 ? firstBody.url : 'ready').toBe(first.status === 206 ? null : 'ready');
    const done = await processedOf(v2.body.id as string);
    // Shrunk to at most 3840×2160 worth of pixels, the aspect kept.
    expect(done.meta!.original).toEqual({
      width: 3642,
      height: 2276,
      size: '3642x2276',
      aspect: 3642 / 2276,
    });

    const v1 = await upload('v1', await twoToneImage(64, 48, 'webp'), { fields: { description: 'small' } });
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({
      type: 'image',
      url: matching(/\/original\/[0-9a-f]{16}\.webp$/),
      meta: { original: { width: 64, height: 48 }, small: { width: 64, height: 48 } },
      description: 'small',
      blurhash: matching(/^.{36}$/),
    });
    expect((await fetch(v1.body.url as string)).headers.get('content-type')).toBe('image/webp');
  });

  it('changes alt text and focus with PUT, within the limits', async () => {
    const { body } = await upload('v1', await twoToneImage(20, 20));
    const id = body.id as string;
    const changed = await aliceClient.v1.media
      .$select(id)
      .update({ description: 'Now described', focus: '-1,1' });
    expect(changed).toMatchObject({ id, description: 'Now described', meta: { focus: { x: -1, y: 1 } } });
    expect(await aliceClient.v1.media.$select(id).fetch()).toMatchObject({ description: 'Now described' });

    const put = (fields: Record<string, string>) =>
      fetch(`${sut.t.url}/api/v1/media/${id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(fields),
      }).then(async (response) => ({ status: response.status, body: await response.json() }));
    expect(await put({ description: 'x'.repeat(1501) })).toEqual({
      status: 422,
      body: { error: 'Validation failed: Description is too long (maximum is 1500 characters)' },
    });
    expect((await put({ description: 'x'.repeat(1500) })).status).toBe(200);
    for (const focus of ['2,0', '0', 'a,b', '0,0,0', '0.5,-1.01'])
      expect(await put({ focus })).toEqual({
        status: 422,
        body: { error: 'Validation failed: Focus must be two numbers from -1.0 to 1.0, as "x,y"' },
      });
    expect(await aliceClient.v1.media.$select(id).fetch()).toMatchObject({
      meta: { focus: { x: -1, y: 1 } },
    });
    await expectRefused(
      async () => upload('v2', await twoToneImage(20, 20), { fields: { description: 'y'.repeat(1501) } }),
      422,
      'Validation failed: Description is too long (maximum is 1500 characters)',
    );
  });

  it('deletes an attachment and its files', async () => {
    const { body } = await upload('v1', await twoToneImage(20, 20));
    const id = body.id as string;
    const before = await filesUnder(root());
    const response = await fetch(`${sut.t.url}/api/v1/media/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect([response.status, await response.json()]).toEqual([200, {}]);
    expect(before.length - (await filesUnder(root())).length).toBe(2);
    expect((await fetch(body.url as string)).status).toBe(404);
    await expect(aliceClient.v1.media.$select(id).fetch()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('keeps everyone else out of an attachment: 404, as for one that is not there', async () => {
    const { body } = await upload('v1', await twoToneImage(20, 20), { fields: { description: 'mine' } });
    const id = body.id as string;
    await expect(bobClient.v1.media.$select(id).fetch()).rejects.toMatchObject({
      statusCode: 404,
      message: 'Record not found',
    });
    await expect(bobClient.v1.media.$select(id).update({ description: 'yours' })).rejects.toMatchObject({
      statusCode: 404,
    });
    const deleted = await fetch(`${sut.t.url}/api/v1/media/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${bob.token}` },
    });
    expect(deleted.status).toBe(404);
    expect(await aliceClient.v1.media.$select(id).fetch()).toMatchObject({ description: 'mine' });
    for (const missing of ['1', 'abc', '99999999999999999999'])
      await expect(aliceClient.v1.media.$select(missing).fetch()).rejects.toMatchObject({ statusCode: 404 });

    // Uploading takes write:media (or write); a read-only token is refused.
    const reader = await seedUser(sut.t, { username: 'reader', scopes: ['read'] });
    await expectRefused(
      async () => upload('v2', await twoToneImage(20, 20), { token: reader.token }),
      403,
      'This action is outside the authorized scopes',
    );
  });

  it('refuses what is not an image it takes, from the bytes, and keeps nothing of it', async () => {
    await expectRefused(
      () => upload('v2', SVG_WITH_SCRIPT, { name: 'x.svg', type: 'image/svg+xml' }),
      422,
      INVALID_TYPE,
    );
    await expectRefused(
      () => upload('v2', Buffer.from('this is just text'), { name: 'x.jpg', type: 'image/jpeg' }),
      422,
      INVALID_TYPE,
    );
    await expectRefused(
      () => upload('v1', Buffer.from(HTML_PAYLOAD), { name: 'x.png', type: 'image/png' }),
      422,
      INVALID_TYPE,
    );
    await expectRefused(
      () => upload('v2', pngClaimingSize(20_000, 20_000)),
      422,
      '20000x20000 images are not supported',
    );
    await expectRefused(
      () =>
        fetch(`${sut.t.url}/api/v2/media`, {
          method: 'POST',
          headers: { authorization: `Bearer ${alice.token}` },
          body: (() => {
            const form = new FormData();
            form.append('description', 'no file');
            return form;
          })(),
        }).then(async (response) => ({
          status: response.status,
          body: (await response.json()) as Record<string, unknown>,
        })),
      422,
      "Validation failed: File can't be blank",
    );
  });

  it('fails an image that cannot be decoded: v1 keeps nothing, v2 answers 422 for it afterwards', async () => {
    // Mastodon's message, and why: it is the file's doing, so its uploader is told.
    const undecodable = {
      error: 'Error processing thumbnail for uploaded media',
      details: { file: [{ error: 'ERR_PROCESSING', description: 'The file could not be decoded' }] },
    };
    const before = await rowCount();
    expect(await upload('v1', await truncatedPng())).toEqual({ status: 422, body: undecodable });
    expect(await rowCount()).toBe(before);

    const created = await upload('v2', await truncatedPng());
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    const failed = await pollUntil(
      () =>
        fetch(`${sut.t.url}/api/v1/media/${id}`, {
          headers: { authorization: `Bearer ${alice.token}` },
        }).then(async (response) => ({ status: response.status, body: await response.json() })),
      (answer) => answer.status !== 206,
      20_000,
    );
    expect(failed).toEqual({ status: 422, body: undecodable });
    const { rows } = await sut.db.query<{
      processing: string;
      processing_error: string;
      upload_key: string | null;
    }>('SELECT processing, processing_error, upload_key FROM media.media_attachments WHERE id = $1', [id]);
    expect(rows).toEqual([
      { processing: 'failed', processing_error: expect.any(String) as unknown, upload_key: null },
    ]);
    expect(rows[0].processing_error).toMatch(/png/i);
    expect((await filesUnder(root())).filter((file) => file.startsWith('tmp/'))).toEqual([]);
    // A failed attachment can still be deleted.
    const deleted = await fetch(`${sut.t.url}/api/v1/media/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(deleted.status).toBe(200);
  });

  it('refuses an upload over 16 MB with 413, while it streams in or from its length', async () => {
    // Within what the route could take as a whole body, so the file's own count refuses it.
    const justOver = Buffer.alloc(16 * 1024 * 1024 + 100 * 1024, 7);
    await expectRefused(() => upload('v2', justOver), 413, 'Request body is too large');
    const far = Buffer.alloc(20 * 1024 * 1024, 7);
    await expectRefused(() => upload('v1', far), 413, 'Request body is too large');
  });

  it('takes a PNG with an HTML page appended, but serves only the re-encoded image', async () => {
    const polyglot = Buffer.concat([await twoToneImage(40, 40), Buffer.from(HTML_PAYLOAD)]);
    const created = await upload('v2', polyglot, { name: 'x.html', type: 'text/html' });
    expect(created.status).toBe(202);
    const media = await processedOf(created.body.id as string);
    for (const url of [media.url!, media.previewUrl]) {
      const served = await fetch(url);
      expect(served.headers.get('content-type')).toBe('image/png');
      const bytes = Buffer.from(await served.arrayBuffer());
      expect(bytes.includes(Buffer.from('<script>'))).toBe(false);
      expect(bytes.includes(Buffer.from('<html>'))).toBe(false);
    }
  });

  it('serves nothing outside processed media: no traversal, no encoded slashes, no waiting uploads', async () => {
    const { body } = await upload('v1', await twoToneImage(20, 20));
    const path = new URL(body.url as string).pathname;
    expect((await rawGet(sut.t.url, path)).status).toBe(200);
    for (const bad of [
      '/system/../package.json',
      '/system/media_attachments/../../package.json',
      '/system/media_attachments/..%2F..%2Fpackage.json',
      '/system/media_attachments/%2e%2e/%2e%2e/package.json',
      '/system/media_attachments%2F..%2F..%2Fpackage.json',
      path.replace('/original/', '/original%2F'),
      path.replace('/system/', '/system//'),
      '/system/tmp/uploads/00000000000000000000000000000000',
      '/system/media_attachments/files/000/000/000/000/000/001/original/nothing.png',
      '/system/',
    ]) {
      const answer = await rawGet(sut.t.url, bad);
      expect([bad, answer.status]).toEqual([bad, 404]);
      expect(answer.body).not.toContain('"name"');
    }
  });
});
