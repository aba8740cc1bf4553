/** The `self` link types Mastodon follows to an actor (ResolveAccountService#activitypub_ready?). */
const ACTIVITYPUB_TYPES = [
  'application/activity+json',
  'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
];

/** A handle split as WebFinger subjects and `acct:` resources write it; the domain may carry a port. */
export interface Handle {
  readonly username: string;
  readonly domain: string;
}

const USERNAME = /^[a-z0-9_.-]{1,200}$/i;
/** A host name or IPv4 address, with an optional port: what a handle's domain may be. */
const DOMAIN = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*(:\d{1,5})?$/i;

/** `user@domain`, `@user@domain` or `acct:user@domain` as a handle; null when it is not one. */
export function parseHandle(text: string): Handle | null {
  const value = text
    .trim()
    .replace(/^acct:/i, '')
    .replace(/^@/, '');
  const at = value.lastIndexOf('@');
  if (at <= 0) return null;
  const username = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (!USERNAME.test(username) || domain.length > 300 || !DOMAIN.test(domain)) return null;
  return { username, domain };
}

export const sameHandle = (a: Handle, b: Handle): boolean =>
  a.username.toLowerCase() === b.username.toLowerCase() && a.domain.toLowerCase() === b.domain.toLowerCase();

/** What a WebFinger answer says: whose handle it is, and where that account's actor is. */
export interface WebfingerAnswer {
  readonly subject: Handle;
  readonly actorUri: string;
}

export type ParsedJrd =
  | { readonly ok: true; readonly answer: WebfingerAnswer }
  | { readonly ok: false; readonly error: string };

/** `https:` always; `http:` only where federation runs on plain http (development and tests). */
export function allowedUrl(text: unknown, scheme: 'https' | 'http'): text is string {
  if (typeof text !== 'string' || text.length > 2048) return false;
  try {
    const url = new URL(text);
    return (
      (url.protocol === 'https:' || (scheme === 'http' && url.protocol === 'http:')) && url.hostname !== ''
    );
  } catch {
    return false;
  }
}

/**
 * A WebFinger answer (JRD) as Mastodon reads it: a `subject` naming an `acct:` handle and a `self`
 * link of an ActivityPub type to the actor, on a scheme we may fetch. Anything else (not JSON, no
 * subject, no such link, another type) is refused with the reason, never thrown.
 */
export function parseJrd(body: string, scheme: 'https' | 'http'): ParsedJrd {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { ok: false, error: 'not a JRD' };
  const { subject, links } = json as { subject?: unknown; links?: unknown };
  const handle = typeof subject === 'string' ? parseHandle(subject) : null;
  if (!handle) return { ok: false, error: 'no acct subject' };
  if (!Array.isArray(links)) return { ok: false, error: 'no links' };
  const self = links.find(
    (link): link is { href?: unknown } =>
      typeof link === 'object' &&
      link !== null &&
      (link as { rel?: unknown }).rel === 'self' &&
      ACTIVITYPUB_TYPES.includes((link as { type?: unknown }).type as string),
  );
  if (!self) return { ok: false, error: 'no ActivityPub self link' };
  if (!allowedUrl(self.href, scheme)) return { ok: false, error: 'self link is not a URL we may fetch' };
  return { ok: true, answer: { subject: handle, actorUri: self.href } };
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const unescapeXml = (text: string): string =>
  text.replace(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => {
    if (entity[0] !== '#') return XML_ENTITIES[entity.toLowerCase()];
    const code =
      entity[1].toLowerCase() === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });

/**
 * The `lrdd` template of a host-meta XRD (`<Link rel="lrdd" template="…{uri}"/>`), where a server
 * whose handle domain is not its web domain says WebFinger lives; null without a usable one.
 */
export function lrddTemplate(xml: string, scheme: 'https' | 'http'): string | null {
  for (const [element] of xml.matchAll(/<Link\b[^>]*>/gi)) {
    const attribute = (name: string): string | undefined => {
      const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(element);
      return match ? unescapeXml(match[1] ?? match[2]) : undefined;
    };
    if (attribute('rel')?.toLowerCase() !== 'lrdd') continue;
    const template = attribute('template');
    if (!template?.includes('{uri}')) return null;
    return allowedUrl(template.replace('{uri}', 'x'), scheme) ? template : null;
  }
  return null;
}
