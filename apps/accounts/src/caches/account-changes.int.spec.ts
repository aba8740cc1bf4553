import { type GrantChangedMessage, grantChangedSubject } from '@mammut/contracts';
import { Client } from 'pg';
import { seedUser } from '../../../../test-e2e/support/factories';
import { deafenThenRecover, pollUntil } from '../../../../test-e2e/support/poll';
import { useTestSystem } from '../../../../test-e2e/support/system';
import { GrantCache } from './grant-cache';
import { AccountChangesListener } from './account-changes.listener';

jest.setTimeout(60_000);

/**
 * The token cache trusts its LISTEN connection only while a heartbeat sent to itself comes back:
 * a connection that goes quiet without an error (a dropped NAT entry, a pooler losing LISTEN)
 * must not leave revoked tokens cached.
 */
describe('account change heartbeat', () => {
  const sut = useTestSystem();

  const verify = async (token: string): Promise<number> =>
    (
      await fetch(`${sut.t.url}/api/v1/accounts/verify_credentials`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).status;

  it('drops the cache when the heartbeat is not heard, and trusts a new connection once it is', async () => {
    const listener = sut.t.system.app.get(AccountChangesListener);
    const cache = sut.t.system.app.get(GrantCache);
    expect(await listener.checkNow()).toBe(true);

    const user = await seedUser(sut.t, { username: 'quiet' });
    expect(await verify(user.token)).toBe(200);
    expect(cache.size).toBeGreaterThan(0);

    // The connection stays open but nothing it receives arrives any more: no heartbeat can be
    // heard, the cache is off; a new connection replaces it within the reconnect delay, and is
    // trusted once heard.
    const recovered = await deafenThenRecover(listener, async () => {
      expect(cache.size).toBe(0);
      await sut.db.query(`UPDATE accounts.oauth_access_tokens SET revoked_at = now() WHERE user_id = $1`, [
        user.userId,
      ]);
      expect(await verify(user.token)).toBe(401);
    });
    expect(recovered).toBe(true);
    const other = await seedUser(sut.t, { username: 'loud' });
    // Signing up went through the cache too (the app's token): the new grant is one more entry.
    const cached = cache.size;
    expect(await verify(other.token)).toBe(200);
    expect(cache.size).toBe(cached + 1);
  });
});

/**
 * What narrows a grant is passed on to the bus as it is heard, whoever wrote it, for the gateway's
 * open streams; and when changes may have gone unheard (listening again), that everything may have.
 */
describe('grant changes passed on', () => {
  const sut = useTestSystem();

  it('publishes grant tags heard, not other tags, and everything once it listens again', async () => {
    const { nats, config } = sut.t.system.runtime;
    const heard: GrantChangedMessage[] = [];
    const subscription = nats.subscribe(`${config.natsPrefix}.${grantChangedSubject}`, {
      callback: (error, msg) => {
        if (!error) heard.push(JSON.parse(new TextDecoder().decode(msg.data)) as GrantChangedMessage);
      },
    });
    await nats.flush();
    try {
      const user = await seedUser(sut.t, { username: 'told' });
      heard.length = 0;
      // A profile edit narrows no grant: it evicts credentials (`c:`) and is not passed on.
      await sut.db.query(`UPDATE accounts.accounts SET note = 'changed' WHERE id = $1`, [user.accountId]);
      await sut.db.query(`UPDATE accounts.users SET disabled = true WHERE id = $1`, [user.userId]);
      await sut.db.query(`UPDATE accounts.accounts SET suspended_at = now() WHERE id = $1`, [user.accountId]);
      await sut.db.query(`UPDATE accounts.oauth_access_tokens SET revoked_at = now() WHERE user_id = $1`, [
        user.userId,
      ]);
      const expected: GrantChangedMessage[] = [
        { tag: `u:${user.userId}` },
        { tag: `a:${user.accountId}` },
        { tag: expect.stringMatching(/^t:[0-9a-f]{64}$/) as unknown as string },
      ];
      expect(
        await pollUntil(
          () => Promise.resolve(heard.slice()),
          (seen) => seen.length >= expected.length,
          5_000,
          20,
        ),
      ).toEqual(expected);

      // The listening connection is lost: once it listens again, anything may have changed meanwhile.
      heard.length = 0;
      const listener = sut.t.system.app.get(AccountChangesListener);
      await (listener as unknown as { client: Client }).client.end();
      expect(
        await pollUntil(
          () => Promise.resolve(heard.slice()),
          (seen) => seen.length > 0,
          10_000,
          50,
        ),
      ).toEqual([{ everything: true }]);
    } finally {
      subscription.unsubscribe();
    }
  });
});
