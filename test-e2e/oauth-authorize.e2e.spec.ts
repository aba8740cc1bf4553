import { createOAuthAPIClient, createRestAPIClient } from 'masto';
import {
  authorizeUrl,
  authorizeWithPkce,
  Browser,
  codeFromApproval,
  createApp,
  hiddenInputs,
  newPkce,
  OOB,
  registerAndSignIn,
  type RegisteredUser,
  submitSignIn,
  type TestApp,
} from './support/oauth';
import { startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(30_000);

/** The authorization page (sign-in, consent, redirects) through HTTP only, as a browser drives it. */
describe('OAuth authorization-code flow with PKCE', () => {
  let t: TestSystem;
  let alice: RegisteredUser;
  let app: TestApp;

  beforeAll(async () => {
    t = await startTestSystem();
    alice = await registerAndSignIn(t.url, { username: 'alice' });
  });

  // A client alice has not authorized yet: once she has, the consent page is skipped (below).
  beforeEach(async () => {
    app = await createApp(t.url, { scopes: 'read write follow' });
  });

  afterAll(async () => {
    await t?.stop();
  });

  /** A browser already signed in as alice, looking at the consent page of `url`. */
  async function consentFor(
    path: string,
    browser = new Browser(t.url),
  ): Promise<{ browser: Browser; html: string }> {
    let response = await browser.get(path);
    let html = await response.text();
    if (!html.includes('id="approve"')) {
      const signedIn = await submitSignIn(browser, html, alice.email, alice.password);
      response = await browser.get(signedIn.headers.get('location') ?? '');
      html = await response.text();
    }
    expect(html).toContain('id="approve"');
    return { browser, html };
  }

  const tokenRequest = (
    body: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> =>
    fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  const verify = (token: string): Promise<Response> =>
    fetch(`${t.url}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${token}` } });

  it('signs in, consents and exchanges the code with the S256 verifier for a user token', async () => {
    const { token, code } = await authorizeWithPkce(t.url, {
      app,
      email: alice.email,
      password: alice.password,
      scopes: 'read write',
    });
    expect(token.tokenType).toBe('Bearer');
    expect(token.scope).toBe('read write');
    expect(typeof token.createdAt).toBe('number');
    expect(Math.abs(Number(token.createdAt) - Date.now() / 1000)).toBeLessThan(60);
    const me = await createRestAPIClient({
      url: t.url,
      accessToken: token.accessToken,
    }).v1.accounts.verifyCredentials();
    expect(me.username).toBe('alice');
    expect(me.id).toBe(alice.accountId);
    const appView = await createRestAPIClient({
      url: t.url,
      accessToken: token.accessToken,
    }).v1.apps.verifyCredentials();
    expect(appView.name).toBe('Mammut test client');
    expect((appView as { clientSecret?: string }).clientSecret).toBeUndefined();
    expect(code.length).toBeGreaterThan(20);
  });

  it('renders the sign-in form with <html lang>, a signed HttpOnly SameSite=Lax session cookie and CSRF token', async () => {
    const browser = new Browser(t.url);
    const response = await browser.get(`${authorizeUrl(app, { scopes: 'read' })}&lang=de`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toContain('name="password"');
    expect(hiddenInputs(html).authenticity_token.length).toBeGreaterThan(20);
    const cookie = response.headers.getSetCookie()[0];
    expect(cookie).toMatch(/^_mammut_session=[\w-]+\.[\w-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
  });

  it('gives out-of-band clients the code on a page', async () => {
    const oobApp = await createApp(t.url, { scopes: 'read', redirectUri: OOB });
    const { token } = await authorizeWithPkce(t.url, {
      app: oobApp,
      email: alice.email,
      password: alice.password,
      scopes: 'read',
    });
    expect(token.scope).toBe('read');
    expect((await verify(token.accessToken)).status).toBe(200);
  });

  it('shows an error page, never a redirect, for an unknown client or an unregistered redirect URI', async () => {
    const browser = new Browser(t.url);
    const unknown = await browser.get(
      authorizeUrl({ ...app, clientId: 'no-such-client' }, { scopes: 'read' }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('location')).toBeNull();
    expect(await unknown.text()).toContain('unknown client');
    const elsewhere = await browser.get(
      authorizeUrl(app, { scopes: 'read', redirectUri: 'https://attacker.example/steal' }),
    );
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.headers.get('location')).toBeNull();
    expect(await elsewhere.text()).toContain('redirect uri included is not valid');
  });

  it('redirects scope, response type and PKCE method errors back to the client, issuing nothing', async () => {
    const { browser } = await consentFor(authorizeUrl(app, { scopes: 'read' }));
    const base = authorizeUrl(app, { scopes: 'read', state: 'xyz' });
    const cases: Array<[string, string]> = [
      [base.replace('scope=read', 'scope=read+admin%3Aread'), 'invalid_scope'],
      [base.replace('scope=read', 'scope=push'), 'invalid_scope'],
      [base.replace('response_type=code', 'response_type=token'), 'unsupported_response_type'],
      [`${base}&code_challenge=${newPkce().verifier}&code_challenge_method=plain`, 'invalid_request'],
    ];
    for (const [path, error] of cases) {
      const response = await browser.get(path);
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location') ?? '');
      expect(`${location.origin}${location.pathname}`).toBe(app.redirectUri);
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('state')).toBe('xyz');
      expect(location.searchParams.get('code')).toBeNull();
    }
  });

  it('refuses a consent POST without the session CSRF token, and a tampered scope', async () => {
    const { browser, html } = await consentFor(authorizeUrl(app, { scopes: 'read', state: 's1' }));
    const fields = hiddenInputs(html, 'approve');
    const { authenticity_token: _omitted, ...withoutCsrf } = fields;
    const noCsrf = await browser.post('/oauth/authorize', withoutCsrf);
    expect(noCsrf.status).toBe(422);
    expect(noCsrf.headers.get('location')).toBeNull();
    const wrongCsrf = await browser.post('/oauth/authorize', { ...fields, authenticity_token: 'forged' });
    expect(wrongCsrf.status).toBe(422);
    // Another browser (no session) replaying the whole form, token included, is refused too.
    const stranger = await new Browser(t.url).post('/oauth/authorize', fields);
    expect(stranger.status).toBe(422);
    const escalated = await browser.post('/oauth/authorize', { ...fields, scope: 'read admin:write' });
    expect(new URL(escalated.headers.get('location') ?? '').searchParams.get('error')).toBe('invalid_scope');
    // The form itself still works: the refusals changed nothing.
    const approved = await browser.post('/oauth/authorize', fields);
    expect(approved.status).toBe(302);
    expect(new URL(approved.headers.get('location') ?? '').searchParams.get('state')).toBe('s1');
  });

  it('denies with _method=delete or DELETE: access_denied on the redirect and no code', async () => {
    const { browser, html } = await consentFor(authorizeUrl(app, { scopes: 'read', state: 'd1' }));
    const viaOverride = await browser.post('/oauth/authorize', hiddenInputs(html, 'deny'));
    const deniedUrl = new URL(viaOverride.headers.get('location') ?? '');
    expect(deniedUrl.searchParams.get('error')).toBe('access_denied');
    expect(deniedUrl.searchParams.get('state')).toBe('d1');
    expect(deniedUrl.searchParams.get('code')).toBeNull();
    const viaDelete = await browser.post('/oauth/authorize', hiddenInputs(html, 'approve'), 'DELETE');
    expect(new URL(viaDelete.headers.get('location') ?? '').searchParams.get('error')).toBe('access_denied');
  });

  it('asks to sign in again with force_login=true, and refuses a wrong password', async () => {
    const { browser } = await consentFor(authorizeUrl(app, { scopes: 'read' }));
    const forced = await browser.get(authorizeUrl(app, { scopes: 'read', forceLogin: true }));
    const html = await forced.text();
    expect(html).toContain('name="password"');
    expect(hiddenInputs(html).return_to).not.toContain('force_login');
    const wrong = await submitSignIn(browser, html, alice.email, 'not the password');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Invalid E-mail address or password.');
    const fresh = new Browser(t.url);
    const page = await (await fresh.get(authorizeUrl(app, { scopes: 'read' }))).text();
    const failed = await submitSignIn(fresh, page, alice.email, 'wrong');
    expect(failed.status).toBe(401);
    // Still signed out: the authorization page asks for the password again.
    expect(await (await fresh.get(authorizeUrl(app, { scopes: 'read' }))).text()).toContain(
      'name="password"',
    );
  });

  it('checks the sign-in form’s CSRF token before its password, and signs in from the form’s fields only', async () => {
    const browser = new Browser(t.url);
    const page = await (await browser.get(authorizeUrl(app, { scopes: 'read' }))).text();
    const fields = hiddenInputs(page);
    const credentials = { email: alice.email, password: alice.password };
    const { authenticity_token: _omitted, ...withoutCsrf } = fields;
    const forged = await browser.post('/auth/sign_in', { ...withoutCsrf, ...credentials });
    expect(forged.status).toBe(422);
    expect(forged.headers.get('set-cookie')).toBeNull();
    // The per-e-mail throttle counts what the form names: credentials in the query sign nobody in.
    const viaQuery = await browser.post(
      `/auth/sign_in?${new URLSearchParams(credentials).toString()}`,
      fields,
    );
    expect(viaQuery.status).toBe(401);
    expect(await viaQuery.text()).toContain('Invalid E-mail address or password.');
    const empty = await browser.post('/auth/sign_in', { ...fields, email: alice.email, password: '' });
    expect(empty.status).toBe(401);
    expect(await empty.text()).toContain('Invalid E-mail address or password.');
    expect(await (await browser.get(authorizeUrl(app, { scopes: 'read' }))).text()).toContain(
      'name="password"',
    );
    const signedIn = await browser.post('/auth/sign_in', { ...fields, ...credentials });
    expect(signedIn.status).toBe(302);
    expect(await (await browser.get(signedIn.headers.get('location') ?? '')).text()).toContain(
      'id="approve"',
    );
  });

  it('skips consent for scopes the user already granted this client, until that token is revoked', async () => {
    const first = await authorizeWithPkce(t.url, {
      app,
      email: alice.email,
      password: alice.password,
      scopes: 'read write',
      browser: new Browser(t.url),
    });
    const { browser } = first;
    // Same client, same scopes (in another order): a code straight away, state kept.
    const again = await browser.get(authorizeUrl(app, { scopes: 'write read', state: 'xyz' }));
    expect(again.status).toBe(302);
    const location = new URL(again.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(app.redirectUri);
    expect(location.searchParams.get('state')).toBe('xyz');
    const code = location.searchParams.get('code') ?? '';
    const exchanged = await tokenRequest({
      grant_type: 'authorization_code',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      redirect_uri: app.redirectUri,
      code,
    });
    expect(exchanged.status).toBe(200);
    // Other scopes, or force_login, still ask.
    expect(await (await browser.get(authorizeUrl(app, { scopes: 'read' }))).text()).toContain('id="approve"');
    expect(
      await (await browser.get(authorizeUrl(app, { scopes: 'read write', forceLogin: true }))).text(),
    ).toContain('name="password"');
    // Once every such token is revoked, consent is asked again.
    const second = ((await exchanged.json()) as { access_token: string }).access_token;
    for (const token of [first.token.accessToken, second]) {
      await createOAuthAPIClient({ url: t.url }).revoke({
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        token,
      });
    }
    expect(await (await browser.get(authorizeUrl(app, { scopes: 'read write' }))).text()).toContain(
      'id="approve"',
    );
  });

  describe('code exchange', () => {
    async function freshCode(options: { pkce?: boolean } = {}): Promise<{ code: string; verifier: string }> {
      const pkce = newPkce();
      const { browser, html } = await consentFor(
        authorizeUrl(app, { scopes: 'read', ...(options.pkce === false ? {} : { pkce }) }),
      );
      const approval = await browser.post('/oauth/authorize', hiddenInputs(html, 'approve'));
      return { code: await codeFromApproval(browser, approval), verifier: pkce.verifier };
    }

    const exchange = (code: string, extra: Record<string, string> = {}): Promise<Response> =>
      tokenRequest({
        grant_type: 'authorization_code',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: app.redirectUri,
        code,
        ...extra,
      });

    const errorOf = async (response: Response): Promise<string> =>
      ((await response.json()) as { error: string }).error;

    it('refuses a forged code with invalid_grant', async () => {
      const forged = await exchange('forged-code-that-was-never-issued', {
        code_verifier: newPkce().verifier,
      });
      expect(forged.status).toBe(400);
      const body = (await forged.json()) as { error: string; error_description: string };
      expect(body.error).toBe('invalid_grant');
      expect(body.error_description).toMatch(/^The provided authorization grant is invalid/);
    });

    it('spends a code once: a reused code is invalid_grant and the first token stays valid', async () => {
      const { code, verifier } = await freshCode();
      const first = await exchange(code, { code_verifier: verifier });
      expect(first.status).toBe(200);
      const { access_token: token } = (await first.json()) as { access_token: string };
      const again = await exchange(code, { code_verifier: verifier });
      expect(again.status).toBe(400);
      expect(await errorOf(again)).toBe('invalid_grant');
      expect((await verify(token)).status).toBe(200);
    });

    it('refuses a wrong or missing PKCE verifier without spending the code', async () => {
      const { code, verifier } = await freshCode();
      const wrong = await exchange(code, { code_verifier: newPkce().verifier });
      expect(wrong.status).toBe(400);
      expect(await errorOf(wrong)).toBe('invalid_grant');
      expect(await errorOf(await exchange(code))).toBe('invalid_grant');
      expect((await exchange(code, { code_verifier: verifier })).status).toBe(200);
    });

    it('refuses a redirect_uri that differs from the authorization request', async () => {
      const { code, verifier } = await freshCode();
      const mismatch = await exchange(code, {
        code_verifier: verifier,
        redirect_uri: 'https://client.example/other',
      });
      expect(mismatch.status).toBe(400);
      expect(await errorOf(mismatch)).toBe('invalid_grant');
      expect((await exchange(code, { code_verifier: verifier })).status).toBe(200);
    });

    it('refuses a wrong client secret (401) and another client using the code (invalid_grant)', async () => {
      const { code, verifier } = await freshCode();
      const badSecret = await exchange(code, { code_verifier: verifier, client_secret: 'wrong' });
      expect(badSecret.status).toBe(401);
      expect(await errorOf(badSecret)).toBe('invalid_client');
      const other = await createApp(t.url, { scopes: 'read' });
      const stolen = await tokenRequest({
        grant_type: 'authorization_code',
        client_id: other.clientId,
        client_secret: other.clientSecret,
        redirect_uri: app.redirectUri,
        code,
        code_verifier: verifier,
      });
      expect(await errorOf(stolen)).toBe('invalid_grant');
      expect((await exchange(code, { code_verifier: verifier })).status).toBe(200);
    });

    it('refuses a verifier for a code issued without a challenge; accepts the code alone via HTTP Basic', async () => {
      const { code } = await freshCode({ pkce: false });
      expect(await errorOf(await exchange(code, { code_verifier: newPkce().verifier }))).toBe(
        'invalid_grant',
      );
      const basic = Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64');
      const viaBasic = await fetch(`${t.url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: app.redirectUri,
        }).toString(),
      });
      expect(viaBasic.status).toBe(200);
      expect(viaBasic.headers.get('cache-control')).toBe('no-store');
    });

    it('refuses an unknown client through masto as invalid_client', async () => {
      const { code, verifier } = await freshCode();
      const params = {
        grantType: 'authorization_code' as const,
        clientId: 'unknown-client',
        clientSecret: 'whatever',
        redirectUri: app.redirectUri,
        code,
        codeVerifier: verifier,
      };
      await expect(createOAuthAPIClient({ url: t.url }).token.create(params)).rejects.toMatchObject({
        statusCode: 401,
      });
      expect((await exchange(code, { code_verifier: verifier })).status).toBe(200);
    });
  });
});
