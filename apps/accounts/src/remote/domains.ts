import { domainToASCII } from 'node:url';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A domain as stored and compared: trimmed, lower case, IDNA to punycode, an optional port kept
 * (development peers listen on ports), no trailing dot. Null for anything else (schemes, paths,
 * credentials, wildcards), which is refused rather than guessed at.
 */
export function asciiDomain(input: string): string | null {
  const trimmed = input.trim().replace(/\.$/, '');
  const match = /^([^:/?#@\s]+)(?::(\d{1,5}))?$/.exec(trimmed);
  if (!match) return null;
  const host = domainToASCII(match[1].toLowerCase());
  if (!host || host.length > 253 || !host.split('.').every((label) => LABEL.test(label))) return null;
  if (match[2] === undefined) return host;
  const port = Number(match[2]);
  return port >= 1 && port <= 65535 ? `${host}:${port}` : null;
}

/** An http(s) URL and its host as a domain compares (`host[:port]`), or null. */
export function httpUrl(input: string): { href: string; host: string } | null {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return null;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return null;
  const host = asciiDomain(url.host);
  return host ? { href: url.href, host } : null;
}

/**
 * `user`, `@user`, `user@domain` or `@user@domain` as Mastodon splits an acct: the domain
 * normalised, null for a local account (no domain, or the local one). A domain that cannot be
 * normalised is kept lower-cased: it names no account, so the lookup simply misses.
 */
export function splitAcct(acct: string, localDomain: string): { username: string; domain: string | null } {
  const [username = '', domain] = acct.trim().replace(/^@/, '').split('@');
  if (!domain) return { username, domain: null };
  const normalised = asciiDomain(domain) ?? domain.toLowerCase();
  return { username, domain: normalised === asciiDomain(localDomain) ? null : normalised };
}
