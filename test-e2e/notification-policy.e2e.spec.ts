import { createRestAPIClient, type mastodon } from 'masto';
import { Client } from 'pg';
import { modifyUser } from './support/admin';
import { seedUser, seedUsers, type SeededUser } from './support/factories';
import { apiCall, failureStatus } from './support/http';
import { settled, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(120_000);

/**
 * Mastodon 4.3's notification policy and requests through masto: what a policy filters waits in
 * a request per sender, out of the list, until accepted (merged back, and the sender accepted
 * from then on) or dismissed; what it drops is never stored.
 */
describe('notification policy and requests', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  let dave: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const notifications = async (
    user: SeededUser,
    params: mastodon.rest.v1.ListNotificationsParams = {},
  ): Promise<mastodon.v1.Notification[]> => {
    await settled(t);
    return as(user).v1.notifications.list({ limit: 40, ...params });
  };
  const requests = async (user: SeededUser): Promise<mastodon.v1.NotificationRequest[]> => {
    await settled(t);
    return as(user).v1.notifications.requests.list();
  };

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol, dave] = await seedUsers(t, ['alice', 'bob', 'carol', 'dave']);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('starts from Mastodon’s defaults and changes only the fields given', async () => {
    expect(await as(alice).v2.notifications.policy.fetch()).toEqual({
      forNotFollowing: 'accept',
      forNotFollowers: 'accept',
      forNewAccounts: 'accept',
      forPrivateMentions: 'filter',
      forLimitedAccounts: 'filter',
      summary: { pendingRequestsCount: 0, pendingNotificationsCount: 0 },
    });
    const updated = await as(alice).v2.notifications.policy.update({ forNotFollowing: 'filter' });
    expect([updated.forNotFollowing, updated.forNotFollowers, updated.forPrivateMentions]).toEqual([
      'filter',
      'accept',
      'filter',
    ]);
    expect((await as(alice).v2.notifications.policy.fetch()).forNotFollowing).toBe('filter');
    // The v1 shape reads the same policy as booleans.
    const v1 = await apiCall(t.url, '/api/v1/notifications/policy', { token: alice.token });
    expect(await v1.json()).toMatchObject({
      filter_not_following: true,
      filter_not_followers: false,
      filter_private_mentions: true,
    });
  });

  it('refuses an unknown value with 422 and changes nothing, and needs the notifications scopes', async () => {
    const bad = await apiCall(t.url, '/api/v2/notifications/policy', {
      token: alice.token,
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ for_not_followers: 'filter', for_new_accounts: 'sometimes' }),
    });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: string }).error).toEqual(expect.any(String));
    const policy = await as(alice).v2.notifications.policy.fetch();
    expect([policy.forNotFollowers, policy.forNewAccounts]).toEqual(['accept', 'accept']);
    const readOnly = await seedUser(t, { username: 'reader', scopes: ['read'] });
    expect(
      await failureStatus(as(readOnly).v2.notifications.policy.update({ forNotFollowing: 'drop' })),
    ).toBe(403);
    expect((await as(readOnly).v2.notifications.policy.fetch()).forNotFollowing).toBe('accept');
  });

  it('filters a stranger’s mention into a request, out of the list, until it is accepted', async () => {
    // alice filters accounts she does not follow (set above); she follows carol.
    await as(alice).v1.accounts.$select(carol.accountId).follow();
    const fromCarol = await as(carol).v1.statuses.create({ status: '@alice from a friend' });
    const first = await as(bob).v1.statuses.create({ status: '@alice hello stranger' });
    const second = await as(bob).v1.statuses.create({ status: '@alice hello again' });
    // Another consumer makes follow notifications: settled first, the follow's comes last.
    await settled(t);
    await as(bob).v1.accounts.$select(alice.accountId).follow();

    const seen = await notifications(alice);
    expect(seen.map((n) => [n.type, n.account.id, n.status?.id])).toEqual([
      ['mention', carol.accountId, fromCarol.id],
    ]);
    const [request] = await requests(alice);
    expect(request).toMatchObject({
      account: { id: bob.accountId },
      notificationsCount: '2',
      lastStatus: { id: second.id },
    });
    expect((await as(alice).v1.notifications.requests.$select(request.id).fetch()).id).toBe(request.id);
    expect((await as(alice).v2.notifications.policy.fetch()).summary).toEqual({
      pendingRequestsCount: 1,
      pendingNotificationsCount: 2,
    });
    // Still reachable by naming the sender, as Mastodon allows.
    expect(
      (await notifications(alice, { accountId: bob.accountId })).map((n) => n.status?.id ?? n.type),
    ).toEqual(['follow', second.id, first.id]);
    // Others cannot see or act on it.
    expect(await as(carol).v1.notifications.requests.list()).toEqual([]);
    expect(await failureStatus(as(carol).v1.notifications.requests.$select(request.id).fetch())).toBe(404);
    expect(await failureStatus(as(carol).v1.notifications.requests.$select(request.id).accept())).toBe(404);

    await as(alice).v1.notifications.requests.$select(request.id).accept();
    expect(await as(alice).v1.notifications.requests.merged.fetch()).toEqual({ merged: true });
    expect(await requests(alice)).toEqual([]);
    expect((await notifications(alice)).map((n) => n.status?.id ?? n.type)).toEqual([
      'follow',
      second.id,
      first.id,
      fromCarol.id,
    ]);
    // Accepted from now on, though alice still does not follow bob.
    const later = await as(bob).v1.statuses.create({ status: '@alice accepted now' });
    expect((await notifications(alice))[0].status?.id).toBe(later.id);
    expect(await requests(alice)).toEqual([]);
  });

  it('answers 404 for an unknown request and changes nothing', async () => {
    const before = await notifications(alice);
    for (const call of [
      as(alice).v1.notifications.requests.$select('123456789').fetch(),
      as(alice).v1.notifications.requests.$select('123456789').accept(),
      as(alice).v1.notifications.requests.$select('123456789').dismiss(),
      as(alice).v1.notifications.requests.$select('not-an-id').accept(),
    ]) {
      expect(await failureStatus(call)).toBe(404);
    }
    expect(await notifications(alice)).toEqual(before);
  });

  it('dismisses requests in bulk with their filtered notifications, and drops what the policy drops', async () => {
    await as(carol).v2.notifications.policy.update({ forNotFollowing: 'filter' });
    await as(bob).v1.statuses.create({ status: '@carol one' });
    await as(dave).v1.statuses.create({ status: '@carol two' });
    const pending = await requests(carol);
    expect(pending.map((r) => r.account.id).sort()).toEqual([bob.accountId, dave.accountId].sort());
    // masto 7.12 types the bulk actions without parameters: sent as a client sends them.
    const bulk = await apiCall(t.url, '/api/v1/notifications/requests/dismiss', {
      token: carol.token,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: [...pending.map((r) => r.id), '42', 'nope'] }),
    });
    expect([bulk.status, await bulk.json()]).toEqual([200, {}]);
    expect(await requests(carol)).toEqual([]);
    expect(await notifications(carol, { accountId: bob.accountId })).toEqual([]);
    expect(await notifications(carol, { types: ['mention'] })).toEqual([]);
    // A dismissed sender is not accepted: the next mention is filtered again.
    await as(bob).v1.statuses.create({ status: '@carol three' });
    expect((await requests(carol)).map((r) => r.account.id)).toEqual([bob.accountId]);

    // drop: nothing is stored, not even where a filtered one could be found.
    await as(dave).v2.notifications.policy.update({ forNotFollowing: 'drop' });
    await as(bob).v1.statuses.create({ status: '@dave hi' });
    await as(bob).v1.accounts.$select(dave.accountId).follow();
    expect(await notifications(dave, { accountId: bob.accountId })).toEqual([]);
    expect(await requests(dave)).toEqual([]);
    expect((await as(dave).v2.notifications.policy.fetch()).summary.pendingNotificationsCount).toBe(0);
  });

  it('filters a private mention from a stranger by default, but not a reply to one’s own', async () => {
    const erin = await seedUser(t, { username: 'erin' });
    const opening = await as(erin).v1.statuses.create({ status: '@bob a secret', visibility: 'direct' });
    const answer = await as(bob).v1.statuses.create({
      status: '@erin answered',
      visibility: 'direct',
      inReplyToId: opening.id,
    });
    await as(bob).v1.statuses.create({ status: '@erin out of the blue', visibility: 'direct' });
    expect((await notifications(erin)).map((n) => n.status?.id)).toEqual([answer.id]);
    expect((await requests(erin)).map((r) => r.account.id)).toEqual([bob.accountId]);
  });

  it('counts a follower for for_not_followers only after three days of following', async () => {
    const [gail, hugo] = await seedUsers(t, ['gail', 'hugo']);
    await as(gail).v2.notifications.policy.update({ forNotFollowers: 'filter' });
    await as(hugo).v1.accounts.$select(gail.accountId).follow();
    const early = await as(hugo).v1.statuses.create({ status: '@gail just followed you' });
    expect(await notifications(gail)).toEqual([]);
    expect((await requests(gail)).map((r) => [r.account.id, r.lastStatus?.id])).toEqual([
      [hugo.accountId, early.id],
    ]);

    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      await db.query(
        `UPDATE accounts.follows SET created_at = now() - interval '4 days'
          WHERE account_id = $1 AND target_account_id = $2`,
        [hugo.accountId, gail.accountId],
      );
    } finally {
      await db.end();
    }
    const later = await as(hugo).v1.statuses.create({ status: '@gail an old follower now' });
    expect((await notifications(gail)).map((n) => [n.type, n.status?.id])).toEqual([['mention', later.id]]);
    // What was filtered before stays in the request.
    expect((await requests(gail))[0].notificationsCount).toBe('1');
  });

  it('lets mentions from outranking staff through every mute, block and policy, and nothing else of theirs', async () => {
    const [ida, mira, boss] = await seedUsers(t, ['ida', 'mira', 'boss']);
    const config = t.system.runtime.config;
    await modifyUser(config, 'mira', { role: 'moderator' });
    await modifyUser(config, 'boss', { role: 'admin' });
    await as(ida).v2.notifications.policy.update({
      forNotFollowing: 'drop',
      forNotFollowers: 'drop',
      forNewAccounts: 'drop',
      forPrivateMentions: 'drop',
    });
    await as(ida).v1.accounts.$select(mira.accountId).mute({ notifications: true });
    await as(ida).v1.accounts.$select(boss.accountId).block();
    const privately = await as(mira).v1.statuses.create({ status: '@ida a word', visibility: 'direct' });
    // Muted with notifications, mira's favourite is dropped, staff or not.
    const own = await as(ida).v1.statuses.create({ status: 'mine' });
    await as(mira).v1.statuses.$select(own.id).favourite();
    const fromAdmin = await as(boss).v1.statuses.create({ status: '@ida @mira from the admin' });
    const toAdmin = await as(mira).v1.statuses.create({ status: '@boss a moderator asks' });
    await settled(t);
    await as(boss).v2.notifications.policy.update({ forNotFollowing: 'filter' });
    const toAdminAgain = await as(mira).v1.statuses.create({ status: '@boss again' });

    expect((await notifications(ida)).map((n) => [n.type, n.account.id, n.status?.id])).toEqual([
      ['mention', boss.accountId, fromAdmin.id],
      ['mention', mira.accountId, privately.id],
    ]);
    expect(await requests(ida)).toEqual([]);
    // A moderator mentioning an admin is a stranger to them: accepted, then filtered.
    expect((await notifications(mira)).map((n) => n.status?.id)).toEqual([fromAdmin.id]);
    expect((await notifications(boss)).map((n) => n.status?.id)).toEqual([toAdmin.id]);
    expect((await requests(boss)).map((r) => r.lastStatus?.id)).toEqual([toAdminAgain.id]);
  });

  it('drops a mention that also mentions or answers someone the account blocks', async () => {
    const [jo, kai, lou] = await seedUsers(t, ['jo', 'kai', 'lou']);
    await as(jo).v1.accounts.$select(kai.accountId).block();
    const blockedOne = await as(kai).v1.statuses.create({ status: 'kai speaks' });
    await as(lou).v1.statuses.create({ status: '@jo @kai both of you' });
    await as(lou).v1.statuses.create({ status: '@jo look at this', inReplyToId: blockedOne.id });
    const alone = await as(lou).v1.statuses.create({ status: '@jo only you' });
    expect((await notifications(jo)).map((n) => n.status?.id)).toEqual([alone.id]);
    // Whoever else is mentioned still hears of it.
    expect((await notifications(kai, { types: ['mention'] })).map((n) => n.account.id)).toEqual([
      lou.accountId,
    ]);
  });

  it('takes a private mention as an answer only where Mastodon’s walk up the thread stops', async () => {
    const [max, ned, ola] = await seedUsers(t, ['max', 'ned', 'ola']);
    const opening = await as(max).v1.statuses.create({ status: '@ned @ola private', visibility: 'direct' });
    // ola answers both, mentioning ned; ned answers ola: the walk from there stops at ola's status,
    // which mentions ned but is not max's, though max's own private mention of ned is further up.
    const between = await as(ola).v1.statuses.create({
      status: '@ned @max joining',
      visibility: 'direct',
      inReplyToId: opening.id,
    });
    const aside = await as(ned).v1.statuses.create({
      status: '@max to you',
      visibility: 'direct',
      inReplyToId: between.id,
    });
    const direct = await as(ned).v1.statuses.create({
      status: '@max straight answer',
      visibility: 'direct',
      inReplyToId: opening.id,
    });
    expect((await notifications(max, { types: ['mention'] })).map((n) => n.status?.id)).toEqual([
      direct.id,
      between.id,
    ]);
    expect((await requests(max)).map((r) => [r.account.id, r.lastStatus?.id])).toEqual([
      [ned.accountId, aside.id],
    ]);
  });
});
