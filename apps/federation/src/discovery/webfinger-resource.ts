/** What a WebFinger `resource` names, as far as this instance is concerned. */
export type WebfingerTarget =
  | { readonly kind: 'local'; readonly username: string }
  /** Well-formed but not ours to answer (remote domain, unknown URL): 404. */
  | { readonly kind: 'elsewhere' }
  /** Missing or neither an acct nor a URL: 400, as Mastodon's WebfingerResource raises. */
  | { readonly kind: 'invalid' };

export interface WebfingerHost {
  /** `example.com`: the domain of handles. */
  readonly localDomain: string;
  /** `https://example.com`: the origin of actor and profile URLs. */
  readonly publicOrigin: string;
}

const USERNAME = /^[a-z0-9_]+$/i;

function local(username: string): WebfingerTarget {
  return USERNAME.test(username) ? { kind: 'local', username } : { kind: 'elsewhere' };
}

function fromUrl(resource: string, host: WebfingerHost): WebfingerTarget {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    return { kind: 'invalid' };
  }
  if (url.origin.toLowerCase() !== host.publicOrigin.toLowerCase()) return { kind: 'elsewhere' };
  // The actor id and the profile page, the two URLs Mastodon's route recognition accepts.
  const match = /^\/(?:users\/|@)([^/]+)\/?$/.exec(url.pathname);
  if (!match) return { kind: 'elsewhere' };
  try {
    return local(decodeURIComponent(match[1]));
  } catch {
    return { kind: 'invalid' };
  }
}

function fromAcct(resource: string, host: WebfingerHost): WebfingerTarget {
  const handle = resource.replace(/^acct:/i, '').replace(/^@/, '');
  // The domain may carry a port (`localhost:3000`), never an `@`: split at the last one.
  const at = handle.lastIndexOf('@');
  if (at <= 0 || at === handle.length - 1) return { kind: 'invalid' };
  const username = handle.slice(0, at);
  const domain = handle.slice(at + 1);
  if (domain.toLowerCase() !== host.localDomain.toLowerCase()) return { kind: 'elsewhere' };
  return local(username);
}

/**
 * Mastodon's WebfingerResource: `acct:user@domain` (the prefix is optional), or the account's
 * actor or profile URL. Anything else is a malformed request.
 */
export function parseWebfingerResource(resource: string | undefined, host: WebfingerHost): WebfingerTarget {
  const value = resource?.trim();
  if (!value || value.length > 1000) return { kind: 'invalid' };
  if (/^https?:\/\//i.test(value)) return fromUrl(value, host);
  if (value.includes('@')) return fromAcct(value, host);
  return { kind: 'invalid' };
}
