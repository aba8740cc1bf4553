import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { type ActorRecord, contracts, type RemoteActorDescription } from '@mammut/contracts';
import { type Bus, IdGenerator } from '@mammut/platform';

const ids = new IdGenerator();

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
  const accountId = ids.next();
  const userId = ids.next();
  const appId = ids.next();
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO accounts.accounts (id, username, uri, url, locked) VALUES ($1, $2, $3, $4, $5)`,
      [accountId, username, `${origin}/users/${username}`, `${origin}/@${username}`, options.locked ?? false],
    );
    await client.query(
      `INSERT INTO accounts.users (id, account_id, email, encrypted_password, confirmed_at, agreement)
       VALUES ($1, $2, $3, 'unusable', now(), true)`,
      [userId, accountId, `${username}@example.com`],
    );
    await client.query(
      `INSERT INTO accounts.oauth_applications (id, name, redirect_uris, scopes, client_id, client_secret)
       VALUES ($1, 'seed', '{urn:ietf:wg:oauth:2.0:oob}', $2, $3, $4)`,
      [
        appId,
        options.scopes ?? ['read', 'write', 'follow'],
        randomBytes(16).toString('hex'),
        randomBytes(16).toString('hex'),
      ],
    );
    await client.query(
      `INSERT INTO accounts.oauth_access_tokens (id, token_digest, application_id, user_id, scopes) VALUES ($1, $2, $3, $4, $5)`,
      [
        ids.next(),
        createHash('sha256').update(token).digest('hex'),
        appId,
        userId,
        options.scopes ?? ['read', 'write', 'follow'],
      ],
    );
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  return { accountId, userId, username, token };
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
