import type { DataSource } from 'typeorm';
import { seedUser } from '../../../../test-e2e/support/factories';
import { pollUntil } from '../../../../test-e2e/support/poll';
import { useTestSystem } from '../../../../test-e2e/support/system';
import { ACCOUNTS_DB } from '../database/accounts-database';

jest.setTimeout(60_000);

/** A user who only ever uses an app (no browser sign-in) is an active user all the same. */
describe('token activity', () => {
  const sut = useTestSystem();

  const lastUsed = async (accountId: string): Promise<Date | null> => {
    const { rows } = await sut.db.query<{ last_used_at: Date | null }>(
      `SELECT t.last_used_at FROM accounts.oauth_access_tokens t JOIN accounts.users u ON u.id = t.user_id
        WHERE u.account_id = $1`,
      [accountId],
    );
    return rows[0].last_used_at;
  };
  const activeMonth = async (): Promise<number> => {
    const response = await fetch(`${sut.t.url}/nodeinfo/2.0`);
    return ((await response.json()) as { usage: { users: { activeMonth: number } } }).usage.users.activeMonth;
  };

  it('records token use at most hourly and counts the user as active', async () => {
    const user = await seedUser(sut.t, { username: 'apponly' });
    expect(await lastUsed(user.accountId)).toBeNull();
    expect(await activeMonth()).toBe(0);

    const verify = (): Promise<Response> =>
      fetch(`${sut.t.url}/api/v1/accounts/verify_credentials`, {
        headers: { authorization: `Bearer ${user.token}` },
      });
    // Each use decides whether to write before its request is answered (the UPDATE itself runs
    // off the request path): the queries issued by the time the answers are in are all there are.
    const db = sut.t.system.app.get<symbol, DataSource>(ACCOUNTS_DB);
    const query = jest.spyOn(db, 'query');
    const writes = (): unknown[] =>
      query.mock.calls.filter(([sql]) => sql.includes('oauth_access_tokens SET last_used_at'));
    try {
      expect((await verify()).status).toBe(200);
      expect(writes()).toHaveLength(1);
      // Within the hour, further use writes nothing.
      for (let i = 0; i < 5; i++) expect((await verify()).status).toBe(200);
      expect(writes()).toHaveLength(1);
    } finally {
      query.mockRestore();
    }

    const first = await pollUntil(
      () => lastUsed(user.accountId),
      (at) => at !== null,
      8000,
    );
    if (first === null) throw new Error('last_used_at was never written');
    expect(Date.now() - first.getTime()).toBeLessThan(60_000);
    // The gateway caches instance facts for five seconds.
    expect(await pollUntil(activeMonth, (n) => n === 1, 8000)).toBe(1);
    expect((await lastUsed(user.accountId))?.getTime()).toBe(first.getTime());
  });
});
