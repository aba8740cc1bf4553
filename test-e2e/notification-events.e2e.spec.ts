import { createRestAPIClient, createStreamingAPIClient, type mastodon } from 'masto';
import { createUnconfirmedUser, modifyUser } from './support/admin';
import { failureStatus } from './support/http';
import { seedUser, type SeededUser } from './support/factories';
import { collect } from './support/streaming';
import { settled, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(120_000);

/**
 * Notifications and stream events that come from what happens elsewhere, through masto: a post
 * of an account followed with `notify: true` (a `status` notification), a new user (an
 * `admin.sign_up` notification for the staff who manage users), a change of one's filters
 * (`filters_changed` on one's open `user` streams).
 */
describe('status, admin.sign_up and filters_changed', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  const clients: mastodon.streaming.Client[] = [];
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const notifications = async (
    user: SeededUser,
    types: mastodon.rest.v1.ListNotificationsParams['types'],
  ): Promise<mastodon.v1.Notification[]> => {
    await settled(t);
    return as(user).v1.notifications.list({ limit: 40, types });
  };
  const stream = (user: SeededUser): mastodon.streaming.Client => {
    const client = createStreamingAPIClient({
      streamingApiUrl: t.url.replace(/^http/, 'ws'),
      accessToken: user.token,
      retry: false,
    });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol] = await Promise.all(
      ['alice', 'bob', 'carol'].map((username) => seedUser(t, { username })),
    );
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await t?.stop();
  });

  it('notifies a follower who asked (notify: true) of new posts and own threads, not of replies to others or reblogs', async () => {
    const relationship = await as(bob).v1.accounts.$select(alice.accountId).follow({ notify: true });
    expect(relationship.notifying).toBe(true);
    await as(carol).v1.accounts.$select(alice.accountId).follow();
    const post = await as(alice).v1.statuses.create({ status: 'something new' });
    const thread = await as(alice).v1.statuses.create({ status: 'and more', inReplyToId: post.id });
    const carols = await as(carol).v1.statuses.create({ status: 'a question' });
    await as(alice).v1.statuses.create({ status: '@carol an answer', inReplyToId: carols.id });
    await as(alice).v1.statuses.$select(carols.id).reblog();
    const seen = await notifications(bob, ['status']);
    expect(seen.map((n) => [n.type, n.account.id, n.status?.id])).toEqual([
      ['status', alice.accountId, thread.id],
      ['status', alice.accountId, post.id],
    ]);
    // A follower who did not ask hears nothing.
    expect(await notifications(carol, ['status'])).toEqual([]);
    // A deleted status takes its notification along.
    await as(alice).v1.statuses.$select(thread.id).remove();
    expect((await notifications(bob, ['status'])).map((n) => n.status?.id)).toEqual([post.id]);
    // Asking no more stops them; a muted author sends none either.
    await as(bob).v1.accounts.$select(alice.accountId).follow({ notify: false });
    await as(alice).v1.statuses.create({ status: 'quietly' });
    expect((await notifications(bob, ['status'])).map((n) => n.status?.id)).toEqual([post.id]);
    await as(carol).v1.accounts.$select(alice.accountId).follow({ notify: true });
    await as(carol).v1.accounts.$select(alice.accountId).mute({ notifications: false });
    await as(alice).v1.statuses.create({ status: 'muted' });
    expect(await notifications(carol, ['status'])).toEqual([]);
    await as(carol).v1.accounts.$select(alice.accountId).unmute();
    const heard = await as(alice).v1.statuses.create({ status: 'heard' });
    expect((await notifications(carol, ['status'])).map((n) => n.status?.id)).toEqual([heard.id]);
  });

  it('notifies admins and moderators of a new user once it is confirmed, and nobody else', async () => {
    const [admin, moderator] = await Promise.all(
      ['admin1', 'moderator1'].map((username) => seedUser(t, { username })),
    );
    const config = t.system.runtime.config;
    await modifyUser(config, 'admin1', { role: 'admin' });
    await modifyUser(config, 'moderator1', { role: 'moderator' });
    const newbie = await seedUser(t, { username: 'newbie' });
    for (const staff of [admin, moderator]) {
      const seen = await notifications(staff, ['admin.sign_up']);
      expect(seen.map((n) => [n.type, n.account.id, n.status])).toEqual([
        ['admin.sign_up', newbie.accountId, undefined],
      ]);
    }
    expect(await notifications(carol, ['admin.sign_up'])).toEqual([]);
    expect(await notifications(newbie, ['admin.sign_up'])).toEqual([]);
    // One whose address is not confirmed yet is announced when it is, not before.
    await createUnconfirmedUser(config, 'pending1');
    expect((await notifications(admin, ['admin.sign_up'])).map((n) => n.account.username)).toEqual([
      'newbie',
    ]);
    await modifyUser(config, 'pending1', { confirm: true });
    expect((await notifications(admin, ['admin.sign_up'])).map((n) => n.account.username)).toEqual([
      'pending1',
      'newbie',
    ]);
    // Confirming again announces nothing new.
    await modifyUser(config, 'pending1', { confirm: true });
    expect(await notifications(moderator, ['admin.sign_up'])).toHaveLength(2);
  });

  it('sends filters_changed without a payload to open user streams when filters change, not to user:notification', async () => {
    const client = stream(alice);
    const user = collect(client.user.subscribe());
    const onlyNotifications = collect(client.user.notification.subscribe());
    await user.ready(() => as(alice).v1.statuses.create({ status: 'probe', visibility: 'direct' }));
    const filters = as(alice).v2.filters;
    const changed = async (change: () => Promise<unknown>): Promise<void> => {
      await change();
      const events = await user.next(1);
      expect(events).toEqual([{ stream: ['user'], event: 'filters_changed', payload: undefined }]);
    };
    let filter: mastodon.v2.Filter | undefined;
    await changed(async () => {
      filter = await filters.create({ title: 'spoilers', context: ['home'], keywordsAttributes: [] });
    });
    const id = filter?.id ?? '';
    await changed(() => filters.$select(id).update({ title: 'big spoilers' }));
    let keywordId = '';
    await changed(async () => {
      keywordId = (await filters.$select(id).keywords.create({ keyword: 'finale' })).id;
    });
    await changed(() => filters.keywords.$select(keywordId).update({ keyword: 'season' }));
    await changed(() => filters.keywords.$select(keywordId).remove());
    const status = await as(bob).v1.statuses.create({ status: 'to filter' });
    let filterStatusId = '';
    await changed(async () => {
      filterStatusId = (await filters.$select(id).statuses.create({ statusId: status.id })).id;
    });
    await changed(() => filters.statuses.$select(filterStatusId).remove());
    let legacyId = '';
    await changed(async () => {
      legacyId = (await as(alice).v1.filters.create({ phrase: 'legacy', context: ['public'] })).id;
    });
    await changed(() => as(alice).v1.filters.$select(legacyId).remove());
    await changed(() => filters.$select(id).remove());
    // A change refused changes nothing and announces nothing; nor does another account's filter.
    expect(await failureStatus(filters.create({ title: '', context: ['home'] }))).toBe(422);
    expect(await failureStatus(filters.$select(id).update({ title: 'gone' }))).toBe(404);
    await as(bob).v2.filters.create({ title: 'bob’s', context: ['home'] });
    await settled(t);
    expect(await user.next(1, 500)).toEqual([]);
    // user:notification carries notifications only: the mention comes, the filter changes did not.
    const mention = await as(bob).v1.statuses.create({ status: 'hi @alice' });
    const [first] = await onlyNotifications.next(1);
    expect(first).toMatchObject({ event: 'notification', payload: { status: { id: mention.id } } });
  });
});
