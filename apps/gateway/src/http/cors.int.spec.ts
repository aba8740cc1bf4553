import { seedUser, type SeededUser } from '../../../../test-e2e/support/factories';
import { startTestSystem, type TestSystem } from '../../../../test-e2e/support/system';

jest.setTimeout(60_000);

const ORIGIN = 'https://web-client.example';

describe('CORS over HTTP, as Mastodon answers it', () => {
  let t: TestSystem;
  let alice: SeededUser;

  beforeAll(async () => {
    t = await startTestSystem();
    alice = await seedUser(t, { username: 'alice' });
  });

  afterAll(async () => {
    await t?.stop();
  });

  const verify = (headers: Record<string, string>): Promise<Response> =>
    fetch(`${t.url}/api/v1/accounts/verify_credentials`, { headers });

  it('adds no CORS headers to a request without Origin (native apps, bots, servers)', async () => {
    const response = await verify({ authorization: `Bearer ${alice.token}` });
    expect(response.status).toBe(200);
    const cors = [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));
    expect(cors).toEqual([]);
  });

  it('lets a browser on any origin read answers and the headers clients page and throttle by', async () => {
    const response = await verify({ authorization: `Bearer ${alice.token}`, origin: ORIGIN });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('access-control-expose-headers')?.split(', ')).toEqual([
      'Link',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'X-Request-Id',
    ]);
  });

  it('keeps the headers on errors, so a web client can read why it was refused', async () => {
    const refused = await verify({ authorization: 'Bearer made-up', origin: ORIGIN });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
    expect(await refused.json()).toEqual({ error: 'The access token is invalid' });
    const unknown = await fetch(`${t.url}/api/v1/no-such-route`, { headers: { origin: ORIGIN } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers a preflight on any API path with 204, allowing what the browser asks to send', async () => {
    for (const path of ['/api/v1/accounts/verify_credentials', '/api/v1/statuses', '/oauth/token']) {
      const response = await fetch(`${t.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, idempotency-key',
        },
      });
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-allow-methods')).toContain('POST');
      expect(response.headers.get('access-control-allow-headers')).toBe(
        'authorization, content-type, idempotency-key',
      );
      expect(response.headers.get('access-control-max-age')).toBe('7200');
      expect(response.headers.get('vary')).toContain('Access-Control-Request-Headers');
    }
  });

  it('treats an OPTIONS that is no preflight as any other request to a route it does not have', async () => {
    const response = await fetch(`${t.url}/api/v1/accounts/verify_credentials`, { method: 'OPTIONS' });
    expect(response.status).toBe(404);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await response.json()) as { error: string }).error).toBeDefined();
  });
});
