import { createOAuthAPIClient, createRestAPIClient } from 'masto';
import { CLOCK, type Clock } from '@mammut/platform';
import { CODE_TTL_MS } from '../apps/accounts/src/oauth/authorization-codes.service';
import {
  authorizeUrl,
  Browser,
  codeFromApproval,
  createApp,
  hiddenInputs,
  newPkce,
  registerAndSignIn,
  type RegisteredUser,
  submitSignIn,
  TEST_REDIRECT_URI,
} from './support/oauth';
import { startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(30_000);

/** App registration, client credentials, revocation and the metadata document, over HTTP. */
describe('OAuth apps, client credentials and revocation', () => {
  let t: TestSystem;
  let alice: RegisteredUser;

  beforeAll(async () => {
    t = await startTestSystem();
    alice = await registerAndSignIn(t.url, { username: 'alice' });
  });

  afterAll(async () => {
    await t?.stop();
  });

  const post = (
    path: string,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ): Promise<Response> =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  const get = (path: string, token?: string): Promise<Response> =>
    fetch(`${t.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('registers an app through masto: CredentialApplication with secret, vapid_key and no expiry', async () => {
    const app = await createRestAPIClient({ url: t.url }).v1.apps.create({
      clientName: 'Ivory',
      redirectUris: ['com.tapbots.Ivory.19300:/request_token/abc', 'urn:ietf:wg:oauth:2.0:oob'],
      scopes: 'read write follow push crypto',
      website: 'https://tapbots.com/ivory/',
    });
    expect(app.name).toBe('Ivory');
    expect(app.website).toBe('https://tapbots.com/ivory/');
    expect(app.scopes).toEqual(['read', 'write', 'follow', 'push']);
    expect(app.redirectUris).toEqual([
      'com.tapbots.Ivory.19300:/request_token/abc',
      'urn:ietf:wg:oauth:2.0:oob',
    ]);
    expect((app as { redirectUri?: string }).redirectUri).toBe(
      'com.tapbots.Ivory.19300:/request_token/abc\nurn:ietf:wg:oauth:2.0:oob',
    );
    expect(app.clientId).toMatch(/^[\w-]{32,}$/);
    expect(app.clientSecret).toMatch(/^[\w-]{32,}$/);
    expect(app.clientSecretExpiresAt).toBe(0);
    expect(app.vapidKey).toMatch(/^[\w-]{80,}$/);
    const again = await createApp(t.url);
    expect(again.clientId).not.toBe(app.clientId);
  });

  it('accepts form and multipart bodies, space/newline-separated redirect URIs, and defaults scopes to read', async () => {
    const form = await fetch(`${t.url}/api/v1/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_name: 'Phanpy',
        redirect_uris: 'https://phanpy.social/\noauth2redirect://tusky https://x.example/cb',
      }).toString(),
    });
    expect(form.status).toBe(200);
    const formApp = (await form.json()) as { scopes: string[]; redirect_uris: string[] };
    expect(formApp.scopes).toEqual(['read']);
    expect(formApp.redirect_uris).toEqual([
      'https://phanpy.social/',
      'oauth2redirect://tusky',
      'https://x.example/cb',
    ]);
    const multipart = new FormData();
    multipart.append('client_name', 'Multi');
    multipart.append('redirect_uris', 'urn:ietf:wg:oauth:2.0:oob');
    multipart.append('scopes', 'read:statuses write:media');
    const multi = await fetch(`${t.url}/api/v1/apps`, { method: 'POST', body: multipart });
    expect(((await multi.json()) as { scopes: string[] }).scopes).toEqual(['read:statuses', 'write:media']);
  });

  it('refuses dangerous or relative redirect URIs, unknown scopes and missing or long names with 422', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ client_name: 'x', redirect_uris: 'javascript:alert(1)' }, 'redirect_uri'],
      [{ client_name: 'x', redirect_uris: 'data:text/html,hi' }, 'redirect_uri'],
      [{ client_name: 'x', redirect_uris: 'VBScript:msgbox' }, 'redirect_uri'],
      [{ client_name: 'x', redirect_uris: '/relative/callback' }, 'redirect_uri'],
      [{ client_name: 'x', redirect_uris: 'https://ok.example/cb#frag' }, 'redirect_uri'],
      [{ client_name: 'x', redirect_uris: ['https://ok.example/cb', 'javascript:void(0)'] }, 'redirect_uri'],
      [{ client_name: 'x', redirect_uris: '' }, 'redirect_uri'],
      [{ client_name: 'x', redirect_uris: TEST_REDIRECT_URI, scopes: 'read admin' }, 'scopes'],
      [{ client_name: '', redirect_uris: TEST_REDIRECT_URI }, 'name'],
      [{ client_name: 'x'.repeat(61), redirect_uris: TEST_REDIRECT_URI }, 'name'],
      [{ client_name: 'x', redirect_uris: `https://x.example/${'a'.repeat(2000)}` }, 'redirect_uri'],
      [{ client_name: 'x', redirect_uris: TEST_REDIRECT_URI, website: 'javascript:alert(1)' }, 'website'],
    ];
    for (const [body, field] of cases) {
      const response = await post('/api/v1/apps', body);
      expect(response.status).toBe(422);
      const error = (await response.json()) as { error: string; details: Record<string, unknown[]> };
      expect(error.error).toMatch(/^Validation failed: /);
      expect(Object.keys(error.details)).toContain(field);
    }
  });

  it('issues an app token by client credentials (default read) that verify_credentials of apps accepts', async () => {
    const app = await createApp(t.url, { scopes: 'read write' });
    const oauth = createOAuthAPIClient({ url: t.url });
    const token = await oauth.token.create({
      grantType: 'client_credentials',
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      redirectUri: app.redirectUri,
    });
    expect(token.scope).toBe('read');
    const verified = await createRestAPIClient({
      url: t.url,
      accessToken: token.accessToken,
    }).v1.apps.verifyCredentials();
    expect(verified.name).toBe('Mammut test client');
    expect(verified.scopes).toEqual(['read', 'write']);
    // No user behind an app token: user endpoints say so.
    const userOnly = await get('/api/v1/accounts/verify_credentials', token.accessToken);
    expect(userOnly.status).toBe(422);
    expect(await userOnly.json()).toEqual({ error: 'This method requires an authenticated user' });
  });

  it('refuses client-credentials requests with bad scope, secret, client or grant type, issuing nothing', async () => {
    const app = await createApp(t.url, { scopes: 'read' });
    const base = {
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
    };
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ ...base, scope: 'read write' }, 400, 'invalid_scope'],
      [{ ...base, scope: 'read:statuses' }, 400, 'invalid_scope'],
      [{ ...base, client_secret: 'wrong' }, 401, 'invalid_client'],
      [{ ...base, client_id: 'nobody' }, 401, 'invalid_client'],
      [{ grant_type: 'client_credentials' }, 401, 'invalid_client'],
      [{ ...base, grant_type: 'password' }, 400, 'unsupported_grant_type'],
      [{ ...base, grant_type: 'refresh_token' }, 400, 'unsupported_grant_type'],
      [{ client_id: app.clientId, client_secret: app.clientSecret }, 400, 'invalid_request'],
    ];
    for (const [body, status, error] of cases) {
      const response = await post('/oauth/token', body);
      expect(response.status).toBe(status);
      const parsed = (await response.json()) as {
        error: string;
        error_description: string;
        access_token?: string;
      };
      expect(parsed.error).toBe(error);
      expect(parsed.error_description.length).toBeGreaterThan(10);
      expect(parsed.access_token).toBeUndefined();
    }
    const basic = Buffer.from(`${encodeURIComponent(app.clientId)}:${encodeURIComponent(app.clientSecret)}`);
    const viaBasic = await post(
      '/oauth/token',
      { grant_type: 'client_credentials' },
      {
        authorization: `Basic ${basic.toString('base64')}`,
      },
    );
    expect(viaBasic.status).toBe(200);
    expect(((await viaBasic.json()) as { scope: string }).scope).toBe('read');
  });

  it('revokes a token only for its own client; idempotent; then the token is 401 everywhere', async () => {
    const user = await registerAndSignIn(t.url, { username: 'revoker' });
    const other = await createApp(t.url);
    const foreign = await post('/oauth/revoke', {
      client_id: other.clientId,
      client_secret: other.clientSecret,
      token: user.token,
    });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: string }).error).toBe('unauthorized_client');
    expect((await get('/api/v1/accounts/verify_credentials', user.token)).status).toBe(200);
    const badSecret = await post('/oauth/revoke', {
      client_id: user.app.clientId,
      client_secret: 'x',
      token: user.token,
    });
    expect(badSecret.status).toBe(401);
    expect((await get('/api/v1/accounts/verify_credentials', user.token)).status).toBe(200);

    const oauth = createOAuthAPIClient({ url: t.url });
    await oauth.revoke({
      clientId: user.app.clientId,
      clientSecret: user.app.clientSecret,
      token: user.token,
    });
    const after = await get('/api/v1/apps/verify_credentials', user.token);
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({ error: 'The access token is invalid' });
    expect((await get('/api/v1/accounts/verify_credentials', user.token)).status).toBe(401);
    const twice = await post('/oauth/revoke', {
      client_id: user.app.clientId,
      client_secret: user.app.clientSecret,
      token: user.token,
    });
    expect(twice.status).toBe(200);
    expect(await twice.json()).toEqual({});
    // Other users' tokens are untouched.
    expect((await get('/api/v1/accounts/verify_credentials', alice.token)).status).toBe(200);
  });

  it('refuses an expired code (ten minutes) with invalid_grant', async () => {
    const app = await createApp(t.url, { scopes: 'read' });
    const pkce = newPkce();
    const browser = new Browser(t.url);
    const page = await (await browser.get(authorizeUrl(app, { scopes: 'read', pkce }))).text();
    const signedIn = await submitSignIn(browser, page, alice.email, alice.password);
    const consent = await (await browser.get(signedIn.headers.get('location') ?? '')).text();
    const code = await codeFromApproval(
      browser,
      await browser.post('/oauth/authorize', hiddenInputs(consent, 'approve')),
    );
    // The system's clock, moved past the code's ten minutes for the exchange.
    const clock = t.system.app.get<symbol, Clock>(CLOCK);
    const later = CODE_TTL_MS + 1000;
    const now = jest.spyOn(clock, 'now').mockImplementation(() => new Date(Date.now() + later));
    const millis = jest.spyOn(clock, 'millis').mockImplementation(() => Date.now() + later);
    let response: Response;
    try {
      response = await post('/oauth/token', {
        grant_type: 'authorization_code',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: app.redirectUri,
        code,
        code_verifier: pkce.verifier,
      });
    } finally {
      now.mockRestore();
      millis.mockRestore();
    }
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('publishes RFC 8414 metadata with absolute URLs on the public origin and S256 only', async () => {
    // As a browser client asks it, from its own origin.
    const response = await fetch(`${t.url}/.well-known/oauth-authorization-server`, {
      headers: { origin: 'https://web-client.example' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(`${t.url}/`);
    expect(metadata.authorization_endpoint).toBe(`${t.url}/oauth/authorize`);
    expect(metadata.token_endpoint).toBe(`${t.url}/oauth/token`);
    expect(metadata.revocation_endpoint).toBe(`${t.url}/oauth/revoke`);
    expect(metadata.app_registration_endpoint).toBe(`${t.url}/api/v1/apps`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.grant_types_supported).toEqual(['authorization_code', 'client_credentials']);
    expect(metadata.token_endpoint_auth_methods_supported).toEqual([
      'client_secret_basic',
      'client_secret_post',
    ]);
    expect(metadata.scopes_supported).toEqual(
      expect.arrayContaining(['read', 'write:accounts', 'follow', 'push', 'profile']),
    );
  });
});
