import { contracts } from '@mammut/contracts';
import { hostAccounts } from '../../../accounts/src/admin/accounts-admin';
import {
  authorizeUrl,
  authorizeWithPkce,
  Browser,
  codeFromApproval,
  createApp,
  hiddenInputs,
  registerAndSignIn,
  type RegisteredUser,
  submitSignIn,
  type TestApp,
} from '../../../../test-e2e/support/oauth';
import { useTestSystem } from '../../../../test-e2e/support/system';
import { SESSION_COOKIE, webSessionKey } from './web-sessions';

jest.setTimeout(120_000);

type Disable = (user: RegisteredUser) => Promise<void>;

/**
 * A web session lasts only as long as its user could sign in: once the user is disabled or
 * suspended, however that was done, the session is ended at its next use and obtains nothing.
 */
describe('web sessions of users disabled or suspended since they signed in', () => {
  const sut = useTestSystem();
  let app: TestApp;
  let n = 0;

  beforeAll(async () => {
    app = await createApp(sut.t.url, { scopes: 'read write' });
  });

  const newUser = (): Promise<RegisteredUser> => registerAndSignIn(sut.t.url, { username: `user${++n}` });
  const grants = async (user: RegisteredUser): Promise<{ codes: number; tokens: number }> => {
    const { rows } = await sut.db.query<{ codes: string; tokens: string }>(
      `SELECT (SELECT count(*) FROM accounts.oauth_access_grants g JOIN accounts.users u ON u.id = g.user_id
                WHERE u.email = $1) AS codes,
              (SELECT count(*) FROM accounts.oauth_access_tokens t JOIN accounts.users u ON u.id = t.user_id
                WHERE u.email = $1) AS tokens`,
      [user.email],
    );
    return { codes: Number(rows[0].codes), tokens: Number(rows[0].tokens) };
  };
  /** The session id the browser's cookie names. */
  const sessionId = (browser: Browser): string => {
    const cookie =
      browser.jar
        .header()
        .split('; ')
        .find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? '';
    const value = cookie.slice(SESSION_COOKIE.length + 1);
    return value.slice(0, value.lastIndexOf('.'));
  };
  const sessionStored = async (id: string): Promise<boolean> =>
    (await sut.t.system.runtime.redis.exists(webSessionKey(id))) === 1;

  /** A browser signed in as `user`, looking at the consent page for `app`. */
  const atConsent = async (user: RegisteredUser): Promise<{ browser: Browser; consent: string }> => {
    const browser = new Browser(sut.t.url);
    const start = authorizeUrl(app, { scopes: 'read', state: 's' });
    const signIn = await (await browser.get(start)).text();
    const signedIn = await submitSignIn(browser, signIn, user.email, user.password);
    expect(signedIn.status).toBe(302);
    const consent = await (await browser.get(signedIn.headers.get('location') ?? '')).text();
    expect(consent).toContain('id="approve"');
    return { browser, consent };
  };

  const bySql: Disable = async (user) => {
    await sut.db.query(`UPDATE accounts.users SET disabled = true WHERE email = $1`, [user.email]);
  };
  const bySuspension: Disable = async (user) => {
    // The operator's request to the running system, as an admin API will send it.
    await sut.t.system.runtime.bus.request(contracts.accounts.admin.suspendAccount, {
      accountId: user.accountId,
    });
  };
  const byCli: Disable = async (user) => {
    // The operator CLI's way: the accounts service hosted in its own process, asked over the bus.
    const admin = await hostAccounts(sut.t.system.runtime.config);
    try {
      const { userId } = await admin.bus.request(contracts.accounts.admin.getUser, {
        username: user.username,
      });
      await admin.bus.request(contracts.accounts.admin.modifyUser, { userId, disabled: true });
    } finally {
      await admin.close();
    }
  };

  it.each([
    ['disabled by hand in the database', bySql],
    ['suspended by the operator', bySuspension],
    ['disabled with the CLI', byCli],
  ])('cannot consent once %s, and the session is ended', async (_how, disable) => {
    const user = await newUser();
    const { browser, consent } = await atConsent(user);
    const id = sessionId(browser);
    expect(await sessionStored(id)).toBe(true);
    const before = await grants(user);

    await disable(user);
    const approval = await browser.post('/oauth/authorize', hiddenInputs(consent, 'approve'));
    expect(approval.status).toBeGreaterThanOrEqual(400);
    expect(approval.status).toBeLessThan(500);
    expect(approval.headers.get('location')).toBeNull();
    expect(await grants(user)).toEqual(before);
    expect(await sessionStored(id)).toBe(false);
    // The authorization page asks to sign in again, which the user no longer may.
    const again = await (await browser.get(authorizeUrl(app, { scopes: 'read' }))).text();
    expect(again).not.toContain('id="approve"');
    expect(again).toContain('action="/auth/sign_in"');
  });

  it('gets no code without consent either, where the app was authorized before', async () => {
    const user = await newUser();
    // Authorized once: the next visit goes straight back to the client with a code.
    const { browser } = await authorizeWithPkce(sut.t.url, {
      app,
      email: user.email,
      password: user.password,
      scopes: 'read',
    });
    const skipped = await browser.get(authorizeUrl(app, { scopes: 'read' }));
    expect(skipped.status).toBe(302);
    const before = await grants(user);

    await bySql(user);
    const refused = await browser.get(authorizeUrl(app, { scopes: 'read' }));
    expect(refused.status).toBe(200);
    expect(refused.headers.get('location')).toBeNull();
    expect(await grants(user)).toEqual(before);
  });

  it('exchanges no code issued before the user was disabled', async () => {
    const user = await newUser();
    const { browser, consent } = await atConsent(user);
    const code = await codeFromApproval(
      browser,
      await browser.post('/oauth/authorize', hiddenInputs(consent, 'approve')),
    );
    const before = await grants(user);

    await bySql(user);
    const response = await fetch(`${sut.t.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        code,
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: app.redirectUri,
      }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
    expect((await grants(user)).tokens).toBe(before.tokens);
  });

  it('keeps the sessions of users still allowed to sign in', async () => {
    const user = await newUser();
    const { browser, consent } = await atConsent(user);
    const approval = await browser.post('/oauth/authorize', hiddenInputs(consent, 'approve'));
    expect(approval.status).toBe(302);
    expect(await sessionStored(sessionId(browser))).toBe(true);
  });
});
