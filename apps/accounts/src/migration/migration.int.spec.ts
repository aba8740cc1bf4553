import { type AdminUser, ContractError, contracts } from '@mammut/contracts';
import { type Bus, loadConfig } from '@mammut/platform';
import { cloneTemplateDatabase, dropDatabase, testInfra, uniqueName } from '@mammut/testing';
import { Client } from 'pg';
import { remoteActor } from '../../../../test-e2e/support/factories';
import { type HostedAccounts, hostAccounts } from '../admin/accounts-admin';

jest.setTimeout(30_000);

const migration = contracts.accounts.migration;

/**
 * Aliases and moves as the settings routes and federation's inbox ask for them, on the accounts
 * service hosted in process over a database cloned from the migrated template: what each
 * changes, the events it writes, and what it refuses.
 */
describe('account migration: aliases and moves', () => {
  const infra = testInfra();
  let databaseUrl: string;
  let accounts: HostedAccounts;
  let bus: Bus;
  let db: Client;

  beforeAll(async () => {
    databaseUrl = await cloneTemplateDatabase(infra);
    accounts = await hostAccounts(
      loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: databaseUrl,
        REDIS_URL: infra.redisUrl,
        NATS_URL: infra.natsUrl,
        NATS_PREFIX: uniqueName('migration'),
        LOCAL_DOMAIN: 'mammut.test',
        LOCAL_HTTPS: 'true',
        PASSWORD_HASH_MEMORY_KIB: '4096',
        LOG_LEVEL: 'silent',
      }),
    );
    bus = accounts.bus;
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await accounts?.close();
    if (databaseUrl) await dropDatabase(infra, databaseUrl);
  });

  const failure = async (work: Promise<unknown>): Promise<string> => {
    const error: unknown = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof ContractError)) throw new Error(`expected a ContractError, got ${String(error)}`);
    return error.code;
  };

  const create = async (username: string): Promise<{ user: AdminUser; password: string }> =>
    bus.request(contracts.accounts.admin.createUser, {
      username,
      email: `${username}@example.com`,
      confirmed: true,
    });

  const remote = async (username: string, alsoKnownAs: string[] = []): Promise<{ id: string; uri: string }> =>
    (
      await bus.request(
        contracts.accounts.remote.saveRemoteAccount,
        remoteActor(username, 'elsewhere.test', { alsoKnownAs }),
      )
    ).account;

  const uriOf = async (accountId: string): Promise<string> =>
    (await db.query<{ uri: string }>(`SELECT uri FROM accounts.accounts WHERE id = $1`, [accountId])).rows[0]
      .uri;

  const subjectsOf = async (accountId: string): Promise<string[]> =>
    (
      await db.query<{ subject: string; changed: string | null }>(
        `SELECT subject, payload->>'changed' AS changed FROM accounts.outbox
          WHERE payload->>'accountId' = $1 AND subject IN ('events.accounts.account.updated', 'events.accounts.account.moved')
          ORDER BY id`,
        [accountId],
      )
    ).rows.map((row) => `${row.subject}${row.changed ? ` ${row.changed}` : ''}`);

  it('adds, lists and removes aliases, each change an account.updated of also_known_as', async () => {
    const { user } = await create('ivy');
    const old = await remote('ivy');
    expect(
      await bus.request(migration.addAlias, { accountId: user.accountId, targetAccountId: old.id }),
    ).toEqual({
      aliases: [{ uri: old.uri, acct: 'ivy@elsewhere.test' }],
    });
    // Again: nothing changes, no event.
    await bus.request(migration.addAlias, { accountId: user.accountId, targetAccountId: old.id });
    expect(await bus.request(migration.listAliases, { accountId: user.accountId })).toEqual({
      aliases: [{ uri: old.uri, acct: 'ivy@elsewhere.test' }],
    });
    expect(
      await failure(
        bus.request(migration.addAlias, { accountId: user.accountId, targetAccountId: user.accountId }),
      ),
    ).toBe('unprocessable');
    expect(
      await failure(
        bus.request(migration.removeAlias, { accountId: user.accountId, uri: 'https://x.test/u' }),
      ),
    ).toBe('not_found');
    expect(await failure(bus.request(migration.listAliases, { accountId: old.id }))).toBe('not_found');
    expect(await bus.request(migration.removeAlias, { accountId: user.accountId, uri: old.uri })).toEqual({
      aliases: [],
    });
    const actor = await bus.request(contracts.accounts.remote.getActors, { ids: [user.accountId] });
    expect(actor.actors[0].alsoKnownAs).toEqual([]);
    expect(await subjectsOf(user.accountId)).toEqual([
      'events.accounts.account.updated ["also_known_as"]',
      'events.accounts.account.updated ["also_known_as"]',
    ]);
  });

  it('moves with the password to a target naming the account, once in 30 days', async () => {
    const { user, password } = await create('jack');
    const uri = await uriOf(user.accountId);
    const stranger = await remote('stranger');
    const target = await remote('jack', [uri]);
    const move = (targetAccountId: string, currentPassword = password) =>
      bus.request(migration.migrateAccount, { accountId: user.accountId, targetAccountId, currentPassword });

    expect(await failure(move(target.id, 'wrong'))).toBe('unprocessable');
    expect(await failure(move(stranger.id))).toBe('unprocessable');
    expect(await move(target.id)).toEqual({ accountId: user.accountId, movedToAccountId: target.id });
    const actor = (await bus.request(contracts.accounts.remote.getActors, { ids: [user.accountId] }))
      .actors[0];
    expect(actor).toMatchObject({ movedToAccountId: target.id, movedToUri: target.uri });
    expect(await failure(move(target.id))).toBe('unprocessable');
    expect(await subjectsOf(user.accountId)).toEqual(['events.accounts.account.moved']);
  });

  it('marks a remote account moved for a verified Move, and refuses to move a local one that way', async () => {
    const { user } = await create('kim');
    const old = await remote('kim-old');
    expect(
      await bus.request(migration.moveRemoteAccount, { accountId: old.id, targetAccountId: user.accountId }),
    ).toEqual({
      accountId: old.id,
      movedToAccountId: user.accountId,
    });
    const moved = await db.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM accounts.outbox WHERE subject = 'events.accounts.account.moved' AND payload->>'accountId' = $1`,
      [old.id],
    );
    expect(moved.rows.map((row) => row.payload)).toEqual([
      { accountId: old.id, targetAccountId: user.accountId, followersMove: true },
    ]);
    expect(
      await failure(
        bus.request(migration.moveRemoteAccount, { accountId: user.accountId, targetAccountId: old.id }),
      ),
    ).toBe('forbidden');
  });
});
