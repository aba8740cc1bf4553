import { readdir, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { seedUser, type SeededUser } from '../../../../test-e2e/support/factories';
import { pollUntil } from '../../../../test-e2e/support/poll';
import {
  MultipartWriter,
  type RawResponse,
  rawRequest,
  repeated,
} from '../../../../test-e2e/support/raw-http';
import { useTestSystem } from '../../../../test-e2e/support/system';

jest.setTimeout(120_000);

const MiB = 1024 * 1024;
const KiB64 = Buffer.alloc(64 * 1024, 0x61);

/**
 * Request bodies: 1 MiB for every content type on every route, multipart included and read only
 * to that limit; streamed uploads only where a route declares files, read after throttles and
 * authentication, each file into storage under its own limit.
 */
describe('request bodies', () => {
  const sut = useTestSystem();
  let alice: SeededUser;

  beforeAll(async () => {
    alice = await seedUser(sut.t, { username: 'alice' });
  });

  const count = async (table: string): Promise<number> =>
    Number((await sut.db.query<{ n: string }>(`SELECT count(*) AS n FROM accounts.${table}`)).rows[0].n);
  const displayName = async (): Promise<string> =>
    (
      await sut.db.query<{ display_name: string }>(
        `SELECT display_name FROM accounts.accounts WHERE id = $1`,
        [alice.accountId],
      )
    ).rows[0].display_name;

  describe('on routes that take no files', () => {
    const routes = [
      ['POST', '/api/v1/apps'],
      ['POST', '/oauth/token'],
      ['POST', '/auth/sign_in'],
      ['POST', '/api/v1/no/such/route'],
    ] as const;

    it.each(routes)(
      'refuses a multipart body declared larger than 1 MiB at once, without waiting for it (%s %s)',
      async (method, path) => {
        const form = new MultipartWriter();
        const response = await rawRequest(sut.t.url, {
          method,
          path,
          headers: { 'content-type': form.contentType, 'content-length': String(60 * MiB) },
          chunks: [form.field('client_name', 'x'), form.fileStart('file', 'big.bin'), KiB64],
          // Left open: only an answer that did not wait for 60 MiB can arrive.
          end: false,
        });
        expect(response.status).toBe(413);
        expect(JSON.parse(response.body)).toEqual({ error: 'Request body is too large' });
      },
    );

    it.each(routes)(
      'stops reading an undeclared-length multipart body past 1 MiB (%s %s)',
      async (method, path) => {
        const before = await count('oauth_applications');
        const form = new MultipartWriter();
        const response = await rawRequest(sut.t.url, {
          method,
          path,
          headers: { 'content-type': form.contentType },
          chunks: [
            form.field('client_name', 'x'),
            form.fileStart('file', 'big.bin'),
            ...repeated(KiB64, 1024),
          ],
          end: false,
        });
        expect(response.status).toBe(413);
        expect(await count('oauth_applications')).toBe(before);
      },
    );

    it('holds at most 1 MiB of each of six concurrent 60 MiB multipart uploads', async () => {
      const upload = (path: string): Promise<RawResponse> => {
        const form = new MultipartWriter();
        return rawRequest(sut.t.url, {
          method: 'POST',
          path,
          headers: { 'content-type': form.contentType },
          chunks: [
            ...Array.from({ length: 4 }, (_, n) => [
              form.fileStart(`file${n}`, 'f.bin'),
              ...repeated(KiB64, 240),
            ]).flat(),
            form.end(),
          ],
        });
      };
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      try {
        const responses = await Promise.all(
          ['/api/v1/apps', '/oauth/token', '/auth/sign_in', '/api/v1/apps', '/oauth/token', '/nowhere'].map(
            upload,
          ),
        );
        expect(responses.map((response) => response.status)).toEqual([413, 413, 413, 413, 413, 413]);
      } finally {
        clearInterval(sampler);
      }
      // Buffered whole, these were 360 MiB; read to their limit, a few MiB (and the noise of a heap).
      expect(peak - baseline).toBeLessThan(96 * MiB);
    });

    it('refuses a file where the route takes none (422), and stores nothing', async () => {
      const before = await count('oauth_applications');
      const form = new FormData();
      form.append('client_name', 'With a file');
      form.append('redirect_uris', 'urn:ietf:wg:oauth:2.0:oob');
      form.append('logo', new Blob([Buffer.alloc(1000, 1)]), 'logo.png');
      const response = await fetch(`${sut.t.url}/api/v1/apps`, { method: 'POST', body: form });
      expect(response.status).toBe(422);
      const body = (await response.json()) as { error: string; details: Record<string, unknown> };
      expect(body.error).toMatch(/^Validation failed: /);
      expect(Object.keys(body.details)).toEqual(['logo']);
      expect(await count('oauth_applications')).toBe(before);
    });

    it('reads fields-only multipart like any other body, skipping a file input left empty', async () => {
      const form = new FormData();
      form.append('client_name', 'Multipart app');
      form.append('redirect_uris', 'urn:ietf:wg:oauth:2.0:oob');
      // What a browser sends for an empty <input type="file">: a nameless, empty part.
      form.append('logo', new Blob([]), '');
      const response = await fetch(`${sut.t.url}/api/v1/apps`, { method: 'POST', body: form });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { name: string }).name).toBe('Multipart app');
    });

    it.each([
      ['/api/v1/apps', 'no boundary', 'multipart/form-data', 'client_name=x'],
      ['/oauth/token', 'no boundary', 'multipart/form-data', 'grant_type=client_credentials'],
      [
        '/api/v1/apps',
        'cut short',
        'multipart/form-data; boundary=XyZ',
        '--XyZ\r\nContent-Disposition: form-data; name="client_name"\r\n\r\nhalf',
      ],
      [
        '/oauth/token',
        'cut short',
        'multipart/form-data; boundary=XyZ',
        '--XyZ\r\nContent-Disposition: form-da',
      ],
      ['/auth/sign_in', 'cut short', 'multipart/form-data; boundary=XyZ', '--XyZ\r\n'],
    ])(
      'answers malformed multipart on %s (%s) with 400, and stores nothing',
      async (path, _case, type, body) => {
        const before = await count('oauth_applications');
        const response = await rawRequest(sut.t.url, {
          method: 'POST',
          path,
          headers: { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) },
          chunks: [body],
        });
        expect(response.status).toBe(400);
        expect(JSON.parse(response.body)).toEqual({ error: 'Request body could not be parsed' });
        expect(await count('oauth_applications')).toBe(before);
      },
    );

    it('applies the 1 MiB limit to JSON and forms too', async () => {
      for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
        const response = await rawRequest(sut.t.url, {
          method: 'POST',
          path: '/api/v1/apps',
          headers: { 'content-type': type },
          chunks: ['{"client_name":"', ...repeated(KiB64, 64)],
          end: false,
        });
        expect(response.status).toBe(413);
      }
    });
  });

  describe('on a route that takes files (update_credentials: avatar and header)', () => {
    const path = '/api/v1/accounts/update_credentials';
    const auth = (): Record<string, string> => ({ authorization: `Bearer ${alice.token}` });
    // Avatars and headers stream into media storage, as every upload does, under tmp/uploads.
    const pending = (): string => join(sut.t.system.runtime.config.media.root, 'tmp', 'uploads');
    const uploadDirs = async (): Promise<string[]> => (await readdir(pending()).catch(() => [])).sort();
    const newUploadDirs = (before: readonly string[]) => async (): Promise<string[]> =>
      (await uploadDirs()).filter((file) => !before.includes(file));

    it('reads nothing of the body before authentication: 401 while the upload is still open', async () => {
      const form = new MultipartWriter();
      const response = await rawRequest(sut.t.url, {
        method: 'PATCH',
        path,
        headers: { 'content-type': form.contentType, 'content-length': String(8 * MiB) },
        chunks: [form.field('display_name', 'Not me'), form.fileStart('avatar', 'a.png'), KiB64],
        end: false,
      });
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body)).toEqual({ error: 'The access token is invalid' });
    });

    it('keeps taking text fields as multipart', async () => {
      const form = new FormData();
      form.append('display_name', 'Multipart Alice');
      form.append('fields_attributes[0][name]', 'Site');
      form.append('fields_attributes[0][value]', 'https://alice.example');
      const response = await fetch(`${sut.t.url}${path}`, { method: 'PATCH', headers: auth(), body: form });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { display_name: string; fields: Array<{ name: string }> };
      expect(body.display_name).toBe('Multipart Alice');
      expect(body.fields.map((field) => field.name)).toEqual(['Site']);
    });

    it('refuses an avatar or header that is no image (422), changes nothing and leaves no file', async () => {
      const dirs = await uploadDirs();
      const before = await displayName();
      for (const field of ['avatar', 'header']) {
        const form = new FormData();
        form.append('display_name', 'Alice with a picture');
        form.append(field, new Blob([Buffer.alloc(200 * 1024, 7)], { type: 'image/png' }), 'me.png');
        const response = await fetch(`${sut.t.url}${path}`, { method: 'PATCH', headers: auth(), body: form });
        expect(response.status).toBe(422);
        const body = (await response.json()) as { error: string; details: Record<string, unknown> };
        expect(body.error).toMatch(/^Validation failed: /);
        expect(Object.keys(body.details)).toEqual([field]);
      }
      expect(await displayName()).toBe(before);
      expect(await pollUntil(newUploadDirs(dirs), (left) => left.length === 0, 5000)).toEqual([]);
    });

    it('refuses a file in a field it does not take (422)', async () => {
      const before = await displayName();
      const form = new FormData();
      form.append('display_name', 'Alice with a banner');
      form.append('banner', new Blob([Buffer.alloc(10, 1)]), 'b.png');
      const response = await fetch(`${sut.t.url}${path}`, { method: 'PATCH', headers: auth(), body: form });
      expect(response.status).toBe(422);
      expect(Object.keys(((await response.json()) as { details: Record<string, unknown> }).details)).toEqual([
        'banner',
      ]);
      expect(await displayName()).toBe(before);
    });

    it('cuts a file past its 8 MiB limit while it streams (413), and removes what was written', async () => {
      const dirs = await uploadDirs();
      const before = await displayName();
      const form = new MultipartWriter();
      const response = await rawRequest(sut.t.url, {
        method: 'PATCH',
        path,
        headers: { ...auth(), 'content-type': form.contentType },
        chunks: [
          form.field('display_name', 'Too big'),
          form.fileStart('avatar', 'a.png'),
          ...repeated(KiB64, 1024),
        ],
        end: false,
      });
      expect(response.status).toBe(413);
      expect(JSON.parse(response.body)).toEqual({ error: 'Request body is too large' });
      expect(await displayName()).toBe(before);
      expect(await pollUntil(newUploadDirs(dirs), (left) => left.length === 0, 5000)).toEqual([]);
    });

    it('refuses a body declared larger than all it could take, at once', async () => {
      const form = new MultipartWriter();
      const response = await rawRequest(sut.t.url, {
        method: 'PATCH',
        path,
        headers: { ...auth(), 'content-type': form.contentType, 'content-length': String(60 * MiB) },
        chunks: [form.fileStart('avatar', 'a.png'), KiB64],
        end: false,
      });
      expect(response.status).toBe(413);
    });

    it('answers multipart cut short inside a file with 400, and removes what was written', async () => {
      const dirs = await uploadDirs();
      const before = await displayName();
      const form = new MultipartWriter();
      const chunks = [form.field('display_name', 'Cut short'), form.fileStart('avatar', 'a.png'), KiB64];
      const length = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
      const response = await rawRequest(sut.t.url, {
        method: 'PATCH',
        path,
        headers: { ...auth(), 'content-type': form.contentType, 'content-length': String(length) },
        chunks,
      });
      expect(response.status).toBe(400);
      expect(await displayName()).toBe(before);
      expect(await pollUntil(newUploadDirs(dirs), (left) => left.length === 0, 5000)).toEqual([]);
    });

    it('streams a file into storage as it arrives, and removes it when the client goes away', async () => {
      const dirs = await uploadDirs();
      const form = new MultipartWriter();
      const request = httpRequest(new URL(path, sut.t.url), {
        method: 'PATCH',
        agent: false,
        headers: { ...auth(), 'content-type': form.contentType },
      });
      request.on('error', () => undefined);
      request.write(form.fileStart('avatar', 'a.png'));
      for (const chunk of repeated(KiB64, 32)) request.write(chunk);
      // 2 MiB sent and the body left open: they are in storage, not in memory.
      const written = async (): Promise<number> => {
        const stats = await Promise.all(
          (await newUploadDirs(dirs)()).map((file) => stat(join(pending(), file)).catch(() => ({ size: 0 }))),
        );
        return stats.reduce((sum, file) => sum + file.size, 0);
      };
      expect(await pollUntil(written, (size) => size >= 2 * MiB, 10_000)).toBeGreaterThanOrEqual(2 * MiB);
      request.destroy();
      expect(await pollUntil(newUploadDirs(dirs), (left) => left.length === 0, 10_000)).toEqual([]);
    });
  });
});
