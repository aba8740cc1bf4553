import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { failureStatus } from './support/http';
import { settled, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(120_000);

/**
 * Reblogs and pins through masto: a reblog reaches the reblogger's followers who take reblogs
 * (once per shared status), counts, notifies, lists its reblogger and goes when withdrawn or when
 * the status it shares is deleted; what may not be shared is refused and changes nothing. Pins
 * feature a few of one's own public statuses on the profile.
 */
describe('reblogs and pins', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  let dave: SeededUser;
  let erin: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const home = async (user: SeededUser): Promise<mastodon.v1.Status[]> => {
    await settled(t);
    return as(user).v1.timelines.home.list({ limit: 40 });
  };

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol, dave, erin] = await seedUsers(t, ['alice', 'bob', 'carol', 'dave', 'erin']);
    // bob follows alice; carol follows bob; dave follows bob without his reblogs; erin follows alice and bob.
    await as(bob).v1.accounts.$select(alice.accountId).follow();
    await as(carol).v1.accounts.$select(bob.accountId).follow();
    await as(dave).v1.accounts.$select(bob.accountId).follow({ reblogs: false });
    await as(erin).v1.accounts.$select(alice.accountId).follow();
    await as(erin).v1.accounts.$select(bob.accountId).follow();
    await settled(t);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('reblogs once, counts it, feeds followers who take reblogs, notifies and lists the reblogger', async () => {
    const status = await as(alice).v1.statuses.create({ status: 'worth sharing' });
    const reblog = await as(bob).v1.statuses.$select(status.id).reblog();
    expect(reblog).toMatchObject({
      account: { id: bob.accountId },
      content: '',
      visibility: 'public',
      reblog: { id: status.id, reblogged: true, reblogsCount: 1, account: { id: alice.accountId } },
    });
    expect(reblog.uri).toMatch(new RegExp(`/users/bob/statuses/${reblog.id}/activity$`));
    // Asking again answers the same reblog, counted once; so does reblogging the reblog.
    const again = await as(bob).v1.statuses.$select(reblog.id).reblog();
    expect([again.id, again.reblog?.reblogsCount]).toEqual([reblog.id, 1]);

    const carolHome = await home(carol);
    expect(carolHome[0]).toMatchObject({ id: reblog.id, reblog: { id: status.id, reblogged: false } });
    // dave follows bob without his reblogs; erin already has alice's status, so not bob's reblog of it.
    expect((await home(dave)).map((s) => s.id)).not.toContain(reblog.id);
    expect((await home(erin)).map((s) => s.id)).toEqual(expect.arrayContaining([status.id]));
    expect((await home(erin)).map((s) => s.id)).not.toContain(reblog.id);

    const by = await as(carol).v1.statuses.$select(status.id).rebloggedBy.list();
    expect(by.map((a) => a.id)).toEqual([bob.accountId]);
    const [notification] = await as(alice).v1.notifications.list({ types: ['reblog'] });
    expect(notification).toMatchObject({
      type: 'reblog',
      account: { id: bob.accountId },
      status: { id: status.id },
    });
    // On bob's profile, unless asked to leave reblogs out; never on the public timeline.
    const profile = await as(carol).v1.accounts.$select(bob.accountId).statuses.list();
    expect(profile.map((s) => s.id)).toContain(reblog.id);
    const withoutReblogs = await as(carol)
      .v1.accounts.$select(bob.accountId)
      .statuses.list({ excludeReblogs: true });
    expect(withoutReblogs.map((s) => s.id)).not.toContain(reblog.id);
    const publicIds = (await as(carol).v1.timelines.public.list({ limit: 40 })).map((s) => s.id);
    expect(publicIds).toContain(status.id);
    expect(publicIds).not.toContain(reblog.id);
    // The reblog itself, fetched by id, carries the status it shares.
    expect(await as(carol).v1.statuses.$select(reblog.id).fetch()).toMatchObject({
      reblog: { id: status.id },
    });
  });

  it('withdraws a reblog from counts, feeds and notifications', async () => {
    const status = await as(alice).v1.statuses.create({ status: 'share, then regret' });
    const reblog = await as(bob).v1.statuses.$select(status.id).reblog();
    expect((await home(carol)).map((s) => s.id)).toContain(reblog.id);
    const undone = await as(bob).v1.statuses.$select(status.id).unreblog();
    expect(undone).toMatchObject({ id: status.id, reblogged: false, reblogsCount: 0 });
    expect((await home(carol)).map((s) => s.id)).not.toContain(reblog.id);
    expect(await failureStatus(as(carol).v1.statuses.$select(reblog.id).fetch())).toBe(404);
    const notifications = await as(alice).v1.notifications.list({ types: ['reblog'] });
    expect(notifications.map((n) => n.status?.id)).not.toContain(status.id);
    // Unreblogging what one never reblogged answers the status as it is.
    expect(await as(carol).v1.statuses.$select(status.id).unreblog()).toMatchObject({ reblogsCount: 0 });
  });

  it('takes the reblogs of a deleted status along', async () => {
    const status = await as(alice).v1.statuses.create({ status: 'soon gone' });
    const reblog = await as(bob).v1.statuses.$select(status.id).reblog();
    expect((await home(carol)).map((s) => s.id)).toContain(reblog.id);
    await as(alice).v1.statuses.$select(status.id).remove();
    expect((await home(carol)).map((s) => s.id)).not.toContain(reblog.id);
    expect(await failureStatus(as(bob).v1.statuses.$select(reblog.id).fetch())).toBe(404);
    const profile = await as(carol).v1.accounts.$select(bob.accountId).statuses.list();
    expect(profile.map((s) => s.id)).not.toContain(reblog.id);
  });

  it('refuses to share what may not be shared, and changes nothing', async () => {
    const followersOnly = await as(alice).v1.statuses.create({
      status: 'for followers',
      visibility: 'private',
    });
    expect(await failureStatus(as(bob).v1.statuses.$select(followersOnly.id).reblog())).toBe(422);
    const direct = await as(alice).v1.statuses.create({ status: 'psst @bob', visibility: 'direct' });
    expect(await failureStatus(as(bob).v1.statuses.$select(direct.id).reblog())).toBe(422);
    // carol may not see alice's private status at all: 404, as if it did not exist.
    expect(await failureStatus(as(carol).v1.statuses.$select(followersOnly.id).reblog())).toBe(404);
    expect(await failureStatus(as(bob).v1.statuses.$select('999999999999').reblog())).toBe(404);
    const status = await as(alice).v1.statuses.create({ status: 'public' });
    expect(
      await failureStatus(
        as(bob)
          .v1.statuses.$select(status.id)
          .reblog({ visibility: 'nonsense' as 'public' }),
      ),
    ).toBe(422);
    for (const id of [followersOnly.id, direct.id, status.id]) {
      expect((await as(alice).v1.statuses.$select(id).fetch()).reblogsCount).toBe(0);
    }
    // The author shares her own private status with its own audience.
    const own = await as(alice).v1.statuses.$select(followersOnly.id).reblog({ visibility: 'public' });
    expect(own).toMatchObject({ visibility: 'private', reblog: { id: followersOnly.id } });
    // A reblog of a private status reaches only those who may see the status: not carol.
    expect(await failureStatus(as(carol).v1.statuses.$select(own.id).fetch())).toBe(404);
  });

  it('keeps reblogs of blocked or muted accounts out of the home feed', async () => {
    const status = await as(alice).v1.statuses.create({ status: 'carol does not want this' });
    const reblog = await as(bob).v1.statuses.$select(status.id).reblog();
    expect((await home(carol)).map((s) => s.id)).toContain(reblog.id);
    await as(carol).v1.accounts.$select(alice.accountId).mute();
    expect((await home(carol)).map((s) => s.id)).not.toContain(reblog.id);
    await as(carol).v1.accounts.$select(alice.accountId).unmute();
    // A block by the author hides her status everywhere, reblogged or not.
    await as(alice).v1.accounts.$select(carol.accountId).block();
    expect((await home(carol)).map((s) => s.id)).not.toContain(reblog.id);
    expect(await failureStatus(as(carol).v1.statuses.$select(reblog.id).fetch())).toBe(404);
    const by = await as(alice).v1.statuses.$select(status.id).rebloggedBy.list();
    expect(by.map((a) => a.id)).toEqual([bob.accountId]);
    await as(alice).v1.accounts.$select(carol.accountId).unblock();
  });

  it('pins up to five of one own public statuses and lists them first on the profile', async () => {
    const posts: mastodon.v1.Status[] = [];
    for (let i = 0; i < 6; i += 1) posts.push(await as(erin).v1.statuses.create({ status: `pin me ${i}` }));
    for (const post of posts.slice(0, 5)) {
      expect(await as(erin).v1.statuses.$select(post.id).pin()).toMatchObject({ id: post.id, pinned: true });
    }
    // Pinning again is a no-op; a sixth is refused, as are others' statuses, private ones and reblogs.
    expect((await as(erin).v1.statuses.$select(posts[0].id).pin()).pinned).toBe(true);
    expect(await failureStatus(as(erin).v1.statuses.$select(posts[5].id).pin())).toBe(422);
    const theirs = await as(alice).v1.statuses.create({ status: 'not erin’s' });
    expect(await failureStatus(as(erin).v1.statuses.$select(theirs.id).pin())).toBe(422);
    const hidden = await as(erin).v1.statuses.create({ status: 'followers', visibility: 'private' });
    const boosted = await as(erin).v1.statuses.$select(theirs.id).reblog();
    await as(erin).v1.statuses.$select(posts[4].id).unpin();
    expect(await failureStatus(as(erin).v1.statuses.$select(hidden.id).pin())).toBe(422);
    expect(await failureStatus(as(erin).v1.statuses.$select(boosted.id).pin())).toBe(422);

    const pinned = await as(bob).v1.accounts.$select(erin.accountId).statuses.list({ pinned: true });
    expect(pinned.map((s) => s.id)).toEqual([posts[3].id, posts[2].id, posts[1].id, posts[0].id]);
    // The pinned flag is the owner's to see.
    expect((await as(erin).v1.statuses.$select(posts[0].id).fetch()).pinned).toBe(true);
    expect((await as(erin).v1.statuses.$select(posts[4].id).fetch()).pinned).toBe(false);
    expect((await as(bob).v1.statuses.$select(posts[0].id).fetch()).pinned).toBeUndefined();
    // A deleted status leaves the pins, making room for another.
    await as(erin).v1.statuses.$select(posts[0].id).remove();
    await as(erin).v1.statuses.$select(posts[5].id).pin();
    const after = await as(bob).v1.accounts.$select(erin.accountId).statuses.list({ pinned: true });
    expect(after.map((s) => s.id)).toEqual([posts[5].id, posts[3].id, posts[2].id, posts[1].id]);
  });
});
