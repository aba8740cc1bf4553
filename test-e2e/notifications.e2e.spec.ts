import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { settled, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(120_000);

/** Notifications and markers through public HTTP with masto, as an app reads them at launch. */
describe('notifications and markers', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const notifications = async (
    user: SeededUser,
    params: mastodon.rest.v1.ListNotificationsParams = {},
  ): Promise<mastodon.v1.Notification[]> => {
    await settled(t);
    return as(user).v1.notifications.list({ limit: 40, ...params });
  };

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol] = await seedUsers(t, ['alice', 'bob', 'carol']);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('notifies follows and mentions once, newest first, with the actor and the status', async () => {
    await as(bob).v1.accounts.$select(alice.accountId).follow();
    const mention = await as(bob).v1.statuses.create({ status: 'hi @alice' });
    const seen = await notifications(alice);
    expect(seen.map((n) => [n.type, n.account.id, n.status?.id])).toEqual([
      ['mention', bob.accountId, mention.id],
      ['follow', bob.accountId, undefined],
    ]);
    expect(seen[0].status?.content).toContain('@<span>alice</span>');
    expect((seen[0] as unknown as { group_key?: string; groupKey?: string }).groupKey).toBe(
      `ungrouped-${seen[0].id}`,
    );
    // Filters by type, and one by id.
    expect((await notifications(alice, { types: ['follow'] })).map((n) => n.type)).toEqual(['follow']);
    expect((await notifications(alice, { excludeTypes: ['follow'] })).map((n) => n.type)).toEqual([
      'mention',
    ]);
    expect((await as(alice).v1.notifications.$select(seen[0].id).fetch()).id).toBe(seen[0].id);
    // Nobody else sees them.
    expect(await notifications(carol)).toEqual([]);
    const response = await fetch(`${t.url}/api/v1/notifications/${seen[0].id}`, {
      headers: { authorization: `Bearer ${carol.token}` },
    });
    expect(response.status).toBe(404);
  });

  it('counts unread notifications after the notifications marker, and keeps markers', async () => {
    await as(carol).v1.statuses.create({ status: '@alice one' });
    await as(carol).v1.statuses.create({ status: '@alice two' });
    const all = await notifications(alice);
    const unread = async (): Promise<number> =>
      (
        (await (
          await fetch(`${t.url}/api/v1/notifications/unread_count`, {
            headers: { authorization: `Bearer ${alice.token}` },
          })
        ).json()) as { count: number }
      ).count;
    expect(await unread()).toBe(all.length);
    const saved = await as(alice).v1.markers.create({ notifications: { lastReadId: all[1].id } });
    expect(saved.notifications).toMatchObject({ lastReadId: all[1].id, version: 0 });
    expect(await unread()).toBe(1);
    const again = await as(alice).v1.markers.create({ notifications: { lastReadId: all[0].id } });
    expect(again.notifications?.version).toBe(1);
    expect(await unread()).toBe(0);
    const markers = await as(alice).v1.markers.fetch({ timeline: ['home', 'notifications'] });
    expect(markers.notifications?.lastReadId).toBe(all[0].id);
    expect(markers.home).toBeUndefined();
  });

  it('drops a mention’s notification with its status, and notifies nothing from a blocked account', async () => {
    const mention = await as(carol).v1.statuses.create({ status: 'hey @bob' });
    expect((await notifications(bob)).map((n) => n.status?.id)).toContain(mention.id);
    await as(carol).v1.statuses.$select(mention.id).remove();
    expect((await notifications(bob)).map((n) => n.status?.id)).not.toContain(mention.id);
    await as(bob).v1.accounts.$select(carol.accountId).block();
    await as(carol).v1.statuses.create({ status: 'still there @bob?' });
    expect((await notifications(bob)).filter((n) => n.account.id === carol.accountId)).toEqual([]);
  });

  it('answers the other calls an app makes at launch', async () => {
    expect(await as(alice).v1.announcements.list()).toEqual([]);
    const noToken = await fetch(`${t.url}/api/v1/announcements`);
    expect(noToken.status).toBe(401);
  });

  it('dismisses one, clears all, and refuses what is not the viewer’s', async () => {
    await as(carol).v1.statuses.create({ status: '@alice three' });
    const [first] = await notifications(alice);
    await as(alice).v1.notifications.$select(first.id).dismiss();
    expect((await notifications(alice)).map((n) => n.id)).not.toContain(first.id);
    const dismissTwice = await fetch(`${t.url}/api/v1/notifications/${first.id}/dismiss`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(dismissTwice.status).toBe(404);
    await as(alice).v1.notifications.clear();
    expect(await notifications(alice)).toEqual([]);
    const badMarker = await fetch(`${t.url}/api/v1/markers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ home: { last_read_id: 'latest' } }),
    });
    expect(badMarker.status).toBe(422);
    const noToken = await fetch(`${t.url}/api/v1/notifications`);
    expect(noToken.status).toBe(401);
  });
});
