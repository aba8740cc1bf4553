import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { settled, startTestSystem, type TestSystem } from './support/system';
import { homeIds } from './support/timelines';

jest.setTimeout(120_000);

/**
 * The home feed (fan-out on write through events) and the public timelines, read through public
 * HTTP with masto: who gets which status, what follows and unfollows bring and take away, and
 * what mutes, blocks and the replies rule keep out.
 */
describe('home and public timelines', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  let dave: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const home = (user: SeededUser): Promise<string[]> => homeIds(t, user.token);
  const publicIds = async (client: mastodon.rest.Client, params = {}): Promise<string[]> =>
    (await client.v1.timelines.public.list({ limit: 40, ...params })).map((s) => s.id);

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol, dave] = await seedUsers(t, ['alice', 'bob', 'carol', 'dave']);
    // bob follows alice; carol follows nobody yet; dave follows alice and bob.
    await as(bob).v1.accounts.$select(alice.accountId).follow();
    await as(dave).v1.accounts.$select(alice.accountId).follow();
    await as(dave).v1.accounts.$select(bob.accountId).follow();
    await settled(t);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('delivers each status to its author and followers, direct ones only to followers it mentions', async () => {
    const post = (visibility: mastodon.v1.StatusVisibility, status: string) =>
      as(alice).v1.statuses.create({ status, visibility });
    const open = await post('public', 'hello followers');
    const quiet = await post('unlisted', 'quietly');
    const followersOnly = await post('private', 'followers only');
    const toBob = await post('direct', 'psst @bob');
    const toCarol = await post('direct', 'psst @carol');
    expect(await home(alice)).toEqual([toCarol.id, toBob.id, followersOnly.id, quiet.id, open.id]);
    expect(await home(bob)).toEqual([toBob.id, followersOnly.id, quiet.id, open.id]);
    expect(await home(dave)).toEqual([followersOnly.id, quiet.id, open.id]);
    // carol follows nobody: a mention brings no status into her home feed.
    expect(await home(carol)).toEqual([]);
    // Pages: newest first, then older by max_id, newer by min_id.
    const firstPage = await as(alice).v1.timelines.home.list({ limit: 2 });
    expect(firstPage.map((s) => s.id)).toEqual([toCarol.id, toBob.id]);
    const older = await as(alice).v1.timelines.home.list({ limit: 2, maxId: toBob.id });
    expect(older.map((s) => s.id)).toEqual([followersOnly.id, quiet.id]);
    const newer = await as(alice).v1.timelines.home.list({ limit: 2, minId: quiet.id });
    expect(newer.map((s) => s.id)).toEqual([toBob.id, followersOnly.id]);
    // A deleted status leaves every feed.
    await as(alice).v1.statuses.$select(quiet.id).remove();
    expect(await home(bob)).not.toContain(quiet.id);
    expect(await home(alice)).not.toContain(quiet.id);
  });

  it('merges an account’s statuses on follow and takes them out on unfollow', async () => {
    const before = await as(alice).v1.statuses.create({
      status: 'before carol followed',
      visibility: 'private',
    });
    await as(carol).v1.accounts.$select(alice.accountId).follow();
    expect(await home(carol)).toContain(before.id);
    await as(carol).v1.accounts.$select(alice.accountId).unfollow();
    expect(await home(carol)).not.toContain(before.id);
  });

  it('keeps muted accounts and replies to strangers out of the home feed', async () => {
    // dave follows alice and bob; bob replies to carol, whom dave does not follow.
    const toCarol = await as(bob).v1.statuses.create({ status: '@carol hi' });
    const carolPost = await as(carol).v1.statuses.create({ status: 'a post of carol' });
    const replyToStranger = await as(bob).v1.statuses.create({
      status: '@carol nice',
      inReplyToId: carolPost.id,
    });
    const aliceNote = await as(alice).v1.statuses.create({ status: 'alice again' });
    const replyToAlice = await as(bob).v1.statuses.create({
      status: '@alice indeed',
      inReplyToId: aliceNote.id,
    });
    const feed = await home(dave);
    expect(feed).toEqual(expect.arrayContaining([toCarol.id, aliceNote.id, replyToAlice.id]));
    expect(feed).not.toContain(replyToStranger.id);
    await as(dave).v1.accounts.$select(bob.accountId).mute();
    const muted = await home(dave);
    expect(muted).not.toContain(replyToAlice.id);
    expect(muted).toContain(aliceNote.id);
    expect(await publicIds(as(dave))).not.toContain(toCarol.id);
    await as(dave).v1.accounts.$select(bob.accountId).unmute();
    expect(await home(dave)).toContain(replyToAlice.id);
  });

  it('shows public statuses only, without replies to others, to anyone on the public timelines', async () => {
    const anonymous = createRestAPIClient({ url: t.url });
    const open = await as(carol).v1.statuses.create({ status: 'public, from carol' });
    const quiet = await as(carol).v1.statuses.create({ status: 'unlisted', visibility: 'unlisted' });
    const hidden = await as(carol).v1.statuses.create({ status: 'private', visibility: 'private' });
    const mention = await as(carol).v1.statuses.create({ status: '@alice hello' });
    const replyToOther = await as(carol).v1.statuses.create({
      status: '@bob a reply',
      inReplyToId: (await as(bob).v1.statuses.create({ status: 'bob speaks' })).id,
    });
    const everyone = await publicIds(anonymous);
    expect(everyone).toContain(open.id);
    expect(everyone).toContain(mention.id);
    for (const id of [quiet.id, hidden.id, replyToOther.id]) expect(everyone).not.toContain(id);
    expect(await publicIds(anonymous, { local: true })).toContain(open.id);
    // No remote statuses yet: the remote timeline is empty.
    expect(await publicIds(anonymous, { remote: true })).toEqual([]);
    // An author who blocks the viewer is left out for that viewer only.
    await as(carol).v1.accounts.$select(dave.accountId).block();
    expect(await publicIds(as(dave))).not.toContain(open.id);
    expect(await publicIds(as(bob))).toContain(open.id);
  });

  it('refuses the home feed without a user token', async () => {
    const response = await fetch(`${t.url}/api/v1/timelines/home`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('The access token is invalid');
  });
});
