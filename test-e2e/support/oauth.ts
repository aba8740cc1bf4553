import { createOAuthAPIClient, createRestAPIClient, type mastodon } from 'masto';
import { createHash, randomBytes } from 'node:crypto';

/**
 * The real OAuth flows, driven through public HTTP only: apps and tokens through masto, the
 * sign-in and consent pages by fetching the HTML and posting their forms back, as a browser would.
 */

export const TEST_REDIRECT_URI = 'https://client.example/callback';
export const OOB = 'urn:ietf:wg:oauth:2.0:oob';

/** Cookies of one browser, per name (one host only: the system under test). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** A browser: keeps cookies and never follows redirects, so tests can look at each Location. */
export class Browser {
  readonly jar = new CookieJar();

  constructor(readonly baseUrl: string) {}

  async get(pathOrUrl: string): Promise<Response> {
    const response = await fetch(new URL(pathOrUrl, this.baseUrl), {
      redirect: 'manual',
      headers: { cookie: this.jar.header() },
    });
    this.jar.store(response);
    return response;
  }

  async post(path: string, form: Record<string, string>, method = 'POST'): Promise<Response> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      redirect: 'manual',
      headers: { cookie: this.jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    this.jar.store(response);
    return response;
  }
}

const decodeEntities = (text: string): string =>
  text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The hidden inputs of a page's form (the first form, or the one with `id`). */
export function hiddenInputs(html: string, formId?: string): Record<string, string> {
  const forms = [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
  const form = formId ? forms.find((f) => f[1].includes(`id="${formId}"`)) : forms[0];
  if (!form) throw new Error(`no form${formId ? ` #${formId}` : ''} in page: ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const input of form[2].matchAll(/<input\b([^>]*)>/g)) {
    const attrs = input[1];
    if (!/type="hidden"/.test(attrs)) continue;
    const name = /name="([^"]*)"/.exec(attrs)?.[1];
    const value = /value="([^"]*)"/.exec(attrs)?.[1] ?? '';
    if (name) fields[decodeEntities(name)] = decodeEntities(value);
  }
  return fields;
}

export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface TestApp {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly scopes: string;
}

export async function createApp(
  url: string,
  options: { scopes?: string; redirectUri?: string; name?: string } = {},
): Promise<TestApp> {
  const redirectUri = options.redirectUri ?? TEST_REDIRECT_URI;
  const scopes = options.scopes ?? 'read write follow push';
  const app = await createRestAPIClient({ url }).v1.apps.create({
    clientName: options.name ?? 'Mammut test client',
    redirectUris: redirectUri,
    scopes,
  });
  if (!app.clientId || !app.clientSecret) throw new Error('app created without credentials');
  return { clientId: app.clientId, clientSecret: app.clientSecret, redirectUri, scopes };
}

export function authorizeUrl(
  app: TestApp,
  options: { scopes: string; pkce?: Pkce; state?: string; redirectUri?: string; forceLogin?: boolean },
): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: app.clientId,
    redirect_uri: options.redirectUri ?? app.redirectUri,
    scope: options.scopes,
    ...(options.state ? { state: options.state } : {}),
    ...(options.pkce ? { code_challenge: options.pkce.challenge, code_challenge_method: 'S256' } : {}),
    ...(options.forceLogin ? { force_login: 'true' } : {}),
  });
  return `/oauth/authorize?${query.toString()}`;
}

/** Posts the sign-in form that a page shows; answers the response (302 back to the authorize URL on success). */
export async function submitSignIn(
  browser: Browser,
  signInHtml: string,
  email: string,
  password: string,
): Promise<Response> {
  return browser.post('/auth/sign_in', { ...hiddenInputs(signInHtml), email, password });
}

/** The `code` a consent approval redirected to (the redirect URI's query, or the OOB code page). */
export async function codeFromApproval(browser: Browser, approval: Response): Promise<string> {
  const location = approval.headers.get('location');
  if (approval.status !== 302 || !location) throw new Error(`approval answered ${approval.status}`);
  if (location.startsWith('/oauth/authorize/native')) {
    const page = await (await browser.get(location)).text();
    const code = /<code id="authorization_code">([^<]+)<\/code>/.exec(page)?.[1];
    if (!code) throw new Error('no code on the OOB page');
    return decodeEntities(code);
  }
  const code = new URL(location).searchParams.get('code');
  if (!code) throw new Error(`no code in ${location}`);
  return code;
}

export interface Authorized {
  readonly code: string;
  readonly token: mastodon.v1.Token;
  readonly browser: Browser;
}

/**
 * The authorization-code flow with PKCE S256, through the HTML forms: authorize → sign in →
 * consent → code → `/oauth/token` (masto) with the verifier.
 */
export async function authorizeWithPkce(
  url: string,
  options: { app: TestApp; email: string; password: string; scopes: string; browser?: Browser },
): Promise<Authorized> {
  const browser = options.browser ?? new Browser(url);
  const pkce = newPkce();
  const state = randomBytes(8).toString('hex');
  const start = authorizeUrl(options.app, { scopes: options.scopes, pkce, state });
  let page = await (await browser.get(start)).text();
  if (!page.includes('id="approve"')) {
    const signedIn = await submitSignIn(browser, page, options.email, options.password);
    const back = signedIn.headers.get('location');
    if (signedIn.status !== 302 || !back) throw new Error(`sign-in answered ${signedIn.status}`);
    page = await (await browser.get(back)).text();
  }
  const approval = await browser.post('/oauth/authorize', hiddenInputs(page, 'approve'));
  const location = approval.headers.get('location') ?? '';
  if (options.app.redirectUri !== OOB && new URL(location).searchParams.get('state') !== state) {
    throw new Error('state did not come back');
  }
  const code = await codeFromApproval(browser, approval);
  const params = {
    grantType: 'authorization_code' as const,
    clientId: options.app.clientId,
    clientSecret: options.app.clientSecret,
    redirectUri: options.app.redirectUri,
    code,
    // masto has no field for it; it snake-cases it to `code_verifier` all the same.
    codeVerifier: pkce.verifier,
  };
  const token = await createOAuthAPIClient({ url }).token.create(params);
  return { code, token, browser };
}

/** An app-only token (client-credentials grant, through masto) for `app`, with `scope`. */
export async function clientCredentialsToken(url: string, app: TestApp, scope: string): Promise<string> {
  const token = await createOAuthAPIClient({ url }).token.create({
    grantType: 'client_credentials',
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: app.redirectUri,
    scope,
  });
  return token.accessToken;
}

export interface RegisteredUser {
  readonly token: string;
  readonly accountId: string;
  readonly username: string;
  readonly email: string;
  readonly password: string;
  readonly app: TestApp;
}

/**
 * A new user, end to end: app → client-credentials token → `POST /api/v1/accounts` → the
 * authorization-code flow with PKCE → a user token with `scopes` (default `read write follow`).
 * Needs registrations open and no SMTP (users are then confirmed at once).
 */
export async function registerAndSignIn(
  url: string,
  options: { username: string; scopes?: string[]; email?: string; password?: string },
): Promise<RegisteredUser> {
  const scopes = options.scopes?.length ? options.scopes : ['read', 'write', 'follow'];
  const appScopes = [...new Set(['read', 'write', 'follow', 'push', ...scopes])].join(' ');
  const app = await createApp(url, { scopes: appScopes });
  const appToken = await clientCredentialsToken(url, app, 'read write');
  const email = options.email ?? `${options.username.toLowerCase()}@example.com`;
  const password = options.password ?? `pw-${randomBytes(8).toString('hex')}`;
  await createRestAPIClient({ url, accessToken: appToken }).v1.accounts.create({
    username: options.username,
    email,
    password,
    agreement: true,
    locale: 'en',
  });
  const { token } = await authorizeWithPkce(url, { app, email, password, scopes: scopes.join(' ') });
  const account = await createRestAPIClient({ url }).v1.accounts.lookup({ acct: options.username });
  return {
    token: token.accessToken,
    accountId: account.id,
    username: options.username,
    email,
    password,
    app,
  };
}
