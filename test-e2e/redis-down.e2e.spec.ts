import { createRestAPIClient } from 'masto';
import type { HealthCheckResult } from '@nestjs/terminus';
import { seedUser } from './support/factories';
import { createApp, authorizeUrl } from './support/oauth';
import { freePort, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(60_000);

/**
 * Redis unreachable: what needs no Redis is served, what does answers 503 with a
 * clear body, never 500, and nothing hangs. Throttles fail open for the API (as Mastodon's store
 * does); sign-in, which keeps its session in Redis, is refused.
 */
describe('with Redis unreachable', () => {
  let t: TestSystem;

  beforeAll(async () => {
    t = await startTestSystem({
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      RATE_LIMIT_SAFELIST: '',
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('serves token-authenticated API reads and says which dependency is down', async () => {
    const alice = await seedUser(t, { username: 'alice' });
    const me = await createRestAPIClient({
      url: t.url,
      accessToken: alice.token,
    }).v1.accounts.verifyCredentials();
    expect(me.username).toBe('alice');
    const ready = await fetch(`${t.url}/health/ready`);
    expect(ready.status).toBe(503);
    const report = (await ready.json()) as HealthCheckResult;
    expect([report.status, report.error]).toEqual(['error', { redis: { status: 'down' } }]);
  });

  it('answers the browser sign-in with 503, not 500', async () => {
    const app = await createApp(t.url, { scopes: 'read' });
    const page = await fetch(`${t.url}${authorizeUrl(app, { scopes: 'read' })}`);
    expect(page.status).toBe(503);
    expect(await page.json()).toEqual({ error: 'Service unavailable' });
    const started = Date.now();
    expect((await fetch(`${t.url}/auth/sign_in`)).status).toBe(503);
    // Refused at once, not after waiting on Redis reconnects.
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('keeps answering the API promptly while Redis stays away (throttles count nothing)', async () => {
    const bob = await seedUser(t, { username: 'bob' });
    for (let n = 0; n < 5; n++) {
      const started = Date.now();
      const response = await fetch(`${t.url}/api/v1/accounts/verify_credentials`, {
        headers: { authorization: `Bearer ${bob.token}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
      expect(Date.now() - started).toBeLessThan(1000);
    }
  });
});
