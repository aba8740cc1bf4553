import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { apiCall, failureStatus } from './support/http';
import { collect, streamingClients } from './support/streaming';
import { startTestSystem, type TestSystem } from './support/system';
import { homeIds } from './support/timelines';

jest.setTimeout(120_000);

/**
 * Hashtags through masto: the Tag entity with its week of use, following a hashtag (its public
 * statuses then come into the home feed), the hashtag timeline with any/all/none and local, and
 * the hashtag stream; what the viewer may not see stays out.
 */
describe('hashtags', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  const streams = streamingClients(() => t.url);
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const home = (user: SeededUser): Promise<string[]> => homeIds(t, user.token);
  const tagTimeline = async (
    client: mastodon.rest.Client,
    tag: string,
    params: mastodon.rest.v1.ListTimelineParams & { any?: string[]; all?: string[]; none?: string[] } = {},
  ): Promise<string[]> =>
    (await client.v1.timelines.tag.$select(tag).list({ limit: 40, ...params })).map((s) => s.id);

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol] = await seedUsers(t, ['alice', 'bob', 'carol']);
  });

  afterAll(async () => {
    await streams.closeAll();
    await t?.stop();
  });

  it('describes a hashtag with its week of use, and whether the viewer follows it', async () => {
    await as(alice).v1.statuses.create({ status: 'I love #Cats' });
    await as(alice).v1.statuses.create({ status: 'more #cats' });
    await as(bob).v1.statuses.create({ status: '#cats here too', visibility: 'unlisted' });
    await as(bob).v1.statuses.create({ status: 'secret #cats', visibility: 'private' });
    const tag = await as(carol).v1.tags.$select('CATS').fetch();
    expect(tag).toMatchObject({ name: 'cats', following: false });
    expect(tag.url).toBe(`${t.url}/tags/cats`);
    expect(tag.history).toHaveLength(7);
    const today = String(Math.floor(Date.UTC(...dayParts()) / 1000));
    // Public and unlisted uses count; a private one does not.
    expect(tag.history?.[0]).toEqual({ day: today, uses: '3', accounts: '2' });
    expect(tag.history?.slice(1).every((day) => day.uses === '0')).toBe(true);
    // Signed out: no `following`. A name never used has no id yet; one that is no hashtag is 404.
    const anonymous = (await (await apiCall(t.url, '/api/v1/tags/cats')).json()) as Record<string, unknown>;
    expect(anonymous).toMatchObject({ name: 'cats', id: tag.id });
    expect(anonymous).not.toHaveProperty('following');
    expect(await as(carol).v1.tags.$select('neverused').fetch()).toMatchObject({ id: '', name: 'neverused' });
    expect(await failureStatus(as(carol).v1.tags.$select('1234').fetch())).toBe(404);
    expect(await failureStatus(as(carol).v1.tags.$select('no-dashes').follow())).toBe(404);
  });

  it('brings the public statuses of followed hashtags into the home feed, until unfollowed', async () => {
    const followed = await as(carol).v1.tags.$select('Birds').follow();
    expect(followed).toMatchObject({ name: 'birds', following: true });
    expect((await as(carol).v1.tags.$select('birds').follow()).following).toBe(true);
    expect((await as(carol).v1.followedTags.list()).map((tag) => tag.name)).toEqual(['birds']);
    const open = await as(alice).v1.statuses.create({ status: 'a #birds post' });
    const quiet = await as(alice).v1.statuses.create({
      status: 'an unlisted #birds post',
      visibility: 'unlisted',
    });
    const hidden = await as(alice).v1.statuses.create({
      status: 'a private #birds post',
      visibility: 'private',
    });
    const feed = await home(carol);
    expect(feed).toContain(open.id);
    expect(feed).not.toContain(quiet.id);
    expect(feed).not.toContain(hidden.id);
    // A muted author stays out, as everywhere in the home feed.
    await as(carol).v1.accounts.$select(alice.accountId).mute();
    expect(await home(carol)).not.toContain(open.id);
    await as(carol).v1.accounts.$select(alice.accountId).unmute();
    // A deleted status leaves the feed.
    await as(alice).v1.statuses.$select(open.id).remove();
    expect(await home(carol)).not.toContain(open.id);
    expect(await as(carol).v1.tags.$select('birds').unfollow()).toMatchObject({ following: false });
    expect(await as(carol).v1.followedTags.list()).toEqual([]);
    const later = await as(alice).v1.statuses.create({ status: 'another #birds post' });
    expect(await home(carol)).not.toContain(later.id);
  });

  it('lists a hashtag timeline with any, all and none, and local', async () => {
    const red = await as(alice).v1.statuses.create({ status: '#fruit #red' });
    const green = await as(bob).v1.statuses.create({ status: '#fruit #green' });
    const both = await as(alice).v1.statuses.create({ status: '#fruit #red #green' });
    const veg = await as(bob).v1.statuses.create({ status: '#veg #green' });
    await as(alice).v1.statuses.create({ status: '#fruit but private', visibility: 'private' });
    await as(alice).v1.statuses.create({ status: '#fruit unlisted', visibility: 'unlisted' });
    const client = as(carol);
    expect(await tagTimeline(client, 'fruit')).toEqual([both.id, green.id, red.id]);
    expect(await tagTimeline(client, 'fruit', { any: ['veg'] })).toEqual([veg.id, both.id, green.id, red.id]);
    expect(await tagTimeline(client, 'fruit', { all: ['red'] })).toEqual([both.id, red.id]);
    expect(await tagTimeline(client, 'fruit', { none: ['green'] })).toEqual([red.id]);
    expect(await tagTimeline(client, 'fruit', { local: true })).toEqual([both.id, green.id, red.id]);
    expect(await tagTimeline(client, 'fruit', { remote: true })).toEqual([]);
    // Paging: newest first, then older by max_id.
    expect(await tagTimeline(client, 'fruit', { limit: 1, maxId: both.id })).toEqual([green.id]);
    // Signed out, the same public statuses.
    const anonymous = (await (await apiCall(t.url, '/api/v1/timelines/tag/fruit')).json()) as {
      id: string;
    }[];
    expect(anonymous.map((s) => s.id)).toEqual([both.id, green.id, red.id]);
    // A block hides the blocker's statuses from the blocked.
    await as(bob).v1.accounts.$select(carol.accountId).block();
    expect(await tagTimeline(client, 'fruit')).toEqual([both.id, red.id]);
    await as(bob).v1.accounts.$select(carol.accountId).unblock();
    expect(await failureStatus(client.v1.timelines.tag.$select('12345').list())).toBe(404);
  });

  it('features a few hashtags on a profile, with their use counted', async () => {
    await as(bob).v1.statuses.create({ status: 'about #gardening' });
    await as(bob).v1.statuses.create({ status: 'more #gardening and #Tomatoes' });
    await as(bob).v1.statuses.create({ status: 'secret #gardening', visibility: 'private' });
    const suggested = await as(bob).v1.featuredTags.suggestions.list();
    expect(suggested.map((tag) => tag.name).slice(0, 2)).toEqual(['gardening', 'cats']);
    const featured = await as(bob).v1.featuredTags.create({ name: '#Gardening' });
    expect(featured).toMatchObject({
      name: 'gardening',
      url: `${t.url}/@bob/tagged/gardening`,
      statusesCount: '2',
      lastStatusAt: new Date().toISOString().slice(0, 10),
    });
    // Featured twice, or a name that is no hashtag: 422, and nothing more is featured.
    expect(await failureStatus(as(bob).v1.featuredTags.create({ name: 'gardening' }))).toBe(422);
    expect(await failureStatus(as(bob).v1.featuredTags.create({ name: 'not a tag' }))).toBe(422);
    await as(bob).v1.featuredTags.create({ name: 'unused' });
    const onProfile = await as(carol).v1.accounts.$select(bob.accountId).featuredTags.list();
    expect(onProfile.map((tag) => [tag.name, tag.statusesCount])).toEqual([
      ['gardening', '2'],
      ['unused', '0'],
    ]);
    expect((await as(bob).v1.featuredTags.suggestions.list()).map((tag) => tag.name)).not.toContain(
      'gardening',
    );
    // Only the owner removes a featured hashtag; for others it does not exist.
    expect(await failureStatus(as(carol).v1.featuredTags.$select(featured.id).remove())).toBe(404);
    await as(bob).v1.featuredTags.$select(featured.id).remove();
    expect((await as(bob).v1.featuredTags.list()).map((tag) => tag.name)).toEqual(['unused']);
    // The limit: ten.
    for (let i = 0; i < 9; i += 1) await as(bob).v1.featuredTags.create({ name: `topic${i}` });
    expect(await failureStatus(as(bob).v1.featuredTags.create({ name: 'onetoomany' }))).toBe(422);
    expect(await as(bob).v1.featuredTags.list()).toHaveLength(10);
  });

  it('streams a hashtag’s new public statuses', async () => {
    const streaming = streams.open(carol.token);
    const events = collect(streaming.hashtag.subscribe({ tag: 'Live' }));
    await events.ready(() => as(alice).v1.statuses.create({ status: 'probe #live' }));
    const quiet = await as(alice).v1.statuses.create({
      status: 'not on the stream #live',
      visibility: 'unlisted',
    });
    const other = await as(alice).v1.statuses.create({ status: 'other #tag' });
    const open = await as(bob).v1.statuses.create({ status: 'on the stream #live' });
    const [event] = await events.next(1);
    expect(event).toMatchObject({ event: 'update', stream: ['hashtag', 'Live'], payload: { id: open.id } });
    expect([quiet.id, other.id]).not.toContain((event as { payload: { id: string } }).payload.id);
    await as(bob).v1.statuses.$select(open.id).remove();
    const [deleted] = await events.next(1);
    expect(deleted).toMatchObject({ event: 'delete', payload: open.id });
  });
});

/** Today's date, UTC, as Date.UTC's arguments. */
function dayParts(): [number, number, number] {
  const now = new Date();
  return [now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()];
}
