import { createHash, randomBytes } from 'node:crypto';
import type { Client } from 'pg';

/** The scopes of every token the bench issues, as a client that reads, posts and follows asks. */
const SCOPES = ['read', 'write', 'follow'];

/**
 * Local accounts in bulk, one statement per table, in the caller's transaction; with a confirmed
 * user each when `users` is set (tokens need one). Ids come from the tables' defaults (ADR 0007);
 * the ids are answered in the order of `usernames`.
 */
export async function insertLocalAccounts(
  client: Client,
  origin: string,
  usernames: string[],
  options: { users: boolean },
): Promise<string[]> {
  const { rows } = await client.query<{ id: string; username: string }>(
    `INSERT INTO accounts.accounts (username, uri, url)
     SELECT name, $2 || '/users/' || name, $2 || '/@' || name FROM unnest($1::text[]) AS name
     RETURNING id::text, username`,
    [usernames, origin],
  );
  const idOf = new Map(rows.map((row) => [row.username, row.id]));
  const ids = usernames.map((name) => {
    const id = idOf.get(name);
    if (!id) throw new Error(`${name} was not inserted`);
    return id;
  });
  if (options.users) {
    await client.query(
      `INSERT INTO accounts.users (account_id, email, encrypted_password, confirmed_at, agreement)
       SELECT id, name || '@example.com', 'unusable', now(), true
         FROM unnest($1::bigint[], $2::text[]) AS a(id, name)`,
      [ids, usernames],
    );
  }
  return ids;
}

/** Follow rows from each follower to each of its targets (pairs), in one statement. */
export async function insertFollows(
  client: Client,
  pairs: [follower: string, target: string][],
): Promise<void> {
  if (!pairs.length) return;
  await client.query(
    `INSERT INTO accounts.follows (account_id, target_account_id)
     SELECT * FROM unnest($1::bigint[], $2::bigint[])`,
    [pairs.map(([follower]) => follower), pairs.map(([, target]) => target)],
  );
}

/**
 * A `read write follow` access token for the user of each account, all of one application, in
 * the order of `accountIds`. Only their digests are stored, as the accounts service stores them.
 */
export async function issueTokens(client: Client, accountIds: string[]): Promise<string[]> {
  if (!accountIds.length) return [];
  const { rows: apps } = await client.query<{ id: string }>(
    `INSERT INTO accounts.oauth_applications (name, redirect_uris, scopes, client_id, client_secret)
     VALUES ('bench', '{urn:ietf:wg:oauth:2.0:oob}', $1, $2, $3) RETURNING id::text`,
    [SCOPES, randomBytes(16).toString('hex'), randomBytes(16).toString('hex')],
  );
  const tokens = accountIds.map(() => randomBytes(32).toString('base64url'));
  const { rowCount } = await client.query(
    `INSERT INTO accounts.oauth_access_tokens (token_digest, application_id, user_id, scopes)
     SELECT t.digest, $3, u.id, $4
       FROM unnest($1::bigint[], $2::text[]) AS t(account_id, digest)
       JOIN accounts.users u ON u.account_id = t.account_id`,
    [accountIds, tokens.map((token) => createHash('sha256').update(token).digest('hex')), apps[0].id, SCOPES],
  );
  if (rowCount !== accountIds.length) throw new Error('a token was asked for an account without a user');
  return tokens;
}

/**
 * The counters a running instance keeps on accounts (follows both ways, statuses and the last
 * one's time), recomputed from the rows the seeders wrote, so profiles in the answers look real.
 */
export async function recountAccounts(client: Client): Promise<void> {
  await client.query(
    `UPDATE accounts.accounts a
        SET following_count = (SELECT count(*) FROM accounts.follows f WHERE f.account_id = a.id),
            followers_count = (SELECT count(*) FROM accounts.follows f WHERE f.target_account_id = a.id),
            statuses_count = s.count,
            last_status_at = s.last
       FROM (SELECT a2.id, count(st.id) AS count, max(st.created_at) AS last
               FROM accounts.accounts a2 LEFT JOIN statuses.statuses st ON st.account_id = a2.id
              GROUP BY a2.id) s
      WHERE s.id = a.id`,
  );
}
