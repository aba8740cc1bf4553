import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface SeededUser {
  readonly accountId: string;
  readonly userId: string;
  readonly username: string;
  readonly token: string;
}

/**
 * Seeds a confirmed local user with an access token straight into a test database: for
 * integration tests of routes whose sign-in path is not the subject of the test.
 */
export async function seedUser(
  databaseUrl: string,
  origin: string,
  options: { username?: string; scopes?: string[]; locked?: boolean } = {},
): Promise<SeededUser> {
  const username = options.username ?? `user${randomBytes(3).toString('hex')}`;
  const token = randomBytes(32).toString('base64url');
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    // Ids from the tables' defaults, as every writer gets them (ADR 0007).
    const inserted = async (sql: string, params: unknown[]): Promise<string> =>
      (await client.query<{ id: string }>(`${sql} RETURNING id::text`, params)).rows[0].id;
    const accountId = await inserted(
      `INSERT INTO accounts.accounts (username, uri, url, locked) VALUES ($1, $2, $3, $4)`,
      [username, `${origin}/users/${username}`, `${origin}/@${username}`, options.locked ?? false],
    );
    const userId = await inserted(
      `INSERT INTO accounts.users (account_id, email, encrypted_password, confirmed_at, agreement)
       VALUES ($1, $2, 'unusable', now(), true)`,
      [accountId, `${username}@example.com`],
    );
    const appId = await inserted(
      `INSERT INTO accounts.oauth_applications (name, redirect_uris, scopes, client_id, client_secret)
       VALUES ('seed', '{urn:ietf:wg:oauth:2.0:oob}', $1, $2, $3)`,
      [
        options.scopes ?? ['read', 'write', 'follow'],
        randomBytes(16).toString('hex'),
        randomBytes(16).toString('hex'),
      ],
    );
    await client.query(
      `INSERT INTO accounts.oauth_access_tokens (token_digest, application_id, user_id, scopes) VALUES ($1, $2, $3, $4)`,
      [
        createHash('sha256').update(token).digest('hex'),
        appId,
        userId,
        options.scopes ?? ['read', 'write', 'follow'],
      ],
    );
    await client.query('COMMIT');
    return { accountId, userId, username, token };
  } finally {
    await client.end();
  }
}
