import { createRestAPIClient } from 'masto';
import { FakeSmtp, type ReceivedMail } from './support/fake-smtp';
import {
  authorizeUrl,
  authorizeWithPkce,
  Browser,
  clientCredentialsToken,
  createApp,
  registerAndSignIn,
  submitSignIn,
  type TestApp,
} from './support/oauth';
import { startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(30_000);

interface ErrorBody {
  error: string;
  details?: Record<string, Array<{ error: string; description: string }>>;
}

/** A client-credentials token of a fresh app, as a client gets one before signing a user up. */
async function appToken(url: string, scope = 'read write'): Promise<{ app: TestApp; token: string }> {
  const app = await createApp(url, { scopes: 'read write follow' });
  return { app, token: await clientCredentialsToken(url, app, scope) };
}

const signUp = (url: string, token: string, body: Record<string, unknown>): Promise<Response> =>
  fetch(`${url}/api/v1/accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agreement: true, locale: 'en', ...body }),
  });

const lookup = (url: string, acct: string): Promise<Response> =>
  fetch(`${url}/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`);

/** Signs in on the authorization page and answers the page's text (refusal messages show there). */
async function signInPageText(url: string, app: TestApp, email: string, password: string): Promise<string> {
  const browser = new Browser(url);
  const page = await (await browser.get(authorizeUrl(app, { scopes: 'read' }))).text();
  const response = await submitSignIn(browser, page, email, password);
  expect(response.status).toBe(401);
  return response.text();
}

describe('registration (open)', () => {
  let t: TestSystem;
  let token: string;

  beforeAll(async () => {
    t = await startTestSystem();
    ({ token } = await appToken(t.url));
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('creates a confirmed account through masto and answers a token with the app token scopes', async () => {
    const created = await createRestAPIClient({ url: t.url, accessToken: token }).v1.accounts.create({
      username: 'Carol_1',
      email: 'carol@example.com',
      password: 'correct horse battery',
      agreement: true,
      locale: 'en',
    });
    expect(created.tokenType).toBe('Bearer');
    expect(created.scope).toBe('read write');
    const me = await createRestAPIClient({
      url: t.url,
      accessToken: created.accessToken,
    }).v1.accounts.verifyCredentials();
    expect(me.username).toBe('Carol_1');
    expect(me.acct).toBe('Carol_1');
    expect(me.url).toBe(`${t.url}/@Carol_1`);
    expect((await lookup(t.url, 'carol_1')).status).toBe(200);
  });

  it('accepts a form body; registerAndSignIn then signs the same kind of user in through the forms', async () => {
    const form = await fetch(`${t.url}/api/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=dave&email=dave%40example.com&password=longenough&agreement=1&locale=de',
    });
    expect(form.status).toBe(200);
    const user = await registerAndSignIn(t.url, {
      username: 'erin',
      scopes: ['read:accounts', 'write:statuses'],
    });
    const me = await fetch(`${t.url}/api/v1/accounts/verify_credentials`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(((await me.json()) as { id: string }).id).toBe(user.accountId);
  });

  it('refuses invalid sign-ups with 422 and Mastodon details codes, creating nothing', async () => {
    await signUp(t.url, token, { username: 'taken', email: 'taken@example.com', password: 'password123' });
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ username: 'TAKEN', email: 'new1@example.com', password: 'password123' }, 'username', 'ERR_TAKEN'],
      [{ username: 'fresh1', email: 'Taken@Example.com', password: 'password123' }, 'email', 'ERR_TAKEN'],
      [{ username: 'admin', email: 'a@example.com', password: 'password123' }, 'username', 'ERR_RESERVED'],
      [
        { username: 'Postmaster', email: 'p@example.com', password: 'password123' },
        'username',
        'ERR_RESERVED',
      ],
      [{ username: 'fresh2', email: 'f2@example.com', password: 'short' }, 'password', 'ERR_TOO_SHORT'],
      [{ username: 'fresh3', email: 'f3@example.com', password: 'x'.repeat(73) }, 'password', 'ERR_TOO_LONG'],
      [
        { username: 'fresh4', email: 'f4@example.com', password: 'password123', agreement: false },
        'agreement',
        'ERR_ACCEPTED',
      ],
      [{ username: 'bad-name', email: 'f5@example.com', password: 'password123' }, 'username', 'ERR_INVALID'],
      [
        { username: 'x'.repeat(31), email: 'f6@example.com', password: 'password123' },
        'username',
        'ERR_TOO_LONG',
      ],
      [{ username: '', email: 'f7@example.com', password: 'password123' }, 'username', 'ERR_BLANK'],
      [{ username: 'fresh8', email: 'not-an-email', password: 'password123' }, 'email', 'ERR_INVALID'],
      [{ username: 'fresh9', email: 'f9@example.com', password: '' }, 'password', 'ERR_BLANK'],
    ];
    for (const [body, field, code] of cases) {
      const response = await signUp(t.url, token, body);
      expect(response.status).toBe(422);
      const error = (await response.json()) as ErrorBody;
      expect(error.error).toMatch(/^Validation failed: /);
      expect(error.details?.[field]?.map((d) => d.error)).toContain(code);
      const username = String(body.username);
      if (username && username.toLowerCase() !== 'taken')
        expect((await lookup(t.url, username)).status).toBe(404);
    }
    // masto surfaces the details too.
    await expect(
      createRestAPIClient({ url: t.url, accessToken: token }).v1.accounts.create({
        username: 'taken',
        email: 'z@example.com',
        password: 'password123',
        agreement: true,
        locale: 'en',
      }),
    ).rejects.toMatchObject({ statusCode: 422, details: { username: [{ error: 'ERR_TAKEN' }] } });
  });

  it('refuses user tokens, tokens without write scope, and no token', async () => {
    const user = await registerAndSignIn(t.url, { username: 'frank' });
    const asUser = await signUp(t.url, user.token, {
      username: 'gina',
      email: 'g@example.com',
      password: 'password123',
    });
    expect(asUser.status).toBe(403);
    const readOnly = await appToken(t.url, 'read');
    const noWrite = await signUp(t.url, readOnly.token, {
      username: 'gina',
      email: 'g@example.com',
      password: 'password123',
    });
    expect(noWrite.status).toBe(403);
    expect(await noWrite.json()).toEqual({ error: 'This action is outside the authorized scopes' });
    const anonymous = await fetch(`${t.url}/api/v1/accounts`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    expect((await lookup(t.url, 'gina')).status).toBe(404);
  });
});

describe('registration (closed)', () => {
  let t: TestSystem;

  beforeAll(async () => {
    t = await startTestSystem({ REGISTRATIONS_MODE: 'closed' });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('answers 403 and creates nothing', async () => {
    const { token } = await appToken(t.url);
    const response = await signUp(t.url, token, {
      username: 'henry',
      email: 'h@example.com',
      password: 'password123',
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'This action is not allowed' });
    expect((await lookup(t.url, 'henry')).status).toBe(404);
  });
});

describe('registration (approval required)', () => {
  let t: TestSystem;

  beforeAll(async () => {
    t = await startTestSystem({ REGISTRATIONS_MODE: 'approved' });
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('requires a reason, then keeps the user pending: API 403 and the sign-in page refuses', async () => {
    const { app, token } = await appToken(t.url);
    const noReason = await signUp(t.url, token, {
      username: 'ivy',
      email: 'ivy@example.com',
      password: 'password123',
    });
    expect(noReason.status).toBe(422);
    expect(((await noReason.json()) as ErrorBody).details?.reason?.[0].error).toBe('ERR_BLANK');
    expect((await lookup(t.url, 'ivy')).status).toBe(404);

    const created = await signUp(t.url, token, {
      username: 'ivy',
      email: 'ivy@example.com',
      password: 'password123',
      reason: 'I would like to join',
    });
    expect(created.status).toBe(200);
    const { access_token: userToken } = (await created.json()) as { access_token: string };
    const me = await fetch(`${t.url}/api/v1/accounts/verify_credentials`, {
      headers: { authorization: `Bearer ${userToken}` },
    });
    expect(me.status).toBe(403);
    expect(await me.json()).toEqual({ error: 'Your login is currently pending approval' });
    expect(await signInPageText(t.url, app, 'ivy@example.com', 'password123')).toContain(
      'Your account is still under review.',
    );
  });
});

/** The confirmation link in a mail (quoted-printable soft breaks and `=3D` undone). */
const confirmationLink = (mail: ReceivedMail): string | undefined =>
  /http:\/\/127\.0\.0\.1:\d+\/auth\/confirmation\?confirmation_token=[\w-]+/.exec(
    mail.data.replace(/=\r?\n/g, '').replace(/=3D/g, '='),
  )?.[0];

describe('registration with SMTP: confirmation mail', () => {
  let t: TestSystem;
  const smtp = new FakeSmtp();

  beforeAll(async () => {
    t = await startTestSystem({ SMTP_URL: await smtp.start(), SMTP_FROM: 'Mammut <noreply@mammut.test>' });
  });

  afterAll(async () => {
    await t?.stop();
    await smtp.stop();
  });

  it('mails a link that confirms once; sign-in is refused before and works after', async () => {
    const { app, token } = await appToken(t.url);
    const response = await signUp(t.url, token, {
      username: 'jane',
      email: 'jane@example.com',
      password: 'password123',
    });
    expect(response.status).toBe(200);
    const [mail] = await smtp.mailsTo('jane@example.com');
    expect(mail.to).toEqual(['<jane@example.com>']);
    const link = confirmationLink(mail);
    expect(link).toBeDefined();
    expect(link?.startsWith(`${t.url}/`)).toBe(true);

    expect(await signInPageText(t.url, app, 'jane@example.com', 'password123')).toContain(
      'You have to confirm your email address before continuing.',
    );
    const forged = await fetch(`${t.url}/auth/confirmation?confirmation_token=forged`);
    expect(forged.status).toBe(404);

    const confirmed = await fetch(link ?? '');
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Your email address has been successfully confirmed.');
    expect((await fetch(link ?? '')).status).toBe(404);

    const { token: userToken } = await authorizeWithPkce(t.url, {
      app,
      email: 'jane@example.com',
      password: 'password123',
      scopes: 'read',
    });
    const me = await createRestAPIClient({
      url: t.url,
      accessToken: userToken.accessToken,
    }).v1.accounts.verifyCredentials();
    expect(me.username).toBe('jane');
  });

  it('resends the mail (to a corrected address) for the app that signed the user up, and reports confirmation', async () => {
    const { token: appTokenValue } = await appToken(t.url);
    // Someone else's address, for the correction below to collide with.
    const neighbour = await signUp(t.url, appTokenValue, {
      username: 'neighbour',
      email: 'neighbour@example.com',
      password: 'password123',
    });
    expect(neighbour.status).toBe(200);
    const response = await signUp(t.url, appTokenValue, {
      username: 'typo',
      email: 'typo@exampel.com',
      password: 'password123',
    });
    const { access_token: registration } = (await response.json()) as { access_token: string };
    await smtp.mailsTo('typo@exampel.com');
    const call = (method: 'GET' | 'POST', path: string, token: string, body?: object): Promise<Response> =>
      fetch(`${t.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });

    // Unconfirmed: the registration token may ask, even though other routes refuse it.
    const check = await call('GET', '/api/v1/emails/check_confirmation', registration);
    expect(check.status).toBe(200);
    expect(await check.json()).toBe(false);
    expect((await call('GET', '/api/v1/accounts/verify_credentials', registration)).status).toBe(403);

    // An app token (no user) is refused; so is a malformed or taken address.
    const { token: otherApp } = await appToken(t.url);
    expect((await call('POST', '/api/v1/emails/confirmations', otherApp, {})).status).toBe(422);
    const invalid = await call('POST', '/api/v1/emails/confirmations', registration, {
      email: 'not an address',
    });
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as ErrorBody).details?.email?.[0]?.error).toBe('ERR_INVALID');
    const taken = await call('POST', '/api/v1/emails/confirmations', registration, {
      email: 'NEIGHBOUR@example.com',
    });
    expect(taken.status).toBe(422);
    expect(((await taken.json()) as ErrorBody).details?.email?.[0]?.error).toBe('ERR_TAKEN');

    const resent = await call('POST', '/api/v1/emails/confirmations', registration, {
      email: 'typo@example.com',
    });
    expect(resent.status).toBe(200);
    expect(await resent.json()).toEqual({});
    const [latest] = await smtp.mailsTo('typo@example.com');
    expect(latest.to).toEqual(['<typo@example.com>']);
    const link = confirmationLink(latest);
    expect(link).toBeDefined();
    expect((await fetch(link ?? '')).status).toBe(200);

    const after = await call('GET', '/api/v1/emails/check_confirmation', registration);
    expect(await after.json()).toBe(true);
    const again = await call('POST', '/api/v1/emails/confirmations', registration, {});
    expect(again.status).toBe(403);
    expect(await again.json()).toEqual({
      error: 'This method is only available while the e-mail is awaiting confirmation',
    });
    const me = await call('GET', '/api/v1/accounts/verify_credentials', registration);
    expect(me.status).toBe(200);

    // Signed in through another app, the same user may not ask that app to resend.
    const other = await createApp(t.url, { scopes: 'read write' });
    const { token: viaOther } = await authorizeWithPkce(t.url, {
      app: other,
      email: 'typo@example.com',
      password: 'password123',
      scopes: 'write',
    });
    const foreign = await call('POST', '/api/v1/emails/confirmations', viaOther.accessToken, {});
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toEqual({
      error: 'This method is only available to the application the user originally signed-up with',
    });
  });
});
