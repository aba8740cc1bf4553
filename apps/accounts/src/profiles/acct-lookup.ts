import { splitAcct } from '../remote/domains';

/** One asked-for acct, as the unique index compares it: lower-case username, '' for local. */
export interface AcctLookup {
  readonly acct: string;
  readonly username: string;
  readonly domain: string;
}

/** Joins `a` (accounts) to the asked accts, `$1` usernames and `$2` domains; uses the username index. */
export const ACCT_JOIN = `JOIN unnest($1::text[], $2::text[]) AS w(username, domain)
  ON lower(a.username) = w.username AND COALESCE(lower(a.domain), '') = w.domain`;

export function acctLookups(accts: string[], localDomain: string): AcctLookup[] {
  return accts.map((acct) => {
    const { username, domain } = splitAcct(acct, localDomain);
    return { acct, username: username.toLowerCase(), domain: domain ?? '' };
  });
}

export const acctParams = (lookups: AcctLookup[]): [string[], string[]] => [
  lookups.map((l) => l.username),
  lookups.map((l) => l.domain),
];

/** Found rows in the order asked (an acct asked twice answers twice), and the accts that found none. */
export function inAcctOrder<R extends { username: string; domain: string | null }, T>(
  lookups: AcctLookup[],
  rows: R[],
  map: (row: R) => T,
): { found: T[]; missing: string[] } {
  const key = (username: string, domain: string | null): string =>
    `${username.toLowerCase()}@${(domain ?? '').toLowerCase()}`;
  const byKey = new Map(rows.map((row) => [key(row.username, row.domain), map(row)]));
  const found: T[] = [];
  const missing: string[] = [];
  for (const lookup of lookups) {
    const hit = byKey.get(key(lookup.username, lookup.domain));
    if (hit) found.push(hit);
    else missing.push(lookup.acct);
  }
  return { found, missing };
}
