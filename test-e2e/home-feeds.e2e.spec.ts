import { createRestAPIClient, type mastodon } from 'masto';
import { contracts } from '@mammut/contracts';
import { streamLayout } from '@mammut/platform';
import { seedUser, seedUsers, type SeededUser } from './support/factories';
import { settled, useTestSystem } from './support/system';
import { homeIds } from './support/timelines';

jest.setTimeout(180_000);

const feedKey = (accountId: string): string => `feed:home:${accountId}`;
/** How a feed stores a status id (zero-padded to 20 digits, so Redis orders them as numbers). */
const member = (id: string): string => id.padStart(20, '0');

/**
 * Home feeds beyond fan-out's everyday path: a feed Redis lost is rebuilt from statuses when it is
 * read (under fan-out's rules: own statuses, followed accounts' except reblogs turned off and
 * exclusive lists' members, direct ones that mention the reader), an empty feed is built once, a
 * reader following many accounts gets 206 while a job rebuilds, and a status of an author with
 * thousands of local followers reaches every feed through batched jobs.
 */
describe('home feeds: rebuilding lost feeds, fan-out in jobs', () => {
  // Three followed accounts are rebuilt while the reader waits, four in a job; more than 100
  // followers are delivered to by jobs.
  const sut = useTestSystem({ HOME_REBUILD_INLINE_FOLLOWING: '3', HOME_FAN_OUT_INLINE_FOLLOWERS: '100' });
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: sut.t.url, accessToken: user.token });
  const home = (user: SeededUser): Promise<string[]> => homeIds(sut.t, user.token);
  const homeStatus = async (user: SeededUser): Promise<number> =>
    (
      await fetch(`${sut.t.url}/api/v1/timelines/home?limit=40`, {
        headers: { authorization: `Bearer ${user.token}` },
      })
    ).status;
  const redis = () => sut.t.system.runtime.redis;
  /** Loses a feed as an eviction may (its reblog index outlives it), or with everything (a flush). */
  const lose = async (user: SeededUser, how: 'evicted' | 'flushed' = 'evicted'): Promise<void> => {
    await settled(sut.t);
    const key = feedKey(user.accountId);
    await redis().del(...(how === 'evicted' ? [key] : [key, `${key}:reblogs`]));
  };
  /** Messages ever published to the jobs stream. */
  const jobsPublished = async (): Promise<number> => {
    const { nats, config } = sut.t.system.runtime;
    const jsm = await nats.jetstreamManager();
    const info = await jsm.streams.info(streamLayout(config.natsPrefix).jobs).catch(() => undefined);
    return info?.state.last_seq ?? 0;
  };

  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  let erin: SeededUser;
  beforeAll(async () => {
    [alice, bob, carol, erin] = await seedUsers(sut.t, ['alice', 'bob', 'carol', 'erin']);
  });

  it('rebuilds a lost feed from statuses under fan-out’s rules and answers the same page', async () => {
    // Read once first: what the feed holds below comes from fan-out alone.
    expect(await home(bob)).toEqual([]);
    // bob follows alice, carol without her reblogs, and erin, whom he keeps in an exclusive list.
    await as(bob).v1.accounts.$select(alice.accountId).follow();
    await as(bob).v1.accounts.$select(carol.accountId).follow({ reblogs: false });
    await as(bob).v1.accounts.$select(erin.accountId).follow();
    const list = await as(bob).v1.lists.create({ title: 'Erin', exclusive: true } as { title: string });
    await as(bob)
      .v1.lists.$select(list.id)
      .accounts.create({ accountIds: [erin.accountId] });
    await settled(sut.t);

    const post = (user: SeededUser, status: string, visibility: mastodon.v1.StatusVisibility = 'public') =>
      as(user).v1.statuses.create({ status, visibility });
    const open = await post(alice, 'hello');
    const followersOnly = await post(alice, 'followers only', 'private');
    const toBob = await post(alice, 'psst @bob', 'direct');
    await post(alice, 'psst @carol', 'direct');
    const own = await post(bob, 'my own', 'unlisted');
    const ownDirect = await post(bob, 'to @alice only', 'direct');
    const byCarol = await post(carol, 'carol speaks');
    const byErin = await post(erin, 'erin, listed exclusively');
    // carol's reblogs stay out of bob's feed, and so does erin (his exclusive list's).
    await as(carol).v1.statuses.$select(byErin.id).reblog();
    // alice's reblog of a status bob's feed already shows is left out, as fan-out leaves it out.
    const aliceReblog = await as(alice).v1.statuses.$select(byCarol.id).reblog();
    // alice's reblog of erin's status reaches bob: alice is in no exclusive list of his.
    const sharedErin = await as(alice).v1.statuses.$select(byErin.id).reblog();
    const expected = [
      sharedErin.id,
      ownDirect.id,
      own.id,
      toBob.id,
      followersOnly.id,
      open.id,
      byCarol.id,
    ].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1));
    expect(aliceReblog.reblog?.id).toBe(byCarol.id);

    const before = await home(bob);
    expect(before).toEqual(expected);

    await lose(bob);
    expect(await redis().exists(feedKey(bob.accountId))).toBe(0);
    expect(await home(bob)).toEqual(before);
    expect(await redis().exists(feedKey(bob.accountId))).toBe(1);
    // Paging the rebuilt feed works as before.
    const older = await as(bob).v1.timelines.home.list({ limit: 2, maxId: before[1] });
    expect(older.map((s) => s.id)).toEqual(before.slice(2, 4));

    // A feed fan-out wrote into after the loss is partial: it is rebuilt too, and keeps the new status.
    await lose(bob, 'flushed');
    const later = await post(alice, 'after the loss');
    await settled(sut.t);
    expect(await redis().zcard(feedKey(bob.accountId))).toBe(1);
    expect(await home(bob)).toEqual([later.id, ...before]);
  });

  it('builds the empty feed of an account following nobody once, not on every read', async () => {
    const dave = await seedUser(sut.t, { username: 'dave' });
    const bus = sut.t.system.runtime.bus;
    const spy = jest.spyOn(bus, 'request');
    try {
      const rebuildsOfDave = (): number =>
        spy.mock.calls.filter(
          ([def, payload]) =>
            def === contracts.accounts.relationships.listFollowedAccounts &&
            (payload as { accountId: string }).accountId === dave.accountId,
        ).length;
      expect(await home(dave)).toEqual([]);
      expect(rebuildsOfDave()).toBe(1);
      expect(await redis().exists(feedKey(dave.accountId))).toBe(1);
      expect(await home(dave)).toEqual([]);
      expect(await home(dave)).toEqual([]);
      expect(rebuildsOfDave()).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('answers 206 with what is there while a job rebuilds the feed of a reader following many', async () => {
    const frank = await seedUser(sut.t, { username: 'frank' });
    expect(await home(frank)).toEqual([]);
    const followed = await seedUsers(sut.t, ['gina', 'hank', 'ivan', 'jill']);
    const posted: string[] = [];
    for (const user of followed) {
      posted.unshift((await as(user).v1.statuses.create({ status: `I am ${user.username}` })).id);
      await as(frank).v1.accounts.$select(user.accountId).follow();
    }
    expect(await home(frank)).toEqual(posted);

    await lose(frank);
    const published = await jobsPublished();
    expect(await homeStatus(frank)).toBe(206);
    await settled(sut.t);
    expect(await jobsPublished()).toBe(published + 1);
    expect(await homeStatus(frank)).toBe(200);
    expect(await home(frank)).toEqual(posted);
  });

  it('rebuilds the 800 newest statuses of everyone a reader follows, across batches of authors', async () => {
    const kim = await seedUser(sut.t, { username: 'kim' });
    const { db } = sut;
    // 250 followed accounts (two statuses queries of 200 and 50 authors), 4 statuses each.
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO accounts.accounts (username, uri, url)
       SELECT 'author' || n, $1 || '/users/author' || n, $1 || '/@author' || n FROM generate_series(1, 250) AS n
       RETURNING id::text`,
      [sut.t.url],
    );
    const authors = rows.map((row) => row.id);
    await db.query(
      `INSERT INTO accounts.follows (account_id, target_account_id)
       SELECT $1::bigint, author FROM unnest($2::bigint[]) AS author`,
      [kim.accountId, authors],
    );
    await db.query(
      `INSERT INTO statuses.statuses (uri, account_id, local, content, visibility)
       SELECT $2 || '/statuses/' || author || '-' || n, author, true, 'status ' || n, 'public'
         FROM unnest($1::bigint[]) AS author, generate_series(1, 4) AS n`,
      [authors, sut.t.url],
    );
    const { rows: newest } = await db.query<{ id: string }>(
      `SELECT id::text FROM statuses.statuses WHERE account_id = ANY($1::bigint[]) ORDER BY id DESC LIMIT 800`,
      [authors],
    );

    expect(await homeStatus(kim)).toBe(206);
    await settled(sut.t);
    // Read in Redis: the whole feed at once, rather than twenty pages through the API.
    const stored = await redis().zrevrangebylex(feedKey(kim.accountId), `(${'9'.repeat(20)}`, '-');
    expect(stored.map((m) => m.replace(/^0+/, ''))).toEqual(newest.map((row) => row.id));
    expect(await homeStatus(kim)).toBe(200);
  });

  it('delivers a status of an author with 2,500 local followers to every feed through batched jobs', async () => {
    const star = await seedUser(sut.t, { username: 'star' });
    const { db } = sut;
    // Followers written straight to the accounts schema: 2,500 sign-ups would take minutes.
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO accounts.accounts (username, uri, url)
       SELECT 'fan' || n, $1 || '/users/fan' || n, $1 || '/@fan' || n FROM generate_series(1, 2500) AS n
       RETURNING id::text`,
      [sut.t.url],
    );
    const fans = rows.map((row) => row.id);
    await db.query(
      `INSERT INTO accounts.follows (account_id, target_account_id, show_reblogs)
       SELECT fan, $2::bigint, fan <> $3::bigint FROM unnest($1::bigint[]) AS fan`,
      [fans, star.accountId, fans[1234]],
    );
    const published = await jobsPublished();

    const status = await as(star).v1.statuses.create({ status: 'to all my fans', visibility: 'public' });
    await settled(sut.t, 60_000);
    // 2,500 followers in batches of 1,000: three jobs.
    expect(await jobsPublished()).toBe(published + 3);
    const holding = async (id: string): Promise<string[]> => {
      const pipeline = redis().pipeline();
      for (const fan of fans) pipeline.zscore(feedKey(fan), member(id));
      const results = (await pipeline.exec()) ?? [];
      return fans.filter((_, i) => results[i]?.[1] !== null);
    };
    expect(await holding(status.id)).toEqual(fans);

    // A reblog goes the same way, except to the follower who turned the author's reblogs off.
    const shared = await as(alice).v1.statuses.create({ status: 'worth sharing', visibility: 'public' });
    const reblog = await as(star).v1.statuses.$select(shared.id).reblog();
    await settled(sut.t, 60_000);
    expect(await holding(reblog.id)).toEqual(fans.filter((fan) => fan !== fans[1234]));
  });
});
