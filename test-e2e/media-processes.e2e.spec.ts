import { createRestAPIClient } from 'masto';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { cloneTemplateDatabase, dropDatabase, testInfra, uniqueName } from '@mammut/testing';
import { orientedJpeg } from '../apps/media/src/attachments/test-images';
import { seedUser } from './support/factories';
import { pollUntil } from './support/poll';
import { splitSystemEnv, startProcess, until } from './support/service-processes';
import { freePort } from './support/system';

jest.setTimeout(120_000);

const root = join(__dirname, '..');

/**
 * The gateway and the media service as processes of their own (with accounts, for tokens), sharing
 * nothing but NATS, the database server and the media directory: the gateway streams the upload
 * into the directory, the media service takes it from there, processes it as a job and stores the
 * files the gateway then serves.
 */
describe('gateway and media as separate processes', () => {
  const children: ChildProcess[] = [];
  let databaseUrl = '';
  let mediaRoot = '';
  let origin = '';
  let mediaHealth = '';

  beforeAll(async () => {
    const infra = testInfra();
    databaseUrl = await cloneTemplateDatabase(infra);
    mediaRoot = await mkdtemp(join(root, '.data', 'test', 'media-split-'));
    const [port, accountsPort, mediaPort] = [await freePort(), await freePort(), await freePort()];
    const prefix = uniqueName('sepm');
    origin = `http://127.0.0.1:${port}`;
    mediaHealth = `http://127.0.0.1:${mediaPort}`;
    const env = {
      ...splitSystemEnv({ infra, databaseUrl, port, prefix }),
      MEDIA_ROOT: mediaRoot,
    };
    children.push(
      startProcess('apps/accounts/src/main.ts', { ...env, HEALTH_PORT: String(accountsPort) }),
      startProcess('apps/media/src/main.ts', { ...env, HEALTH_PORT: String(mediaPort) }),
      startProcess('apps/gateway/src/main.ts', { ...env, PORT: String(port) }),
    );
    await Promise.all([
      until(`http://127.0.0.1:${accountsPort}/health/ready`, 60_000),
      until(`${mediaHealth}/health/ready`, 60_000),
      until(`${origin}/health/ready`, 60_000),
    ]);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (databaseUrl) await dropDatabase(testInfra(), databaseUrl);
    if (mediaRoot) await rm(mediaRoot, { recursive: true, force: true });
  });

  it('uploads through the gateway, processes in the media service and serves the result', async () => {
    const alice = await seedUser({ url: origin, databaseUrl }, { username: 'alice' });
    const client = createRestAPIClient({ url: origin, accessToken: alice.token });
    const created = await client.v2.media.create({
      file: new Blob([await orientedJpeg(200, 100)], { type: 'image/jpeg' }),
      description: 'split',
      skipPolling: true,
    });
    const media = await pollUntil(
      () => client.v1.media.$select(created.id).fetch(),
      (found) => found.url !== null,
      30_000,
    );
    expect(media).toMatchObject({ description: 'split', meta: { original: { width: 100, height: 200 } } });
    const served = await fetch(media.url!);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await served.arrayBuffer())).metadata()).height).toBe(200);
    const stored = (await readdir(mediaRoot, { recursive: true, withFileTypes: true })).filter((entry) =>
      entry.isFile(),
    );
    expect(
      stored
        .map((entry) =>
          entry.parentPath
            .slice(mediaRoot.length + 1)
            .split('/')
            .at(-1),
        )
        .sort(),
    ).toEqual(['original', 'small']);
    const up = { status: 'up' };
    const ready = (await (await fetch(`${mediaHealth}/health/ready`)).json()) as HealthCheckResult;
    expect([ready.status, ready.details]).toEqual(['ok', { 'media.postgres': up, redis: up, nats: up }]);
  });
});
