import { Inject, Injectable } from '@nestjs/common';
import {
  type ApplicationRecord,
  contracts,
  droppedScopes,
  knownScopes,
  parseScopes,
  type RequestOf,
  type ResponseOf,
} from '@mammut/contracts';
import { timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { Validation } from '../profiles/validation';
import { digestOf, newSecret } from '../tokens/token-digest';

export const APPLICATION_LIMITS = { name: 60, website: 2000, redirectUri: 2000, redirectUris: 32 } as const;

export const OOB_REDIRECT_URI = 'urn:ietf:wg:oauth:2.0:oob';

/** Schemes a browser would run rather than navigate to: never a redirect target. */
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

interface ApplicationRow {
  id: string;
  name: string;
  website: string | null;
  redirect_uris: string[];
  scopes: string[];
  client_id: string;
  client_secret: string;
}

const toRecord = (row: ApplicationRow): ApplicationRecord => ({
  id: row.id,
  name: row.name,
  website: row.website,
  scopes: row.scopes,
  redirectUris: row.redirect_uris,
  clientId: row.client_id,
});

/** Why a redirect URI is refused, in Doorkeeper's words, or null when it is acceptable. */
export function redirectUriProblem(uri: string): string | null {
  if (uri === OOB_REDIRECT_URI) return null;
  // As Ruby's URI.parse (Doorkeeper): only ASCII, no control characters. A browser would send a
  // non-ASCII URI percent-encoded, so the client must register it that way.
  if (/[^\x20-\x7e]/.test(uri)) return 'must be a valid URI.';
  // `new URL` would read `host:port/x` as a scheme; a real scheme is letters first, then a colon.
  if (!/^[a-z][a-z0-9+.-]*:/i.test(uri) || /\s/.test(uri)) return 'must be an absolute URI.';
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return 'must be a valid URI.';
  }
  if (FORBIDDEN_SCHEMES.has(parsed.protocol)) return 'is forbidden by the server.';
  if (parsed.hash || uri.includes('#')) return 'cannot contain a fragment.';
  return null;
}

/** OAuth clients: registration (`POST /api/v1/apps`), lookup, and client authentication. */
@Injectable()
export class Applications {
  constructor(@Inject(ACCOUNTS_DB) private readonly db: DataSource) {}

  async create(
    input: RequestOf<typeof contracts.accounts.oauth.createApplication>,
  ): Promise<ResponseOf<typeof contracts.accounts.oauth.createApplication>> {
    const name = input.name.trim();
    const website = input.website?.trim() || null;
    const redirectUris = input.redirectUris.map((uri) => uri.trim()).filter(Boolean);
    const scopes = parseScopes(input.scopes).filter((scope) => !droppedScopes.includes(scope));
    const v = new Validation();
    if (!name) v.add('name', 'ERR_BLANK', "Name can't be blank");
    v.maxLength('name', 'Name', name, APPLICATION_LIMITS.name);
    v.noNul('name', 'Name', name);
    if (website !== null) {
      v.maxLength('website', 'Website', website, APPLICATION_LIMITS.website);
      if (!/^https?:\/\/[^\s]+$/i.test(website)) v.add('website', 'ERR_INVALID', 'Website is invalid');
    }
    if (!redirectUris.length) v.add('redirect_uri', 'ERR_BLANK', "Redirect URI can't be blank");
    if (redirectUris.length > APPLICATION_LIMITS.redirectUris) {
      v.add('redirect_uri', 'ERR_TOO_LONG', 'Redirect URI has too many entries');
    }
    for (const uri of redirectUris) {
      if (uri.length > APPLICATION_LIMITS.redirectUri) {
        v.add('redirect_uri', 'ERR_TOO_LONG', `Redirect URI is too long (maximum is 2000 characters)`);
      } else {
        const problem = redirectUriProblem(uri);
        if (problem) v.add('redirect_uri', 'ERR_INVALID', `Redirect URI ${problem}`);
      }
    }
    const unknown = scopes.filter((scope) => !knownScopes.includes(scope));
    if (unknown.length) v.add('scopes', 'ERR_INVALID', 'Scopes must contain only known scopes');
    v.throwIfInvalid();

    const clientSecret = newSecret();
    const rows: ApplicationRow[] = await this.db.query(
      `INSERT INTO accounts.oauth_applications (name, website, redirect_uris, scopes, client_id, client_secret)
       VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING id, name, website, redirect_uris, scopes, client_id, client_secret`,
      [
        name,
        website,
        [...new Set(redirectUris)],
        scopes.length ? scopes : ['read'],
        newSecret(),
        // Only the digest is kept: a database leak must not let anyone act as the client.
        digestOf(clientSecret),
      ],
    );
    return { application: toRecord(rows[0]), clientSecret };
  }

  async find(ids: string[], clientIds: string[]): Promise<ApplicationRecord[]> {
    if (!ids.length && !clientIds.length) return [];
    const rows: ApplicationRow[] = await this.db.query(
      `SELECT id, name, website, redirect_uris, scopes, client_id, client_secret
         FROM accounts.oauth_applications WHERE id = ANY($1::bigint[]) OR client_id = ANY($2::text[])`,
      [ids, clientIds],
    );
    return rows.map(toRecord);
  }

  /** The application whose id and secret both match, or null; compares digests in constant time. */
  async authenticate(clientId: string, clientSecret: string): Promise<ApplicationRecord | null> {
    if (!clientId || !clientSecret) return null;
    const rows: ApplicationRow[] = await this.db.query(
      `SELECT id, name, website, redirect_uris, scopes, client_id, client_secret
         FROM accounts.oauth_applications WHERE client_id = $1`,
      [clientId],
    );
    const row = rows[0];
    if (!row) return null;
    const expected = Buffer.from(row.client_secret);
    const given = Buffer.from(digestOf(clientSecret));
    return expected.length === given.length && timingSafeEqual(expected, given) ? toRecord(row) : null;
  }
}
