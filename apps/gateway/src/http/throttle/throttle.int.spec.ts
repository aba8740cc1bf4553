import { seedUser } from '../../../../../test-e2e/support/factories';
import { authorizeWithPkce, createApp } from '../../../../../test-e2e/support/oauth';
import { useTestSystem } from '../../../../../test-e2e/support/system';

jest.setTimeout(120_000);

/** Each throttle, fired past its limit at its own path: 429 with Mastodon's body, and nothing done. */
describe('request throttles', () => {
  // The test client is a trusted proxy here, so each test names its own client address.
  const sut = useTestSystem({ TRUSTED_PROXY_IPS: '127.0.0.1' });

  const count = async (table: string): Promise<number> =>
    Number((await sut.db.query<{ n: string }>(`SELECT count(*) AS n FROM accounts.${table}`)).rows[0].n);
  const post = (
    path: string,
    body: Record<string, string>,
    from: string,
    token?: string,
  ): Promise<Response> =>
    fetch(`${sut.t.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': from,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
  const app = (n: number): Record<string, string> => ({
    client_name: `app ${n}`,
    redirect_uris: 'urn:ietf:wg:oauth:2.0:oob',
  });

  it('allows five app registrations per address in ten minutes, then refuses and creates nothing', async () => {
    const before = await count('oauth_applications');
    // IPv6 clients are counted per /64: these five addresses are one client.
    for (let n = 1; n <= 5; n++) {
      expect((await post('/api/v1/apps', app(n), `2001:db8:0:1::${n}`)).status).toBe(200);
    }
    // A trailing slash routes to the same endpoint, so it counts against the same throttle.
    const refused = await post('/api/v1/apps/', app(6), '2001:db8:0:1::99');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: 'Too many requests' });
    expect(refused.headers.get('x-ratelimit-limit')).toBe('5');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Date.parse(refused.headers.get('x-ratelimit-reset') ?? '')).toBeGreaterThan(Date.now());
    expect(await count('oauth_applications')).toBe(before + 5);
    // Another /64, another address family: counted apart.
    expect((await post('/api/v1/apps', app(7), '2001:db8:0:2::1')).status).toBe(200);
    expect((await post('/api/v1/apps', app(8), '198.51.100.7')).status).toBe(200);
  });

  it('allows five sign-ups per address in thirty minutes', async () => {
    const created = (await (
      await post('/api/v1/apps', { ...app(0), scopes: 'read write' }, '198.51.100.20')
    ).json()) as {
      client_id: string;
      client_secret: string;
    };
    const tokenResponse = await fetch(`${sut.t.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.20' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: created.client_id,
        client_secret: created.client_secret,
        scope: 'write',
      }),
    });
    const { access_token: appToken } = (await tokenResponse.json()) as { access_token: string };
    const users = await count('users');
    const signUp = (n: number): Promise<Response> =>
      post(
        '/api/v1/accounts',
        {
          username: `newbie${n}`,
          email: `newbie${n}@example.com`,
          password: 'long enough password',
          agreement: 'true',
        },
        '198.51.100.21',
        appToken,
      );
    const statuses: number[] = [];
    for (let n = 1; n <= 6; n++) statuses.push((await signUp(n)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await count('users')).toBe(users + 5);
  });

  it('allows 25 sign-in attempts per address in five minutes', async () => {
    const statuses: number[] = [];
    for (let n = 1; n <= 26; n++) {
      const response = await fetch(`${sut.t.url}/auth/sign_in`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.30' },
        body: new URLSearchParams({ email: `nobody${n}@example.com`, password: 'guess' }),
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 25).every((status) => status === 422)).toBe(true);
    expect(statuses[25]).toBe(429);
  });

  it('counts API calls per token (300 in five minutes) and shows the closest limit on every response', async () => {
    const user = await seedUser(sut.t, { username: 'busy' });
    const other = await seedUser(sut.t, { username: 'calm' });
    const verify = (token: string): Promise<Response> =>
      fetch(`${sut.t.url}/api/v1/accounts/verify_credentials`, {
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '198.51.100.40' },
      });
    const first = await verify(user.token);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('300');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('299');
    for (let n = 2; n <= 300; n++) {
      const response = await verify(user.token);
      if (response.status !== 200) throw new Error(`call ${n} answered ${response.status}`);
    }
    const refused = await verify(user.token);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: 'Too many requests' });
    // Another token of the same address is counted on its own.
    expect((await verify(other.token)).status).toBe(200);
  });

  it('counts made-up tokens against the address, whether the route checks tokens or not', async () => {
    const call = (path: string, n: number): Promise<Response> =>
      fetch(`${sut.t.url}${path}`, {
        headers: { authorization: `Bearer made-up-${n}`, 'x-forwarded-for': '192.0.2.91' },
      });
    const statuses = new Map<number, number>();
    for (let n = 1; n <= 300; n++) {
      // Alternating a route that needs no token and one that refuses a bad token (401).
      const path = n % 2 ? '/api/v1/instance' : '/api/v1/accounts/verify_credentials';
      const status = (await call(path, n)).status;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 150, 401: 150 });
    expect((await call('/api/v1/instance', 301)).status).toBe(429);
    expect((await call('/api/v1/accounts/verify_credentials', 302)).status).toBe(429);
  });

  it('counts a user’s tokens together: 1500 calls in five minutes, however many tokens', async () => {
    const user = await seedUser(sut.t, { username: 'minter' });
    // Five more tokens of the same user, signing in through five more apps.
    const tokens = [user.token];
    for (let n = 0; n < 5; n++) {
      const app = await createApp(sut.t.url, { scopes: 'read write follow' });
      const { token } = await authorizeWithPkce(sut.t.url, {
        app,
        email: user.email,
        password: user.password,
        scopes: 'read',
      });
      tokens.push(token.accessToken);
    }
    const verify = (token: string): Promise<Response> =>
      fetch(`${sut.t.url}/api/v1/accounts/verify_credentials`, {
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '198.51.100.60' },
      });
    for (let n = 0; n < 1500; n++) {
      const response = await verify(tokens[n % 6]);
      if (response.status !== 200) throw new Error(`call ${n + 1} answered ${response.status}`);
    }
    // Every token is under its own 300, but the user is at 1500.
    const refused = await verify(tokens[0]);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('1500');
  });

  it('allows a user 30 media uploads in thirty minutes, v1 and v2 together, and reads none past it', async () => {
    const user = await seedUser(sut.t, { username: 'uploader' });
    const upload = (version: string): Promise<Response> => {
      const form = new FormData();
      form.append('file', new Blob(['not an image'], { type: 'image/png' }), 'x.png');
      return fetch(`${sut.t.url}/api/${version}/media`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'x-forwarded-for': '198.51.100.70' },
        body: form,
      });
    };
    for (let n = 0; n < 30; n++) {
      const response = await upload(n % 2 ? 'v1' : 'v2');
      if (response.status !== 422) throw new Error(`upload ${n + 1} answered ${response.status}`);
    }
    const refused = await upload('v2');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit')).toBe('30');
    expect(
      Number(
        (await sut.db.query<{ n: string }>('SELECT count(*) AS n FROM media.media_attachments')).rows[0].n,
      ),
    ).toBe(0);
    // Other calls of the same user are still answered.
    const other = await fetch(`${sut.t.url}/api/v1/accounts/verify_credentials`, {
      headers: { authorization: `Bearer ${user.token}`, 'x-forwarded-for': '198.51.100.70' },
    });
    expect(other.status).toBe(200);
  });

  it('allows five confirmation resends per token in thirty minutes (and 25 sign-in tries per e-mail an hour)', async () => {
    const user = await seedUser(sut.t, { username: 'resender', scopes: ['write'] });
    const statuses: number[] = [];
    for (let n = 1; n <= 6; n++) {
      statuses.push(
        (await post('/api/v1/emails/confirmations', {}, `198.51.100.${50 + n}`, user.token)).status,
      );
    }
    // The seeded user is confirmed (403 each time), but each try counts.
    expect(statuses).toEqual([403, 403, 403, 403, 403, 429]);

    const tries: number[] = [];
    for (let n = 1; n <= 26; n++) {
      const response = await fetch(`${sut.t.url}/auth/sign_in`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `203.0.113.${n}` },
        // Padding past the 320 characters sign-in reads makes no new bucket.
        body: new URLSearchParams({
          email: `Target@Example.com${' '.repeat(310)}${n}`,
          password: `guess${n}`,
        }),
      });
      tries.push(response.status);
    }
    expect(tries.slice(0, 25).every((status) => status === 422)).toBe(true);
    expect(tries[25]).toBe(429);
  });

  it('allows 300 unauthenticated API calls per address in five minutes', async () => {
    const instance = (): Promise<Response> =>
      fetch(`${sut.t.url}/api/v1/instance`, { headers: { 'x-forwarded-for': '192.0.2.77' } });
    const first = await instance();
    expect(first.headers.get('x-ratelimit-remaining')).toBe('299');
    for (let n = 2; n <= 300; n++) {
      const response = await instance();
      if (response.status !== 200) throw new Error(`call ${n} answered ${response.status}`);
    }
    expect((await instance()).status).toBe(429);
    // A token-bearing caller at the same address is counted per token instead.
    const user = await seedUser(sut.t, { username: 'neighbour' });
    const withToken = await fetch(`${sut.t.url}/api/v1/instance`, {
      headers: { 'x-forwarded-for': '192.0.2.77', authorization: `Bearer ${user.token}` },
    });
    expect(withToken.status).toBe(200);
  });

  it('never counts a safelisted address (loopback, by default)', async () => {
    for (let n = 1; n <= 7; n++) expect((await post('/api/v1/apps', app(n), '127.0.0.1')).status).toBe(200);
    for (let n = 1; n <= 7; n++) expect((await post('/api/v1/apps', app(n), '::1')).status).toBe(200);
    // The same addresses, spelled otherwise.
    for (let n = 1; n <= 7; n++) {
      expect(
        (await post('/api/v1/apps', app(n), n % 2 ? '0:0:0:0:0:0:0:1' : '::ffff:127.0.0.1')).status,
      ).toBe(200);
    }
    const response = await fetch(`${sut.t.url}/api/v1/instance`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('safelists exactly the listed address: ::1 is not its whole /64', async () => {
    const before = await count('oauth_applications');
    const statuses: number[] = [];
    // Neighbours of ::1 in ::/64, one client to the throttle, none of them safelisted.
    for (let n = 2; n <= 7; n++) statuses.push((await post('/api/v1/apps', app(n), `::${n}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await count('oauth_applications')).toBe(before + 5);
    expect((await post('/api/v1/apps', app(8), '::1')).status).toBe(200);
  });
});

/** X-Forwarded-For names the client only when a trusted proxy sends it. */
describe('client address behind no trusted proxy', () => {
  // The tests connect from 127.0.0.1, which is neither a trusted proxy here nor safelisted.
  const sut = useTestSystem({ TRUSTED_PROXY_IPS: '10.0.0.1', RATE_LIMIT_SAFELIST: '192.0.2.250' });

  const count = async (): Promise<number> =>
    Number(
      (await sut.db.query<{ n: string }>(`SELECT count(*) AS n FROM accounts.oauth_applications`)).rows[0].n,
    );

  it('ignores X-Forwarded-For from an untrusted peer: every request counts against the peer', async () => {
    const before = await count();
    const statuses: number[] = [];
    for (let n = 1; n <= 6; n++) {
      const response = await fetch(`${sut.t.url}/api/v1/apps`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          // A client picking a new address each time, and claiming to be safelisted loopback.
          'x-forwarded-for': n % 2 ? `198.51.100.${n}` : '127.0.0.1',
          'x-real-ip': `198.51.100.${n}`,
          forwarded: `for=198.51.100.${n}`,
        },
        body: JSON.stringify({ client_name: `app ${n}`, redirect_uris: 'urn:ietf:wg:oauth:2.0:oob' }),
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await count()).toBe(before + 5);
  });
});
