import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { apiCall, failureStatus } from './support/http';
import { settled, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(120_000);

type Results = mastodon.v1.GroupedNotificationsResults;
type GroupTypes = mastodon.rest.v2.ListNotificationsParams['types'];

/** Notification types as masto's parameters take them (its group-type union collapses in 7.12). */
const kinds = (...types: string[]): GroupTypes => types as unknown as GroupTypes;
/** The status a group is about (masto's union hides the field in 7.12). */
const statusIdOf = (group: mastodon.v1.NotificationGroup): string | undefined =>
  (group as unknown as { statusId?: string }).statusId;

/**
 * Mastodon 4.3's grouped notifications (`/api/v2/notifications`) through masto: favourites of one
 * status and follows share a group, other kinds stand alone, and the accounts and statuses the
 * groups name come once beside them, through the same visibility rules as everywhere.
 */
describe('grouped notifications', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  let dave: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const grouped = async (
    user: SeededUser,
    params: mastodon.rest.v2.ListNotificationsParams = {},
  ): Promise<Results> => {
    await settled(t);
    return as(user).v2.notifications.list(params);
  };

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol, dave] = await seedUsers(t, ['alice', 'bob', 'carol', 'dave']);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('groups favourites of one status and follows, and keeps mentions alone', async () => {
    const post = await as(alice).v1.statuses.create({ status: 'like this' });
    const other = await as(alice).v1.statuses.create({ status: 'and this' });
    // Settled after each, so that notifications are made in this order, whichever consumer makes them.
    for (const act of [
      () => as(bob).v1.statuses.$select(post.id).favourite(),
      () => as(carol).v1.statuses.$select(post.id).favourite(),
      () => as(carol).v1.statuses.$select(other.id).favourite(),
      () => as(bob).v1.accounts.$select(alice.accountId).follow(),
      () => as(carol).v1.accounts.$select(alice.accountId).follow(),
    ]) {
      await act();
      await settled(t);
    }
    const mention = await as(dave).v1.statuses.create({ status: '@alice hi' });

    const results = await grouped(alice);
    const groups = results.notificationGroups;
    expect(groups.map((g) => [g.type, g.notificationsCount, g.sampleAccountIds])).toEqual([
      ['mention', 1, [dave.accountId]],
      ['follow', 2, [carol.accountId, bob.accountId]],
      ['favourite', 1, [carol.accountId]],
      ['favourite', 2, [carol.accountId, bob.accountId]],
    ]);
    const [alone, follows, , favourites] = groups;
    expect(alone.groupKey).toBe(`ungrouped-${alone.mostRecentNotificationId}`);
    expect(alone).toMatchObject({ statusId: mention.id });
    expect(favourites).toMatchObject({ statusId: post.id });
    expect(favourites.groupKey).toMatch(new RegExp(`^favourite-${post.id}-\\d+$`));
    expect(follows.groupKey).toMatch(/^follow-\d+$/);
    expect(statusIdOf(follows)).toBeUndefined();
    // Paged: each group tells the range of its notifications on the page.
    expect(BigInt(favourites.pageMinId as string)).toBeLessThan(BigInt(favourites.pageMaxId as string));
    expect(favourites.pageMaxId).toBe(favourites.mostRecentNotificationId);
    expect(favourites.latestPageNotificationAt).toEqual(expect.any(String));
    // Accounts and statuses once each, beside the groups.
    expect(results.accounts.map((a) => a.id).sort()).toEqual(
      [bob.accountId, carol.accountId, dave.accountId].sort(),
    );
    expect(results.statuses.map((s) => s.id).sort()).toEqual([post.id, other.id, mention.id].sort());
    expect(results.statuses.find((s) => s.id === post.id)?.favouritesCount).toBe(2);

    // v1 names the same group on each notification.
    const v1 = await as(alice).v1.notifications.list({ types: ['favourite'] });
    const keys = v1.map((n) => (n as unknown as { groupKey: string }).groupKey);
    expect(keys.filter((key) => key === favourites.groupKey)).toHaveLength(2);

    // One group by key, and who is in it.
    const one = await as(alice).v2.notifications.$select(favourites.groupKey).fetch();
    expect(one.notificationGroups).toHaveLength(1);
    expect(one.notificationGroups[0]).toMatchObject({ notificationsCount: 2, statusId: post.id });
    expect(one.notificationGroups[0].pageMinId).toBeUndefined();
    const accounts = await as(alice).v2.notifications.$select(favourites.groupKey).accounts.fetch();
    expect(accounts.map((a) => a.id)).toEqual([carol.accountId, bob.accountId]);
  });

  it('pages by groups, leaves grouping to the client’s grouped_types, and counts unread groups', async () => {
    const firstPage = await grouped(alice, { limit: 2 });
    expect(firstPage.notificationGroups.map((g) => g.type)).toEqual(['mention', 'follow']);
    const response = await apiCall(t.url, '/api/v2/notifications?limit=2', { token: alice.token });
    const next = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const secondPage = (await (
      await fetch(next as string, { headers: { authorization: `Bearer ${alice.token}` } })
    ).json()) as { notification_groups: { type: string; notifications_count: number }[] };
    // As in Mastodon, a group reaching past a page shows again on the next, counted up to there.
    expect(secondPage.notification_groups.map((g) => [g.type, g.notifications_count])).toEqual([
      ['follow', 1],
      ['favourite', 1],
    ]);

    const ungroupedFollows = await grouped(alice, { groupedTypes: kinds('favourite') });
    expect(ungroupedFollows.notificationGroups.map((g) => g.type)).toEqual([
      'mention',
      'follow',
      'follow',
      'favourite',
      'favourite',
    ]);
    expect(
      (await grouped(alice, { types: kinds('favourite') })).notificationGroups.map(
        (g) => g.notificationsCount,
      ),
    ).toEqual([1, 2]);
    expect(
      (await grouped(alice, { excludeTypes: kinds('favourite', 'follow') })).notificationGroups,
    ).toHaveLength(1);

    expect((await as(alice).v2.notifications.unreadCount.fetch()).count).toBe(4);
    const newestFollow = ungroupedFollows.notificationGroups[1].mostRecentNotificationId;
    await as(alice).v1.markers.create({ notifications: { lastReadId: newestFollow } });
    expect((await as(alice).v2.notifications.unreadCount.fetch()).count).toBe(1);
  });

  it('gives other accounts in partial form when asked, and refuses an unknown expand_accounts', async () => {
    const results = await grouped(alice, { expandAccounts: 'partial_avatars', types: kinds('follow') });
    expect(results.accounts.map((a) => a.id)).toEqual([carol.accountId]);
    expect(results.partialAccounts?.map((a) => a.id)).toEqual([bob.accountId]);
    expect(Object.keys(results.partialAccounts?.[0] ?? {}).sort()).toEqual(
      ['acct', 'avatar', 'avatarStatic', 'bot', 'id', 'locked', 'url'].sort(),
    );
    const bad = await apiCall(t.url, '/api/v2/notifications?expand_accounts=all', { token: alice.token });
    expect(bad.status).toBe(400);
  });

  it('dismisses a group, answers 404 for a group that is not the viewer’s, and drops what is gone', async () => {
    const { notificationGroups } = await grouped(alice, { types: kinds('favourite') });
    const favourites = notificationGroups[1];
    expect(await failureStatus(as(bob).v2.notifications.$select(favourites.groupKey).fetch())).toBe(404);
    expect(await as(bob).v2.notifications.$select(favourites.groupKey).accounts.fetch()).toEqual([]);
    // Someone else dismissing it changes nothing.
    await as(bob).v2.notifications.$select(favourites.groupKey).dismiss();
    expect((await grouped(alice, { types: kinds('favourite') })).notificationGroups).toHaveLength(2);
    await as(alice).v2.notifications.$select(favourites.groupKey).dismiss();
    expect(
      (await grouped(alice, { types: kinds('favourite') })).notificationGroups.map(
        (g) => g.notificationsCount,
      ),
    ).toEqual([1]);
    expect(await failureStatus(as(alice).v2.notifications.$select(favourites.groupKey).fetch())).toBe(404);
    expect(await failureStatus(as(alice).v2.notifications.$select('ungrouped-nothing').fetch())).toBe(404);

    // A deleted status takes its notification's group along, and its status out of the results.
    const [mention] = (await grouped(alice, { types: kinds('mention') })).notificationGroups;
    await as(dave)
      .v1.statuses.$select(statusIdOf(mention) as string)
      .remove();
    const after = await grouped(alice);
    expect(after.notificationGroups.map((g) => g.type)).toEqual(['follow', 'favourite']);
    expect(after.statuses.map((s) => s.id)).not.toContain(statusIdOf(mention));
    expect(after.accounts.map((a) => a.id)).not.toContain(dave.accountId);
    const noToken = await apiCall(t.url, '/api/v2/notifications');
    expect(noToken.status).toBe(401);
  });
});
