import { randomBytes } from 'node:crypto';
import { seedUser, type SeededUser } from '../../../../test-e2e/support/factories';
import {
  authorizeUrl,
  Browser,
  clientCredentialsToken,
  createApp,
  hiddenInputs,
  registerAndSignIn,
  type RegisteredUser,
  submitSignIn,
  type TestApp,
} from '../../../../test-e2e/support/oauth';
import { rawRequest } from '../../../../test-e2e/support/raw-http';
import { useTestSystem } from '../../../../test-e2e/support/system';

jest.setTimeout(120_000);

const NUL = '\u0000';

/**
 * What PostgreSQL cannot store and what a header cannot carry, wherever a client puts it: a 4xx
 * with Mastodon's body and nothing stored, never a 500.
 */
describe('request input that PostgreSQL or Node would refuse', () => {
  const sut = useTestSystem();
  let alice: RegisteredUser;
  let bob: SeededUser;
  let app: TestApp;
  let appToken: string;

  beforeAll(async () => {
    alice = await registerAndSignIn(sut.t.url, { username: 'alice' });
    bob = await seedUser(sut.t, { username: 'bob' });
    app = await createApp(sut.t.url, { scopes: 'read write follow' });
    appToken = await clientCredentialsToken(sut.t.url, app, 'write');
  });

  /** Rows in the tables a refused request could have written to. */
  const counts = async (): Promise<Record<string, number>> => {
    const tables = ['oauth_applications', 'oauth_access_tokens', 'oauth_access_grants', 'users', 'follows'];
    const entries = await Promise.all(
      tables.map(async (table) => {
        const { rows } = await sut.db.query<{ n: string }>(`SELECT count(*) AS n FROM accounts.${table}`);
        return [table, Number(rows[0].n)] as const;
      }),
    );
    return Object.fromEntries(entries);
  };
  const json = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${sut.t.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  describe('NUL, which PostgreSQL cannot store', () => {
    const cases: Array<[string, () => Promise<Response>]> = [
      [
        'client_id on /oauth/token',
        () =>
          json('/oauth/token', {
            grant_type: 'client_credentials',
            client_id: `a${NUL}`,
            client_secret: 'x',
          }),
      ],
      [
        'client_id on /oauth/revoke',
        () => json('/oauth/revoke', { client_id: NUL, client_secret: 'x', token: 'y' }),
      ],
      [
        'client_id on /oauth/authorize',
        () =>
          fetch(`${sut.t.url}/oauth/authorize?response_type=code&client_id=%00&redirect_uri=x`, {
            redirect: 'manual',
          }),
      ],
      ['acct on /api/v1/accounts/lookup', () => fetch(`${sut.t.url}/api/v1/accounts/lookup?acct=bob%00`)],
      [
        'e-mail on /auth/sign_in',
        () =>
          fetch(`${sut.t.url}/auth/sign_in`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'email=alice%00%40example.com&password=x',
          }),
      ],
      [
        'e-mail on sign-up',
        () =>
          json(
            '/api/v1/accounts',
            {
              username: 'carol',
              email: `carol${NUL}@example.com`,
              password: 'long enough password',
              agreement: true,
            },
            { authorization: `Bearer ${appToken}` },
          ),
      ],
      [
        'redirect_uris on /api/v1/apps',
        () => json('/api/v1/apps', { client_name: 'x', redirect_uris: `https://a.example/${NUL}` }),
      ],
      [
        'website on /api/v1/apps',
        () =>
          json('/api/v1/apps', {
            client_name: 'x',
            redirect_uris: 'urn:ietf:wg:oauth:2.0:oob',
            website: `https://a.example/${NUL}`,
          }),
      ],
      [
        'languages on follow',
        () =>
          json(
            `/api/v1/accounts/${bob.accountId}/follow`,
            { languages: ['en', NUL] },
            {
              authorization: `Bearer ${alice.token}`,
            },
          ),
      ],
      [
        'a key of a multipart form',
        () => {
          const form = new FormData();
          form.append(`client_name${NUL}`, 'x');
          form.append('redirect_uris', 'urn:ietf:wg:oauth:2.0:oob');
          return fetch(`${sut.t.url}/api/v1/apps`, { method: 'POST', body: form });
        },
      ],
    ];

    it.each(cases)('refuses it in %s with 422, and stores nothing', async (_where, send) => {
      const before = await counts();
      const response = await send();
      expect(response.status).toBe(422);
      const body = (await response.json()) as { error: string };
      expect(body.error).toMatch(/^Validation failed: /);
      expect(await counts()).toEqual(before);
    });

    it('refuses it in HTTP Basic client credentials, which never reach a query either (400)', async () => {
      const before = await counts();
      const basic = Buffer.from(`${NUL}:secret`).toString('base64');
      const response = await rawRequest(sut.t.url, {
        method: 'POST',
        path: '/oauth/token',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
        chunks: [JSON.stringify({ grant_type: 'client_credentials' })],
      });
      expect(response.status).toBe(400);
      expect(typeof (JSON.parse(response.body) as { error: unknown }).error).toBe('string');
      expect(await counts()).toEqual(before);
    });
  });

  describe('Location headers', () => {
    /** A browser signed in as alice. */
    const signedIn = async (): Promise<Browser> => {
      const browser = new Browser(sut.t.url);
      const page = await (await browser.get('/auth/sign_in')).text();
      const response = await submitSignIn(browser, page, alice.email, alice.password);
      expect(response.status).toBe(200);
      return browser;
    };

    it.each([
      ['CR/LF', '/oauth/authorize?client_id=x\r\nSet-Cookie: planted=1'],
      ['DEL', '/oauth/authorize?client_id=x\u007f'],
      ['a character beyond Latin-1', '/oauth/authorize?client_id=ā'],
    ])('never returns to a return_to holding %s', async (_case, returnTo) => {
      const browser = new Browser(sut.t.url);
      const page = await (await browser.get('/auth/sign_in')).text();
      const response = await browser.post('/auth/sign_in', {
        ...hiddenInputs(page),
        email: alice.email,
        password: alice.password,
        return_to: returnTo,
      });
      // Signed in, and told so on the page rather than sent anywhere.
      expect(response.status).toBe(200);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith('planted'))).toBe(false);
    });

    it('refuses to register a redirect URI that is not ASCII (as Doorkeeper), and stores nothing', async () => {
      const before = await counts();
      for (const uri of ['https://client.example/ā', 'https://client.example/\u007f', 'app://cb\u0085']) {
        const response = await json('/api/v1/apps', { client_name: 'x', redirect_uris: uri });
        expect(response.status).toBe(422);
        const body = (await response.json()) as { details: Record<string, unknown> };
        expect(Object.keys(body.details)).toEqual(['redirect_uri']);
      }
      expect(await counts()).toEqual(before);
    });

    it('redirects to a URI registered before with characters a header cannot hold, percent-encoded', async () => {
      // Registered before the check above existed: written straight into the table.
      const clientId = randomBytes(16).toString('hex');
      const unicode = 'https://client.example/cb/ā';
      const broken = 'https://client.example/cb\r\nX-Injected: 1';
      await sut.db.query(
        `INSERT INTO accounts.oauth_applications (name, redirect_uris, scopes, client_id, client_secret)
         VALUES ('legacy', $1, '{read}', $2, 'unused')`,
        [[unicode, broken], clientId],
      );
      const legacy: TestApp = { clientId, clientSecret: 'unused', redirectUri: unicode, scopes: 'read' };
      const browser = await signedIn();

      for (const [redirectUri, expected] of [
        [unicode, 'https://client.example/cb/%C4%81?code='],
        [broken, 'https://client.example/cb%0D%0AX-Injected:%201?code='],
      ]) {
        const consent = await browser.get(authorizeUrl(legacy, { scopes: 'read', redirectUri }));
        expect(consent.status).toBe(200);
        const approval = await browser.post(
          '/oauth/authorize',
          hiddenInputs(await consent.text(), 'approve'),
        );
        expect(approval.status).toBe(302);
        expect(approval.headers.get('location')?.startsWith(expected)).toBe(true);
        expect(approval.headers.get('x-injected')).toBeNull();
      }
      // An error told through the redirect takes the same path.
      const refused = await browser.get(authorizeUrl(legacy, { scopes: 'write', redirectUri: unicode }));
      expect(refused.status).toBe(302);
      expect(refused.headers.get('location')).toMatch(
        /^https:\/\/client\.example\/cb\/%C4%81\?error=invalid_scope&/,
      );
    });
  });
});
