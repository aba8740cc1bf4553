import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The bench's viewer: a confirmed local user and its access token. */
export interface SeededViewer {
  readonly accountId: string;
  readonly token: string;
}

/**
 * Inserts a confirmed local user with a `read write follow` token straight into the database. The
 * bench seeds before the system under measurement starts, as it seeds its relationships, so by
 * SQL; tests make their users through the API instead (test-e2e/support/factories.ts).
 */
export async function seedViewer(
  databaseUrl: string,
  origin: string,
  username: string,
): Promise<SeededViewer> {
  const token = randomBytes(32).toString('base64url');
  const scopes = ['read', 'write', 'follow'];
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    // Ids from the tables' defaults, as every writer gets them (ADR 0007).
    const inserted = async (sql: string, params: unknown[]): Promise<string> =>
      (await client.query<{ id: string }>(`${sql} RETURNING id::text`, params)).rows[0].id;
    const accountId = await inserted(
      `INSERT INTO accounts.accounts (username, uri, url) VALUES ($1, $2, $3)`,
      [username, `${origin}/users/${username}`, `${origin}/@${username}`],
    );
    const userId = await inserted(
      `INSERT INTO accounts.users (account_id, email, encrypted_password, confirmed_at, agreement)
       VALUES ($1, $2, 'unusable', now(), true)`,
      [accountId, `${username}@example.com`],
    );
    const appId = await inserted(
      `INSERT INTO accounts.oauth_applications (name, redirect_uris, scopes, client_id, client_secret)
       VALUES ('bench', '{urn:ietf:wg:oauth:2.0:oob}', $1, $2, $3)`,
      [scopes, randomBytes(16).toString('hex'), randomBytes(16).toString('hex')],
    );
    await client.query(
      `INSERT INTO accounts.oauth_access_tokens (token_digest, application_id, user_id, scopes) VALUES ($1, $2, $3, $4)`,
      [createHash('sha256').update(token).digest('hex'), appId, userId, scopes],
    );
    await client.query('COMMIT');
    return { accountId, token };
  } finally {
    await client.end();
  }
}
