import { createOAuthAPIClient } from 'masto';
import { Client } from 'pg';
import { loadConfig } from '@mammut/platform';
import { testInfra, uniqueName } from '@mammut/testing';
import { contracts } from '@mammut/contracts';
import { type HostedAccounts, hostAccounts } from '../../../accounts/src/admin/accounts-admin';
import { seedUser, type SeededUser } from '../../../../test-e2e/support/factories';
import { registerAndSignIn } from '../../../../test-e2e/support/oauth';
import { pollUntil } from '../../../../test-e2e/support/poll';
import { startTestSystem, type TestSystem } from '../../../../test-e2e/support/system';

jest.setTimeout(60_000);

/**
 * Authenticated tokens are cached (accounts' GrantCache). Whatever narrows a grant must take
 * effect on the very next request, on this process and on another one sharing the database,
 * whoever made the change: the API, the operator CLI, or SQL by hand.
 */
describe('token cache: revocation and user state take effect at once (real PostgreSQL, Redis, NATS)', () => {
  let t: TestSystem;
  let replica: TestSystem;
  let db: Client;
  let admin: HostedAccounts;

  beforeAll(async () => {
    t = await startTestSystem();
    // A second process on the same database, as another replica would be.
    replica = await startTestSystem({ DATABASE_URL: t.databaseUrl });
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    // The operator CLI's way in: the accounts service hosted in its own process.
    admin = await hostAccounts(
      loadConfig({
        DATABASE_URL: t.databaseUrl,
        REDIS_URL: testInfra().redisUrl,
        NATS_URL: testInfra().natsUrl,
        NATS_PREFIX: uniqueName('cli'),
        LOG_LEVEL: 'silent',
        PASSWORD_HASH_MEMORY_KIB: '4096',
      }),
    );
  });

  afterAll(async () => {
    await admin?.close();
    await db?.end();
    await replica?.stop();
    await t?.stop();
  });

  const verify = (system: TestSystem, token: string): Promise<Response> =>
    fetch(`${system.url}/api/v1/accounts/verify_credentials`, {
      headers: { authorization: `Bearer ${token}` },
    });
  /** Polls until `token` answers `status` on `system`, or `ms` pass; answers the last status. */
  const statusWithin = (system: TestSystem, token: string, status: number, ms: number): Promise<number> =>
    pollUntil(
      async () => (await verify(system, token)).status,
      (seen) => seen === status,
      ms,
      20,
    );

  /** Several answered requests on both processes, so the grant is surely cached on each. */
  async function warm(token: string): Promise<void> {
    for (const system of [t, replica, t, replica]) expect((await verify(system, token)).status).toBe(200);
  }

  /** As `npm run mammut -- accounts modify <username> --disable|--enable` does it. */
  const setDisabled = async (username: string, disabled: boolean): Promise<void> => {
    const { userId } = await admin.bus.request(contracts.accounts.admin.getUser, { username });
    await admin.bus.request(contracts.accounts.admin.modifyUser, { userId, disabled });
  };

  const errorOf = async (response: Response): Promise<string> =>
    ((await response.json()) as { error: string }).error;

  it.each([
    ['this process', 'revoked', () => [t, replica] as const],
    ['the other process', 'revokedelsewhere', () => [replica, t] as const],
  ])(
    'refuses a token revoked through %s: at once there, as soon as notified on the other',
    async (_, username, systems) => {
      const [revoker, other] = systems();
      const user = await registerAndSignIn(t.url, { username });
      await warm(user.token);
      await createOAuthAPIClient({ url: revoker.url }).revoke({
        clientId: user.app.clientId,
        clientSecret: user.app.clientSecret,
        token: user.token,
      });
      // The revoking process refuses it before it even answers the revocation.
      const here = await verify(revoker, user.token);
      expect(here.status).toBe(401);
      expect(await errorOf(here)).toBe('The access token is invalid');
      // Another process refuses it as soon as PostgreSQL's notification reaches it: milliseconds,
      // but not an acknowledged guarantee (ADR 0005), so a loaded test machine gets a moment.
      expect(await statusWithin(other, user.token, 401, 2000)).toBe(401);
    },
  );

  it('refuses a token revoked or deleted by hand in the database', async () => {
    const revoked = await seedUser(t, { username: 'sqlrevoked' });
    const deleted = await seedUser(t, { username: 'sqldeleted' });
    await warm(revoked.token);
    await warm(deleted.token);
    await db.query(`UPDATE accounts.oauth_access_tokens SET revoked_at = now() WHERE user_id = $1`, [
      revoked.userId,
    ]);
    await db.query(`DELETE FROM accounts.oauth_access_tokens WHERE user_id = $1`, [deleted.userId]);
    for (const system of [t, replica]) {
      expect(await statusWithin(system, revoked.token, 401, 2000)).toBe(401);
      expect(await statusWithin(system, deleted.token, 401, 2000)).toBe(401);
    }
  });

  it('refuses a user disabled by the operator CLI, and lets them back in when enabled', async () => {
    const user = await seedUser(t, { username: 'disabled' });
    await warm(user.token);
    await setDisabled('disabled', true);
    for (const system of [t, replica]) {
      expect(await statusWithin(system, user.token, 403, 2000)).toBe(403);
      expect(await errorOf(await verify(system, user.token))).toBe('Your login is currently disabled');
    }
    await setDisabled('disabled', false);
    for (const system of [t, replica]) expect(await statusWithin(system, user.token, 200, 2000)).toBe(200);
  });

  it('refuses the tokens of a suspended account and of a user whose confirmation is withdrawn', async () => {
    const suspended = await seedUser(t, { username: 'suspended' });
    const unconfirmed = await seedUser(t, { username: 'unconfirmed' });
    await warm(suspended.token);
    await warm(unconfirmed.token);
    await db.query(`UPDATE accounts.accounts SET suspended_at = now() WHERE id = $1`, [suspended.accountId]);
    await db.query(`UPDATE accounts.users SET confirmed_at = NULL WHERE id = $1`, [unconfirmed.userId]);
    for (const system of [t, replica]) {
      expect(await statusWithin(system, suspended.token, 403, 2000)).toBe(403);
      expect(await statusWithin(system, unconfirmed.token, 403, 2000)).toBe(403);
      expect(await errorOf(await verify(system, unconfirmed.token))).toBe(
        'Your login is missing a confirmed e-mail address',
      );
    }
  });

  it('serves credentials as they are now: after update_credentials and after a change by hand', async () => {
    const user: SeededUser = await seedUser(t, { username: 'changing' });
    await warm(user.token);
    const updated = await fetch(`${t.url}/api/v1/accounts/update_credentials`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ display_name: 'Changed', source: { privacy: 'private' } }),
    });
    expect(updated.status).toBe(200);
    for (const system of [t, replica]) {
      const me = (await (await verify(system, user.token)).json()) as {
        display_name: string;
        source: { privacy: string };
      };
      expect(me.display_name).toBe('Changed');
      expect(me.source.privacy).toBe('private');
    }
    await db.query(`UPDATE accounts.accounts SET display_name = 'By hand' WHERE id = $1`, [user.accountId]);
    for (const system of [t, replica]) {
      const me = (await (await verify(system, user.token)).json()) as { display_name: string };
      expect(me.display_name).toBe('By hand');
    }
  });

  it('keeps serving other users while one is disabled', async () => {
    const bystander = await seedUser(t, { username: 'bystander' });
    const target = await seedUser(t, { username: 'target' });
    await warm(bystander.token);
    await warm(target.token);
    await setDisabled('target', true);
    expect(await statusWithin(t, target.token, 403, 2000)).toBe(403);
    // Never disturbed, so never waited for.
    expect((await verify(t, bystander.token)).status).toBe(200);
    expect((await verify(replica, bystander.token)).status).toBe(200);
  });
});
