import { createOAuthAPIClient, createRestAPIClient } from 'masto';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { type ActorRecord, contracts, type RemoteActorDescription, scopeSatisfied } from '@mammut/contracts';
import type { Bus } from '@mammut/platform';
import { authorizeWithPkce, clientCredentialsToken, createApp, type TestApp } from './oauth';

/** A running system to seed: its public origin, and its database (read, never written). */
export interface SeedTarget {
  readonly url: string;
  readonly databaseUrl: string;
}

export interface SeededUser {
  readonly accountId: string;
  readonly userId: string;
  readonly username: string;
  readonly email: string;
  readonly password: string;
  readonly token: string;
  /** The app the user signed up with, which issued `token`. */
  readonly app: TestApp;
}

const DEFAULT_SCOPES = ['read', 'write', 'follow'];

/**
 * A confirmed local user with an access token, made the way a client makes one, through the use
 * cases (registration rules, `account.created`): an app (`POST /api/v1/apps`), its
 * client-credentials token, then `POST /api/v1/accounts`, which answers the user's token when
 * registrations are open and no SMTP is configured (as in test systems); `locked` through
 * update_credentials. Sign-up gives the user the app token's scopes, which must include
 * `write:accounts`: other scope sets (`read`, `push`) come from the authorization-code flow, and
 * the sign-up token is then revoked, so the user holds exactly the token asked for.
 */
export async function seedUser(
  target: SeedTarget,
  options: { username?: string; scopes?: string[]; locked?: boolean } = {},
): Promise<SeededUser> {
  const { url } = target;
  const username = options.username ?? `user${randomBytes(3).toString('hex')}`;
  const scopes = options.scopes?.length ? options.scopes : DEFAULT_SCOPES;
  const bySignUp = scopeSatisfied(scopes, 'write:accounts');
  // An app's tokens take scopes it registered, exactly (`write` does not stand for `write:accounts`).
  const signUpScopes = bySignUp ? scopes : ['write:accounts'];
  const app = await createApp(url, {
    scopes: [...new Set([...DEFAULT_SCOPES, 'push', ...scopes, ...signUpScopes])].join(' '),
    name: 'Seeding client',
  });
  const appToken = await clientCredentialsToken(url, app, signUpScopes.join(' '));
  const email = `${username.toLowerCase()}@example.com`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const signedUp = await createRestAPIClient({ url, accessToken: appToken }).v1.accounts.create({
    username,
    email,
    password,
    agreement: true,
    locale: 'en',
  });
  if (options.locked) {
    await createRestAPIClient({ url, accessToken: signedUp.accessToken }).v1.accounts.updateCredentials({
      locked: true,
    });
  }
  let token = signedUp.accessToken;
  if (!bySignUp) {
    ({
      token: { accessToken: token },
    } = await authorizeWithPkce(url, { app, email, password, scopes: scopes.join(' ') }));
    await createOAuthAPIClient({ url }).revoke({
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      token: signedUp.accessToken,
    });
  }
  const { accountId, userId } = await localUserIds(target.databaseUrl, username);
  return { accountId, userId, username, email, password, token, app };
}

/** Local users by these usernames, seeded side by side (each as `seedUser` makes one). */
export function seedUsers(target: SeedTarget, usernames: readonly string[]): Promise<SeededUser[]> {
  return Promise.all(usernames.map((username) => seedUser(target, { username })));
}

/** The ids of a local user, read from the accounts schema (the API shows no user id). */
async function localUserIds(
  databaseUrl: string,
  username: string,
): Promise<{ accountId: string; userId: string }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ accountId: string; userId: string }>(
      `SELECT a.id::text AS "accountId", u.id::text AS "userId"
         FROM accounts.accounts a JOIN accounts.users u ON u.account_id = a.id
        WHERE a.domain IS NULL AND lower(a.username) = lower($1)`,
      [username],
    );
    if (rows.length !== 1) throw new Error(`no local user ${username} after sign-up`);
    return rows[0];
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
    emojis: [],
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
