import { createRestAPIClient, type mastodon } from 'masto';
import { Client } from 'pg';
import { registerAndSignIn, type RegisteredUser } from '../../../../../../test-e2e/support/oauth';
import { pollUntil } from '../../../../../../test-e2e/support/poll';
import { startTestSystem, type TestSystem } from '../../../../../../test-e2e/support/system';

jest.setTimeout(90_000);

/**
 * Credentials and relationships are served from memory between changes. No answer may be stale:
 * the process that made a change answers with it at once, another process sharing the database
 * within a second, whoever made the change (the API on either process, SQL by hand).
 */
describe('read caches: fresh at once where changed, within a second elsewhere', () => {
  let here: TestSystem;
  let there: TestSystem;
  let db: Client;

  beforeAll(async () => {
    here = await startTestSystem();
    there = await startTestSystem({ DATABASE_URL: here.databaseUrl });
    db = new Client({ connectionString: here.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await there?.stop();
    await here?.stop();
  });

  const on = (system: TestSystem, user: RegisteredUser): mastodon.rest.Client =>
    createRestAPIClient({ url: system.url, accessToken: user.token });
  const displayName = async (system: TestSystem, user: RegisteredUser): Promise<string> =>
    (await on(system, user).v1.accounts.verifyCredentials()).displayName;
  const relationship = async (
    system: TestSystem,
    viewer: RegisteredUser,
    target: RegisteredUser,
  ): Promise<mastodon.v1.Relationship> =>
    (await on(system, viewer).v1.accounts.relationships.fetch({ id: [target.accountId] }))[0];
  /** What `read` answers on `system` once it equals `expected`, or its last answer after a second. */
  const withinASecond = <T>(read: () => Promise<T>, expected: T): Promise<T> =>
    pollUntil(read, (seen) => seen === expected, 1_000, 20);

  it('serves a profile change on the process that made it at once, and on the other within a second', async () => {
    const ada = await registerAndSignIn(here.url, { username: 'ada' });
    // Both processes have it cached now.
    for (const system of [here, there, here, there]) expect(await displayName(system, ada)).toBe('');
    await on(here, ada).v1.accounts.updateCredentials({ displayName: 'Ada L.' });
    expect(await displayName(here, ada)).toBe('Ada L.');
    expect(await withinASecond(() => displayName(there, ada), 'Ada L.')).toBe('Ada L.');

    // The other way round, and a change by hand in the database.
    await on(there, ada).v1.accounts.updateCredentials({ displayName: 'Ada Lovelace' });
    expect(await displayName(there, ada)).toBe('Ada Lovelace');
    expect(await withinASecond(() => displayName(here, ada), 'Ada Lovelace')).toBe('Ada Lovelace');
    await db.query(`UPDATE accounts.accounts SET display_name = 'By hand' WHERE id = $1`, [ada.accountId]);
    for (const system of [here, there]) {
      expect(await withinASecond(() => displayName(system, ada), 'By hand')).toBe('By hand');
    }
  });

  it('serves a follow and an unfollow the same way, for both sides', async () => {
    const [bea, cal] = [
      await registerAndSignIn(here.url, { username: 'bea' }),
      await registerAndSignIn(here.url, { username: 'cal' }),
    ];
    for (const system of [here, there]) {
      expect((await relationship(system, bea, cal)).following).toBe(false);
      expect((await relationship(system, cal, bea)).followedBy).toBe(false);
    }
    await on(here, bea).v1.accounts.$select(cal.accountId).follow();
    expect((await relationship(here, bea, cal)).following).toBe(true);
    expect((await relationship(here, cal, bea)).followedBy).toBe(true);
    expect(await withinASecond(async () => (await relationship(there, bea, cal)).following, true)).toBe(true);
    expect(await withinASecond(async () => (await relationship(there, cal, bea)).followedBy, true)).toBe(
      true,
    );
    // The followed account's counters are part of its credentials.
    expect(
      await withinASecond(
        async () => (await on(there, cal).v1.accounts.verifyCredentials()).followersCount,
        1,
      ),
    ).toBe(1);

    await on(there, bea).v1.accounts.$select(cal.accountId).unfollow();
    expect((await relationship(there, bea, cal)).following).toBe(false);
    expect(await withinASecond(async () => (await relationship(here, bea, cal)).following, false)).toBe(
      false,
    );
    expect(await withinASecond(async () => (await relationship(here, cal, bea)).followedBy, false)).toBe(
      false,
    );
  });

  it('counts a new follow request in the asked account’s credentials on both processes', async () => {
    const [dot, eli] = [
      await registerAndSignIn(here.url, { username: 'dot' }),
      await registerAndSignIn(here.url, { username: 'eli' }),
    ];
    await on(here, dot).v1.accounts.updateCredentials({ locked: true });
    const count = async (system: TestSystem): Promise<number | null | undefined> =>
      (await on(system, dot).v1.accounts.verifyCredentials()).source.followRequestsCount;
    for (const system of [here, there]) expect(await count(system)).toBe(0);
    await on(there, eli).v1.accounts.$select(dot.accountId).follow();
    for (const system of [there, here]) expect(await withinASecond(() => count(system), 1)).toBe(1);
  });

  it('ends a timed mute when its time is up, with no change to hear', async () => {
    const [fay, gus] = [
      await registerAndSignIn(here.url, { username: 'fay' }),
      await registerAndSignIn(here.url, { username: 'gus' }),
    ];
    await on(here, fay).v1.accounts.$select(gus.accountId).mute({ duration: 2 });
    const muting = await relationship(here, fay, gus);
    expect(muting.muting).toBe(true);
    // masto 7 does not type Mastodon's `muting_expires_at`; it is there.
    const until = Date.parse((muting as { mutingExpiresAt?: string }).mutingExpiresAt ?? '');
    // Asked again and again while muted: served from memory, yet never past the mute's end.
    expect(until).toBeGreaterThan(Date.now());
    const ended = await pollUntil(
      async () => (await relationship(here, fay, gus)).muting,
      (stillMuting) => !stillMuting,
      5_000,
      50,
    );
    expect(ended).toBe(false);
    expect(Date.now()).toBeGreaterThanOrEqual(until);
  });
});
