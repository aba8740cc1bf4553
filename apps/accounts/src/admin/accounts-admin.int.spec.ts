import { ContractError } from '@mammut/contracts';
import { loadConfig } from '@mammut/platform';
import { cloneTemplateDatabase, dropDatabase, testInfra } from '@mammut/testing';
import { Client } from 'pg';
import { PasswordHasher } from '../passwords/password-hasher';
import { type AccountsAdmin, openAccountsAdmin } from './accounts-admin';

jest.setTimeout(30_000);

/** The use cases behind `npm run mammut -- accounts …`, on a database cloned from the migrated template. */
describe('operator use cases: create, modify and list local users', () => {
  const infra = testInfra();
  let databaseUrl: string;
  let admin: AccountsAdmin;
  let db: Client;
  const config = (url: string): ReturnType<typeof loadConfig> =>
    loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: url,
      LOCAL_DOMAIN: 'mammut.test',
      LOCAL_HTTPS: 'true',
      PASSWORD_HASH_MEMORY_KIB: '4096',
      LOG_LEVEL: 'silent',
    });

  beforeAll(async () => {
    databaseUrl = await cloneTemplateDatabase(infra);
    admin = await openAccountsAdmin(config(databaseUrl));
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await admin?.close();
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

  it('creates a confirmed admin (reserved names are the operator’s) with a working generated password', async () => {
    const { user, password } = await admin.createUser.execute({
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
  });

  it('creates an unconfirmed user by default role', async () => {
    const { user } = await admin.createUser.execute({
      username: 'Carol_2',
      email: 'carol@example.com',
      role: 'user',
      confirmed: false,
    });
    expect(user).toMatchObject({ username: 'Carol_2', role: 'user', confirmed: false, approved: true });
  });

  it('refuses a taken username or address (any case) with a clear message, and writes nothing', async () => {
    const before = await admin.users.list();
    const name = await failure(
      admin.createUser.execute({
        username: 'ADMIN',
        email: 'other@example.com',
        role: 'user',
        confirmed: true,
      }),
    );
    expect(name.code).toBe('unprocessable');
    expect(name.message).toBe('Validation failed: Username has already been taken');
    const email = await failure(
      admin.createUser.execute({
        username: 'other',
        email: 'Admin@Example.com',
        role: 'user',
        confirmed: true,
      }),
    );
    expect(email.message).toBe('Validation failed: Email has already been taken');
    expect(await admin.users.list()).toHaveLength(before.length);
  });

  it('applies the sign-up rules to usernames and addresses', async () => {
    const error = await failure(
      admin.createUser.execute({
        username: 'bad name!',
        email: 'not-an-address',
        role: 'user',
        confirmed: true,
      }),
    );
    expect(error.code).toBe('unprocessable');
    expect(error.message).toBe(
      'Validation failed: Username must contain only letters, numbers and underscores, Email is invalid',
    );
    const long = await failure(
      admin.createUser.execute({
        username: 'x'.repeat(31),
        email: 'x@example.com',
        role: 'user',
        confirmed: true,
      }),
    );
    expect(long.details?.username?.[0].error).toBe('ERR_TOO_LONG');
  });

  it('modifies role, confirmation, approval and the disabled flag', async () => {
    await db.query(`UPDATE accounts.users SET approved = false WHERE email = 'carol@example.com'`);
    const changed = await admin.modifyUser.execute('carol_2', {
      role: 'moderator',
      confirm: true,
      approve: true,
      disable: true,
    });
    expect(changed).toMatchObject({
      username: 'Carol_2',
      role: 'moderator',
      confirmed: true,
      approved: true,
      disabled: true,
    });
    const enabled = await admin.modifyUser.execute('Carol_2', { enable: true });
    // Options not given keep their values.
    expect(enabled).toMatchObject({ role: 'moderator', confirmed: true, approved: true, disabled: false });
  });

  it('refuses contradictory flags and unknown users', async () => {
    expect((await failure(admin.modifyUser.execute('admin', { disable: true, enable: true }))).code).toBe(
      'invalid_request',
    );
    const unknown = await failure(admin.modifyUser.execute('nobody', { role: 'admin' }));
    expect(unknown.code).toBe('not_found');
    expect(unknown.message).toBe('No local user named nobody');
  });

  it('lists local users oldest first', async () => {
    const users = await admin.users.list();
    expect(users.map((u) => [u.username, u.role, u.confirmed, u.disabled])).toEqual([
      ['admin', 'admin', true, false],
      ['Carol_2', 'moderator', true, false],
    ]);
  });
});
