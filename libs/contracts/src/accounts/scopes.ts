/** OAuth scopes as Mastodon defines them: parents satisfy their children. */
const readChildren = [
  'accounts',
  'blocks',
  'bookmarks',
  'favourites',
  'filters',
  'follows',
  'lists',
  'mutes',
  'notifications',
  'search',
  'statuses',
];
const writeChildren = [
  'accounts',
  'blocks',
  'bookmarks',
  'conversations',
  'favourites',
  'filters',
  'follows',
  'lists',
  'media',
  'mutes',
  'notifications',
  'reports',
  'statuses',
];
const adminChildren = [
  'accounts',
  'reports',
  'domain_allows',
  'domain_blocks',
  'ip_blocks',
  'email_domain_blocks',
  'canonical_email_blocks',
];

export const scopeParents: Readonly<Record<string, readonly string[]>> = Object.freeze({
  ...Object.fromEntries(readChildren.map((c) => [`read:${c}`, ['read']])),
  ...Object.fromEntries(writeChildren.map((c) => [`write:${c}`, ['write']])),
  ...Object.fromEntries(adminChildren.map((c) => [`admin:read:${c}`, ['admin:read']])),
  ...Object.fromEntries(adminChildren.map((c) => [`admin:write:${c}`, ['admin:write']])),
  // The deprecated `follow` scope still grants what it used to.
  'read:blocks': ['read', 'follow'],
  'read:follows': ['read', 'follow'],
  'read:mutes': ['read', 'follow'],
  'write:blocks': ['write', 'follow'],
  'write:follows': ['write', 'follow'],
  'write:mutes': ['write', 'follow'],
});

export const knownScopes: readonly string[] = Object.freeze([
  'read',
  'write',
  'follow',
  'push',
  'profile',
  'admin:read',
  'admin:write',
  ...Object.keys(scopeParents),
]);

/** Scopes that clients still send but Mastodon dropped: accepted and ignored. */
export const droppedScopes: readonly string[] = Object.freeze(['crypto']);

/** Splits a scope string (space- or `+`-separated) into a list without duplicates. */
export function parseScopes(value: string | string[] | undefined | null): string[] {
  const raw = Array.isArray(value) ? value.join(' ') : (value ?? '');
  return [...new Set(raw.split(/[\s+]+/).filter(Boolean))];
}

/** True when the granted scopes include `required` or one of its parents. */
export function scopeSatisfied(granted: readonly string[], required: string): boolean {
  if (granted.includes(required)) return true;
  return (scopeParents[required] ?? []).some((parent) => granted.includes(parent));
}

/** True when any of the accepted scopes is satisfied (e.g. `read:accounts` or `profile`). */
export function anyScopeSatisfied(granted: readonly string[], accepted: readonly string[]): boolean {
  return accepted.some((scope) => scopeSatisfied(granted, scope));
}
