import type { FastifyReply } from 'fastify';

/** The languages the pages are written in; `lang` picks one, anything else falls back to English. */
const PAGE_LANGUAGES = ['en'] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];

export function pageLanguage(lang: string | undefined): PageLanguage {
  const base = (lang ?? '').toLowerCase().split(/[-_]/)[0];
  return PAGE_LANGUAGES.find((known) => known === base) ?? 'en';
}

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What each scope lets an app do, for the consent page. */
const SCOPE_TEXT: Record<string, string> = {
  read: 'Read all your account data',
  write: 'Modify all your account data',
  follow: 'Modify account relationships',
  push: 'Receive your push notifications',
  profile: 'Read only your account profile information',
  'admin:read': 'Read all data on the server',
  'admin:write': 'Modify all data on the server',
};

const describeScope = (scope: string): string => {
  if (SCOPE_TEXT[scope]) return SCOPE_TEXT[scope];
  const [verb, ...rest] = scope.split(':');
  const noun = rest.join(' ').replace(/_/g, ' ');
  return verb === 'read' ? `Read your ${noun}` : verb === 'write' ? `Modify your ${noun}` : scope;
};

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f4f8;color:#222;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.8rem 0 .3rem}
input[type=email],input[type=password],input[type=text]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{padding:.6rem 1.2rem;font-size:1rem;margin:1rem .5rem 0 0;cursor:pointer}
.alert{background:#fde8e8;color:#8a1c1c;padding:.6rem;border-radius:4px}
code{display:block;font-size:1.1rem;word-break:break-all;background:#eee;padding:.8rem;border-radius:4px}
ul{padding-left:1.2rem}`;

function layout(lang: PageLanguage, title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(title)}</h1>
${body}
</main></body>
</html>`;
}

const hidden = (fields: Record<string, string | null | undefined>): string =>
  Object.entries(fields)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');

export interface SignInPage {
  readonly lang: PageLanguage;
  readonly csrf: string;
  readonly returnTo: string;
  readonly email?: string;
  readonly alert?: string;
}

export function signInPage(page: SignInPage): string {
  return layout(
    page.lang,
    'Log in',
    `${page.alert ? `<p class="alert" role="alert">${escapeHtml(page.alert)}</p>` : ''}
<form method="post" action="/auth/sign_in">
${hidden({ authenticity_token: page.csrf, return_to: page.returnTo })}
<label for="email">E-mail address</label>
<input id="email" type="email" name="email" autocomplete="username" required value="${escapeHtml(page.email ?? '')}">
<label for="password">Password</label>
<input id="password" type="password" name="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form>`,
  );
}

export interface ConsentPage {
  readonly lang: PageLanguage;
  readonly csrf: string;
  readonly appName: string;
  readonly appWebsite: string | null;
  readonly scopes: readonly string[];
  /** The authorization request, carried through the form unchanged. */
  readonly request: Record<string, string | null>;
}

export function consentPage(page: ConsentPage): string {
  const fields = hidden({ ...page.request, authenticity_token: page.csrf });
  const website = page.appWebsite
    ? ` (<a href="${escapeHtml(page.appWebsite)}" rel="noopener noreferrer">${escapeHtml(page.appWebsite)}</a>)`
    : '';
  return layout(
    page.lang,
    'Authorization required',
    `<p><strong>${escapeHtml(page.appName)}</strong>${website} would like permission to access your account. It is a third-party application. If you do not trust it, then you should not authorize it.</p>
<p>Review permissions:</p>
<ul>${page.scopes.map((scope) => `<li><strong>${escapeHtml(scope)}</strong>: ${escapeHtml(describeScope(scope))}</li>`).join('')}</ul>
<form method="post" action="/oauth/authorize" id="approve">
${fields}
<button type="submit">Authorize</button>
</form>
<form method="post" action="/oauth/authorize" id="deny">
${fields}
<input type="hidden" name="_method" value="delete">
<button type="submit">Deny</button>
</form>`,
  );
}

export function codePage(lang: PageLanguage, code: string): string {
  return layout(
    lang,
    'Authorization code',
    `<p>Copy this authorization code and paste it to the application.</p><code id="authorization_code">${escapeHtml(code)}</code>`,
  );
}

export function messagePage(lang: PageLanguage, title: string, message: string): string {
  return layout(lang, title, `<p class="alert" role="alert">${escapeHtml(message)}</p>`);
}

/** Pages are private to one browser and must not be framed (the consent page is a click target). */
export function sendPage(reply: FastifyReply, status: number, html: string): void {
  void reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    // A page opened from another site cannot reach back into its opener, nor it into us.
    .header('cross-origin-opener-policy', 'same-origin')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    )
    .send(html);
}
