/**
 * A host as domain blocks key it, Mastodon's DomainNormalizable: IDNA to ASCII, lower case, no
 * trailing dot; the port stays when one is named (an instance on a non-default port is its own
 * domain, as its accounts' handles say). Null for anything that is not a bare host.
 */
export function normalizeDomain(input: string): string | null {
  const text = input.trim();
  if (!text || /[/\\@?#\s]/.test(text)) return null;
  let url: URL;
  try {
    url = new URL(`http://${text}`);
  } catch {
    return null;
  }
  const hostname = url.hostname.replace(/\.+$/, '');
  if (!hostname || hostname.startsWith('.') || hostname.includes('..')) return null;
  return url.port ? `${hostname}:${url.port}` : hostname;
}

/**
 * The domains whose rules apply to `host`, most specific first: the host and each parent domain
 * (Mastodon's DomainBlock.rule_for), with its port first, then without, so a block of
 * `example.com` covers `a.example.com:8443` while a block naming a port covers only that port.
 */
export function ruleDomainsOf(host: string): string[] {
  const normalized = normalizeDomain(host);
  if (!normalized) return [];
  const url = new URL(`http://${normalized}`);
  const hostname = url.hostname;
  // An address has no parent domains.
  const parents = /^[\d.]+$|^\[/.test(hostname)
    ? [hostname]
    : hostname.split('.').map((_, i, labels) => labels.slice(i).join('.'));
  return [...(url.port ? parents.map((parent) => `${parent}:${url.port}`) : []), ...parents];
}
