import { randomBytes } from 'node:crypto';
import { ensureInfra, type Infra, loadConfig, removeInfraData } from '@mammut/platform';
import { testInfra } from '@mammut/testing';
import { migrateAll } from '../apps/all-in-one/src/system';
import { seedUser, type SeededUser } from './support/factories';
import { startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(120_000);

const dataDir = `.data/test/pg-restart-${randomBytes(4).toString('hex')}`;

/**
 * PostgreSQL restarting under a running Mammut: while it is away, requests that need it
 * answer 503 promptly (never 500, never a hang); once it is back, the same process serves again
 * without a restart. A PostgreSQL of this file's own, so the shared one stays up.
 */
describe('PostgreSQL restart', () => {
  let infra: Infra;
  let t: TestSystem;
  let user: SeededUser;
  const shared = testInfra();
  const own = (): Promise<Infra> =>
    ensureInfra({ dataDir, redisUrl: shared.redisUrl, natsUrl: shared.natsUrl, log: () => undefined });

  beforeAll(async () => {
    infra = await ensureInfra({
      dataDir,
      fresh: true,
      redisUrl: shared.redisUrl,
      natsUrl: shared.natsUrl,
      log: () => undefined,
    });
    await migrateAll({ ...loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl: infra.databaseUrl });
    t = await startTestSystem({ DATABASE_URL: infra.databaseUrl });
    user = await seedUser(t, { username: 'steady' });
  });
  afterAll(async () => {
    await t?.system.close();
    await infra?.stop();
    removeInfraData(dataDir);
  });

  const verify = (): Promise<Response> =>
    fetch(`${t.url}/api/v1/accounts/verify_credentials`, {
      headers: { authorization: `Bearer ${user.token}` },
    });

  it('answers 503 while PostgreSQL is down and serves again once it is back', async () => {
    expect((await verify()).status).toBe(200);
    await infra.stop();

    const started = Date.now();
    const down = await verify();
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ error: 'Service unavailable' });
    expect(Date.now() - started).toBeLessThan(10_000);

    infra = await own();
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await verify()).status;
      if (status === 200) break;
      expect(status).toBe(503);
      await new Promise((done) => setTimeout(done, 250));
    }
    expect(status).toBe(200);
  });
});
