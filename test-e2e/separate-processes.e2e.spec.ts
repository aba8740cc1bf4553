import { createRestAPIClient, createStreamingAPIClient } from 'masto';
import type { HealthCheckResult } from '@nestjs/terminus';
import type { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import WebSocket from 'ws';
import { cloneTemplateDatabase, dropDatabase, testInfra, uniqueName } from '@mammut/testing';
import { seedUser } from './support/factories';
import { pollUntil } from './support/poll';
import { collect } from './support/streaming';
import { splitSystemEnv, startProcess, until } from './support/service-processes';
import { freePort } from './support/system';

jest.setTimeout(120_000);

const exited = (child: ChildProcess, ms: number): Promise<number | null> =>
  new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} still running after ${ms} ms`)), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });

/** The gateway, accounts, statuses and timelines started as four processes on a database of their own. */
interface SeparateProcesses {
  readonly databaseUrl: string;
  readonly gateway: ChildProcess;
  readonly accounts: ChildProcess;
  readonly statuses: ChildProcess;
  readonly timelines: ChildProcess;
  /** Where the statuses service answers its health checks. */
  readonly statusesHealth: string;
  /** The gateway's public origin. */
  readonly origin: string;
  /** Where the accounts service answers its health checks. */
  readonly accountsHealth: string;
}

async function startSeparateProcesses(): Promise<SeparateProcesses> {
  const infra = testInfra();
  const databaseUrl = await cloneTemplateDatabase(infra);
  const [port, healthPort, statusesPort, timelinesPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const prefix = uniqueName('sep');
  const origin = `http://127.0.0.1:${port}`;
  const accountsHealth = `http://127.0.0.1:${healthPort}`;
  const statusesHealth = `http://127.0.0.1:${statusesPort}`;
  const timelinesHealth = `http://127.0.0.1:${timelinesPort}`;
  const env = splitSystemEnv({ infra, databaseUrl, port, prefix });
  const accounts = startProcess('apps/accounts/src/main.ts', { ...env, HEALTH_PORT: String(healthPort) });
  const statuses = startProcess('apps/statuses/src/main.ts', { ...env, HEALTH_PORT: String(statusesPort) });
  const timelines = startProcess('apps/timelines/src/main.ts', {
    ...env,
    HEALTH_PORT: String(timelinesPort),
  });
  const gateway = startProcess('apps/gateway/src/main.ts', { ...env, PORT: String(port) });
  await Promise.all([
    until(`${accountsHealth}/health/ready`, 60_000),
    until(`${statusesHealth}/health/ready`, 60_000),
    until(`${timelinesHealth}/health/ready`, 60_000),
    until(`${origin}/health/ready`, 60_000),
  ]);
  return { databaseUrl, gateway, accounts, statuses, timelines, origin, accountsHealth, statusesHealth };
}

async function stopSeparateProcesses(started: SeparateProcesses | undefined): Promise<void> {
  if (!started) return;
  for (const child of [started.gateway, started.accounts, started.statuses, started.timelines])
    if (child.exitCode === null) child.kill('SIGKILL');
  await dropDatabase(testInfra(), started.databaseUrl);
}

/**
 * The gateway, the accounts, statuses and timelines services as processes of their own on one NATS (no in-process shortcut can
 * exist between them): requests cross the bus, each process serves its own health, a stopped
 * service makes the gateway answer 503 rather than hang or fail with 500, and SIGTERM drains each.
 * Each test starts its own pair: one of them stops its pair.
 */
describe('gateway, accounts, statuses and timelines as separate processes', () => {
  let pair: SeparateProcesses | undefined;
  beforeEach(async () => {
    pair = await startSeparateProcesses();
  });
  afterEach(async () => {
    await stopSeparateProcesses(pair);
    pair = undefined;
  });
  const started = (): SeparateProcesses => {
    if (!pair) throw new Error('the processes start in beforeEach');
    return pair;
  };

  it('serves the API through the gateway with accounts answering over NATS', async () => {
    const { origin, databaseUrl, accountsHealth } = started();
    const alice = await seedUser({ url: origin, databaseUrl }, { username: 'alice' });
    const bob = await seedUser({ url: origin, databaseUrl }, { username: 'bob' });
    const client = createRestAPIClient({ url: origin, accessToken: alice.token });
    expect((await client.v1.accounts.verifyCredentials()).username).toBe('alice');
    const relationship = await client.v1.accounts.$select(bob.accountId).follow();
    expect(relationship).toMatchObject({ id: bob.accountId, following: true });
    const app = await createRestAPIClient({ url: origin }).v1.apps.create({
      clientName: 'split',
      redirectUris: 'urn:ietf:wg:oauth:2.0:oob',
      scopes: 'read',
    });
    expect(app.clientId).toEqual(expect.any(String));
    const up = { status: 'up' };
    const ready = (await (await fetch(`${accountsHealth}/health/ready`)).json()) as HealthCheckResult;
    expect([ready.status, ready.details]).toEqual(['ok', { 'accounts.postgres': up, redis: up, nats: up }]);
    expect(await (await fetch(`${accountsHealth}/health`)).text()).toBe('OK');
    // The gateway alone holds no database: its readiness is its own connections.
    const gateway = (await (await fetch(`${origin}/health/ready`)).json()) as HealthCheckResult;
    expect([gateway.status, gateway.details]).toEqual(['ok', { redis: up, nats: up }]);
  });

  it('posts and reads statuses with statuses answering over NATS, and counts them in accounts', async () => {
    const { origin, databaseUrl, statusesHealth } = started();
    const dave = await seedUser({ url: origin, databaseUrl }, { username: 'dave' });
    const erin = await seedUser({ url: origin, databaseUrl }, { username: 'erin' });
    const asDave = createRestAPIClient({ url: origin, accessToken: dave.token });
    const status = await asDave.v1.statuses.create({ status: 'hello @erin', visibility: 'private' });
    expect(status.mentions.map((m) => m.id)).toEqual([erin.accountId]);
    const asErin = createRestAPIClient({ url: origin, accessToken: erin.token });
    expect((await asErin.v1.statuses.$select(status.id).fetch()).content).toContain('@<span>erin</span>');
    // The accounts service counts it from the statuses service's event, across processes.
    const counted = await pollUntil(
      async () => (await asDave.v1.accounts.verifyCredentials()).statusesCount,
      (count) => count === 1,
      10_000,
    );
    expect(counted).toBe(1);
    const up = { status: 'up' };
    const ready = (await (await fetch(`${statusesHealth}/health/ready`)).json()) as HealthCheckResult;
    expect([ready.status, ready.details]).toEqual(['ok', { 'statuses.postgres': up, redis: up, nats: up }]);
  });

  it('fans statuses out into home feeds, notifies and streams with timelines in its own process, and ends a revoked token’s stream', async () => {
    const { origin, databaseUrl } = started();
    const [frank, gina] = await Promise.all(
      ['frank', 'gina'].map((username) => seedUser({ url: origin, databaseUrl }, { username })),
    );
    const asFrank = createRestAPIClient({ url: origin, accessToken: frank.token });
    const asGina = createRestAPIClient({ url: origin, accessToken: gina.token });
    await asGina.v1.accounts.$select(frank.accountId).follow();
    const streaming = createStreamingAPIClient({
      streamingApiUrl: origin.replace(/^http/, 'ws'),
      accessToken: gina.token,
      retry: false,
    });
    try {
      const events = collect(streaming.user.subscribe());
      await events.ready(() => asGina.v1.statuses.create({ status: 'probe' }));
      const status = await asFrank.v1.statuses.create({ status: 'hello @gina' });
      const home = await pollUntil(
        async () => (await asGina.v1.timelines.home.list()).map((s) => s.id),
        (ids) => ids.includes(status.id),
        10_000,
      );
      expect(home).toContain(status.id);
      const mentions = await pollUntil(
        async () => await asGina.v1.notifications.list({ types: ['mention'] }),
        (list) => list.length > 0,
        10_000,
      );
      expect(mentions[0]).toMatchObject({ type: 'mention', status: { id: status.id } });
      const arrived = await events.next(2);
      expect(arrived.map((event) => event.event).sort()).toEqual(['notification', 'update']);
    } finally {
      streaming.close();
    }

    // Revoked by hand: the accounts process hears it from PostgreSQL and tells the gateway's over NATS.
    const socket = new WebSocket(`${origin.replace(/^http/, 'ws')}/api/v1/streaming?stream=user`, [
      frank.token,
    ]);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const revokedAt = Date.now();
    try {
      await db.query(`UPDATE accounts.oauth_access_tokens SET revoked_at = now() WHERE user_id = $1`, [
        frank.userId,
      ]);
    } finally {
      await db.end();
    }
    expect((await closed) - revokedAt).toBeLessThan(1000);
  });

  it('drains accounts on SIGTERM; the gateway then answers 503, and drains on SIGTERM too', async () => {
    const { origin, databaseUrl, accounts, gateway } = started();
    const carol = await seedUser({ url: origin, databaseUrl }, { username: 'carol' });
    accounts.kill('SIGTERM');
    expect(await exited(accounts, 15_000)).toBe(0);
    const response = await fetch(`${origin}/api/v1/accounts/verify_credentials`, {
      headers: { authorization: `Bearer ${carol.token}` },
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toEqual(expect.any(String));
    gateway.kill('SIGTERM');
    expect(await exited(gateway, 15_000)).toBe(0);
  });
});
