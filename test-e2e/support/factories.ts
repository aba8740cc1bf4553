import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { type ActorRecord, contracts, type RemoteActorDescription } from '@mammut/contracts';
import type { Bus } from '@mammut/platform';

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

let remoteKey: string | undefined;
/** One RSA public key (SPKI PEM) for every remote actor of a test run: generating is slow. */
function remotePublicKey(): string {
  remoteKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string;
  return remoteKey;
}

/**
 * A remote actor as federation describes it after fetching a Mastodon actor document and
 * confirming the handle through WebFinger: Mastodon's URL layout on `domain`.
 */
export function remoteActor(
  username: string,
  domain: string,
  overrides: Partial<RemoteActorDescription> = {},
): RemoteActorDescription {
  const uri = `https://${domain}/users/${username}`;
  return {
    uri,
    username,
    domain,
    actorType: 'Person',
    url: `https://${domain}/@${username}`,
    displayName: username,
    note: '<p>Hello from afar</p>',
    avatarRemoteUrl: `https://${domain}/system/accounts/avatars/${username}.png`,
    headerRemoteUrl: null,
    locked: false,
    discoverable: true,
    indexable: true,
    memorial: false,
    hideCollections: false,
    fields: [],
    inboxUrl: `${uri}/inbox`,
    sharedInboxUrl: `https://${domain}/inbox`,
    outboxUrl: `${uri}/outbox`,
    followersUrl: `${uri}/followers`,
    followingUrl: `${uri}/following`,
    featuredCollectionUrl: `${uri}/collections/featured`,
    publicKey: remotePublicKey(),
    publicKeyId: `${uri}#main-key`,
    alsoKnownAs: [],
    movedToUri: null,
    published: '2023-04-05T00:00:00Z',
    webfingeredAt: new Date().toISOString(),
    ...overrides,
  };
}

/** Saves a remote account through the contract federation calls, as federation will. */
export async function saveRemoteAccount(
  bus: Bus,
  username: string,
  domain: string,
  overrides: Partial<RemoteActorDescription> = {},
): Promise<ActorRecord> {
  const { account } = await bus.request(
    contracts.accounts.remote.saveRemoteAccount,
    remoteActor(username, domain, overrides),
  );
  return account;
}
