import { type AdminUser, ContractError, contracts } from '@mammut/contracts';
import { type Bus, loadConfig } from '@mammut/platform';
import { cloneTemplateDatabase, dropDatabase, testInfra, uniqueName } from '@mammut/testing';
import { Client } from 'pg';
import { remoteActor } from '../../../../test-e2e/support/factories';
import { PasswordHasher } from '../passwords/password-hasher';
import { FakeSmtp } from '../../../../test-e2e/support/fake-smtp';
import { type HostedAccounts, hostAccounts } from './accounts-admin';

jest.setTimeout(30_000);

const admin = contracts.accounts.admin;

/**
 * The operator's requests behind `npm run mammut -- accounts …`, sent over the bus to the accounts
 * service hosted in process (as the CLI does), on a database cloned from the migrated template.
 * Every change is also asserted as the event it wrote, as an API change would.
 */
describe('operator requests: users and accounts, each change an event', () => {
  const infra = testInfra();
  let databaseUrl: string;
  let accounts: HostedAccounts;
  let bus: Bus;
  let db: Client;
  const config = (url: string, env: Record<string, string> = {}): ReturnType<typeof loadConfig> =>
    loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: url,
      REDIS_URL: infra.redisUrl,
      NATS_URL: infra.natsUrl,
      NATS_PREFIX: uniqueName('admin'),
      LOCAL_DOMAIN: 'mammut.test',
      LOCAL_HTTPS: 'true',
      PASSWORD_HASH_MEMORY_KIB: '4096',
      LOG_LEVEL: 'silent',
      ...env,
    });

  beforeAll(async () => {
    databaseUrl = await cloneTemplateDatabase(infra);
    accounts = await hostAccounts(config(databaseUrl));
    bus = accounts.bus;
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await accounts?.close();
    if (databaseUrl) await dropDatabase(infra, databaseUrl);
  });

  const failure = async (work: Promise<unknown>): Promise<ContractError> => {
    const error: unknown = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof ContractError)) throw new Error(`expected a ContractError, got ${String(error)}`);
    return error;
  };

  /** The events written about one account (or by it, for relationships), oldest first. */
  const eventsOf = async (accountId: string): Promise<[string, Record<string, unknown>][]> =>
    (
      await db.query<{ subject: string; payload: Record<string, unknown> }>(
        `SELECT subject, payload FROM accounts.outbox
          WHERE payload->>'accountId' = $1 OR payload->>'targetAccountId' = $1 ORDER BY id`,
        [accountId],
      )
    ).rows.map((row) => [row.subject, row.payload]);

  const create = async (username: string, extra: { confirmed?: boolean } = {}): Promise<AdminUser> =>
    (
      await bus.request(admin.createUser, {
        username,
        email: `${username.toLowerCase()}@example.com`,
        confirmed: extra.confirmed ?? true,
      })
    ).user;

  it('creates a confirmed admin (reserved names are the operator’s) with a working generated password', async () => {
    const { user, password } = await bus.request(admin.createUser, {
      username: 'admin',
      email: 'admin@example.com',
      role: 'admin',
      confirmed: true,
    });
    expect(user).toMatchObject({
      username: 'admin',
      email: 'admin@example.com',
      role: 'admin',
      confirmed: true,
      approved: true,
      disabled: false,
      suspended: false,
      silenced: false,
      lastSignInAt: null,
    });
    expect(password).toMatch(/^[0-9a-f]{32}$/);
    const rows = (
      await db.query<{ uri: string; url: string; encrypted_password: string }>(
        `SELECT a.uri, a.url, u.encrypted_password FROM accounts.accounts a JOIN accounts.users u ON u.account_id = a.id
          WHERE a.id = $1`,
        [user.accountId],
      )
    ).rows;
    expect(rows[0].uri).toBe('https://mammut.test/users/admin');
    expect(rows[0].url).toBe('https://mammut.test/@admin');
    const hasher = new PasswordHasher(config(databaseUrl));
    expect(await hasher.verify(rows[0].encrypted_password, password)).toBe(true);
    expect(await hasher.verify(rows[0].encrypted_password, 'wrong password')).toBe(false);
    // Confirmed and approved from the start: usable at once, which staff hear of.
    expect(await eventsOf(user.accountId)).toEqual([
      ['events.accounts.account.created', { accountId: user.accountId, username: 'admin', domain: null }],
      ['events.accounts.user.activated', { accountId: user.accountId, userId: user.userId }],
    ]);
  });

  it('creates an unconfirmed user with the default role', async () => {
    const { user } = await bus.request(admin.createUser, { username: 'Carol_2', email: 'carol@example.com' });
    expect(user).toMatchObject({ username: 'Carol_2', role: 'user', confirmed: false, approved: true });
  });

  it('refuses a taken username or address (any case) with a clear message, and writes nothing', async () => {
    await create('Taken');
    const before = await db.query(`SELECT (SELECT count(*) FROM accounts.users) AS users,
      (SELECT count(*) FROM accounts.outbox) AS events`);
    const name = await failure(
      bus.request(admin.createUser, { username: 'TAKEN', email: 'other@example.com', confirmed: true }),
    );
    expect(name.code).toBe('unprocessable');
    expect(name.message).toBe('Validation failed: Username has already been taken');
    const email = await failure(
      bus.request(admin.createUser, { username: 'other', email: 'Taken@Example.com', confirmed: true }),
    );
    expect(email.message).toBe('Validation failed: Email has already been taken');
    const after = await db.query(`SELECT (SELECT count(*) FROM accounts.users) AS users,
      (SELECT count(*) FROM accounts.outbox) AS events`);
    expect(after.rows).toEqual(before.rows);
  });

  it('applies the sign-up rules to usernames and addresses, and refuses a malformed request', async () => {
    const error = await failure(
      bus.request(admin.createUser, { username: 'bad name!', email: 'not-an-address', confirmed: true }),
    );
    expect(error.code).toBe('unprocessable');
    expect(error.message).toBe(
      'Validation failed: Username must contain only letters, numbers and underscores, Email is invalid',
    );
    const long = await failure(
      bus.request(admin.createUser, { username: 'x'.repeat(31), email: 'x@example.com', confirmed: true }),
    );
    expect(long.details?.username?.[0].error).toBe('ERR_TOO_LONG');
    const malformed = await failure(bus.request(admin.modifyUser, { userId: 'carol' } as never));
    expect(malformed.code).toBe('invalid_request');
  });

  /**
   * A sign-up awaiting review whose address is not confirmed yet, as registration makes it where
   * sign-ups are reviewed and confirmations mailed: the accounts service so configured, on the
   * same database, asked as the gateway asks it.
   */
  const pendingSignUp = async (username: string): Promise<AdminUser & { confirmationToken: string }> => {
    const smtp = new FakeSmtp();
    let confirmationToken = '';
    const reviewing = await hostAccounts(
      config(databaseUrl, { REGISTRATIONS_MODE: 'approved', SMTP_URL: await smtp.start() }),
    );
    try {
      const { application } = await reviewing.bus.request(contracts.accounts.oauth.createApplication, {
        name: 'Sign-up client',
        website: null,
        redirectUris: ['urn:ietf:wg:oauth:2.0:oob'],
        scopes: 'read write',
      });
      await reviewing.bus.request(contracts.accounts.registration.createRegistration, {
        applicationId: application.id,
        scopes: ['read', 'write'],
        username,
        email: `${username}@example.com`,
        password: 'password123',
        agreement: true,
        locale: 'en',
        reason: 'I would like to join',
      });
      const [mail] = await smtp.mailsTo(`${username}@example.com`);
      // The token of the mailed link (quoted-printable soft breaks and `=3D` undone).
      confirmationToken =
        /confirmation_token=([\w-]+)/.exec(mail.data.replace(/=\r?\n/g, '').replace(/=3D/g, '='))?.[1] ?? '';
    } finally {
      await reviewing.close();
      await smtp.stop();
    }
    return { ...(await bus.request(admin.getUser, { username })), confirmationToken };
  };

  it('confirms an address through the mailed link, as user.confirmed', async () => {
    const ivy = await pendingSignUp('ivy');
    const confirm = contracts.accounts.registration.confirmEmail;
    expect(await bus.request(confirm, { confirmationToken: ivy.confirmationToken })).toEqual({
      confirmed: true,
    });
    expect(await bus.request(confirm, { confirmationToken: ivy.confirmationToken })).toEqual({
      confirmed: false,
    });
    expect((await bus.request(admin.getUser, { username: 'ivy' })).confirmed).toBe(true);
    expect((await eventsOf(ivy.accountId)).map(([subject]) => subject)).toEqual([
      'events.accounts.account.created',
      'events.accounts.user.confirmed',
    ]);
  });

  it('modifies role, confirmation, approval and the disabled flag, each an event', async () => {
    const dave = await pendingSignUp('dave');
    expect(dave).toMatchObject({ confirmed: false, approved: false });
    const changed = await bus.request(admin.modifyUser, {
      userId: dave.userId,
      role: 'moderator',
      confirm: true,
      approve: true,
      disabled: true,
    });
    expect(changed).toMatchObject({
      username: 'dave',
      role: 'moderator',
      confirmed: true,
      approved: true,
      disabled: true,
    });
    const enabled = await bus.request(admin.modifyUser, { userId: dave.userId, disabled: false });
    // Options not given keep their values.
    expect(enabled).toMatchObject({ role: 'moderator', confirmed: true, approved: true, disabled: false });
    // The same values again change nothing and say nothing.
    await bus.request(admin.modifyUser, { userId: dave.userId, role: 'moderator', disabled: false });
    const user = { userId: dave.userId, accountId: dave.accountId };
    expect((await eventsOf(dave.accountId)).slice(1)).toEqual([
      ['events.accounts.user_role.changed', { ...user, role: 'moderator', previousRole: 'user' }],
      ['events.accounts.user.confirmed', user],
      ['events.accounts.user.approved', user],
      ['events.accounts.user.activated', user],
      ['events.accounts.user.disabled', user],
      ['events.accounts.user.enabled', user],
    ]);
  });

  it('refuses unknown users', async () => {
    const unknown = await failure(bus.request(admin.getUser, { username: 'nobody' }));
    expect(unknown.code).toBe('not_found');
    expect(unknown.message).toBe('No local user named nobody');
    expect((await failure(bus.request(admin.modifyUser, { userId: '999999', role: 'admin' }))).code).toBe(
      'not_found',
    );
  });

  it('suspends, silences and lifts both, idempotently, each change an event', async () => {
    const erin = await create('erin');
    const { accountId } = erin;
    expect(await bus.request(admin.suspendAccount, { accountId })).toEqual({ accountId, suspended: true });
    expect(await bus.request(admin.suspendAccount, { accountId })).toEqual({ accountId, suspended: true });
    expect(await bus.request(admin.silenceAccount, { accountId })).toEqual({ accountId, silenced: true });
    expect((await bus.request(admin.getUser, { username: 'erin' })).suspended).toBe(true);
    expect(await bus.request(admin.unsuspendAccount, { accountId })).toEqual({ accountId, suspended: false });
    expect(await bus.request(admin.unsilenceAccount, { accountId })).toEqual({ accountId, silenced: false });
    expect(await bus.request(admin.unsilenceAccount, { accountId })).toEqual({ accountId, silenced: false });
    expect((await eventsOf(accountId)).slice(1).map(([subject]) => subject)).toEqual([
      'events.accounts.user.activated',
      'events.accounts.account.suspended',
      'events.accounts.account.silenced',
      'events.accounts.account.unsuspended',
      'events.accounts.account.unsilenced',
    ]);
    // One aggregate per account, numbered in commit order: consumers apply them in that order.
    const numbered = await db.query<{ aggregate: string; v: number }>(
      `SELECT aggregate, aggregate_version::int AS v FROM accounts.outbox WHERE payload->>'accountId' = $1 ORDER BY id`,
      [accountId],
    );
    expect(numbered.rows).toEqual([1, 2, 3, 4, 5, 6].map((v) => ({ aggregate: `account:${accountId}`, v })));
    expect((await failure(bus.request(admin.suspendAccount, { accountId: '999999' }))).code).toBe(
      'not_found',
    );
  });

  it('deletes an account: its relationships end with their events, the user goes, the name stays taken', async () => {
    const [frank, gina] = [await create('frank'), await create('gina')];
    const relationships = contracts.accounts.relationships;
    await bus.request(relationships.follow, { viewerId: frank.accountId, targetId: gina.accountId });
    await bus.request(relationships.follow, { viewerId: gina.accountId, targetId: frank.accountId });
    await bus.request(relationships.mute, { viewerId: gina.accountId, targetId: frank.accountId });

    await bus.request(admin.deleteAccount, { accountId: frank.accountId });
    await bus.request(admin.deleteAccount, { accountId: frank.accountId });

    const deletedEvents = (await eventsOf(frank.accountId)).filter(([, payload]) =>
      ['account_deleted', undefined].includes(payload.reason as string | undefined),
    );
    expect(deletedEvents.slice(-4)).toEqual([
      [
        'events.accounts.follow.removed',
        { accountId: frank.accountId, targetAccountId: gina.accountId, reason: 'account_deleted' },
      ],
      [
        'events.accounts.follow.removed',
        { accountId: gina.accountId, targetAccountId: frank.accountId, reason: 'account_deleted' },
      ],
      [
        'events.accounts.mute.removed',
        { accountId: gina.accountId, targetAccountId: frank.accountId, reason: 'account_deleted' },
      ],
      ['events.accounts.account.deleted', { accountId: frank.accountId }],
    ]);
    const gone = await db.query(
      `SELECT (SELECT count(*)::int FROM accounts.users WHERE account_id = $1) AS users,
              (SELECT count(*)::int FROM accounts.follows WHERE account_id = $1 OR target_account_id = $1) AS follows,
              (SELECT followers_count FROM accounts.accounts WHERE id = $2) AS gina_followers,
              (SELECT following_count FROM accounts.accounts WHERE id = $2) AS gina_following,
              (SELECT suspended_at IS NOT NULL AND deleted_at IS NOT NULL FROM accounts.accounts WHERE id = $1) AS tombstone`,
      [frank.accountId, gina.accountId],
    );
    expect(gone.rows[0]).toEqual({
      users: 0,
      follows: 0,
      gina_followers: 0,
      gina_following: 0,
      tombstone: true,
    });
    const again = await failure(
      bus.request(admin.createUser, { username: 'frank', email: 'new-frank@example.com', confirmed: true }),
    );
    expect(again.message).toBe('Validation failed: Username has already been taken');
    expect((await failure(bus.request(admin.unsuspendAccount, { accountId: frank.accountId }))).code).toBe(
      'forbidden',
    );
  });

  it('moves a local account to one that lists it as an alias, or when forced, as account.moved', async () => {
    const hal = await create('hal');
    const [{ uri }] = (
      await db.query<{ uri: string }>(`SELECT uri FROM accounts.accounts WHERE id = $1`, [hal.accountId])
    ).rows;
    const save = (username: string, alsoKnownAs: string[]): Promise<{ account: { id: string } }> =>
      bus.request(
        contracts.accounts.remote.saveRemoteAccount,
        remoteActor(username, 'elsewhere.test', { alsoKnownAs }),
      );
    const stranger = (await save('stranger', [])).account;
    const refused = await failure(
      bus.request(admin.moveAccount, { accountId: hal.accountId, targetAccountId: stranger.id }),
    );
    expect(refused.code).toBe('unprocessable');
    const newHome = (await save('hal', [uri])).account;
    expect(
      await bus.request(admin.moveAccount, { accountId: hal.accountId, targetAccountId: newHome.id }),
    ).toEqual({ accountId: hal.accountId, movedToAccountId: newHome.id });
    // Again: nothing more happens. Forced elsewhere: the operator's word stands in for the alias.
    await bus.request(admin.moveAccount, { accountId: hal.accountId, targetAccountId: newHome.id });
    await bus.request(admin.moveAccount, {
      accountId: hal.accountId,
      targetAccountId: stranger.id,
      force: true,
    });
    expect((await eventsOf(hal.accountId)).filter(([subject]) => subject.endsWith('.moved'))).toEqual([
      [
        'events.accounts.account.moved',
        { accountId: hal.accountId, targetAccountId: newHome.id, followersMove: true },
      ],
      [
        'events.accounts.account.moved',
        { accountId: hal.accountId, targetAccountId: stranger.id, followersMove: true },
      ],
    ]);
  });

  it('lists local users oldest first', async () => {
    const older = await create('older');
    const newer = await create('newer', { confirmed: false });
    const { users } = await bus.request(admin.listUsers, {});
    const listed = users.filter((u) => [older.userId, newer.userId].includes(u.userId));
    expect(listed.map((u) => [u.username, u.confirmed])).toEqual([
      ['older', true],
      ['newer', false],
    ]);
  });
});
