import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { failureStatus } from './support/http';
import { settled, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(90_000);

/** Favourites and bookmarks through masto: idempotent, counted, listed, notified, and only on what one may see. */
describe('favourites and bookmarks', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol] = await seedUsers(t, ['alice', 'bob', 'carol']);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('favourites once however often asked, counts it, lists it and notifies the author', async () => {
    const status = await as(alice).v1.statuses.create({ status: 'like me' });
    const first = await as(bob).v1.statuses.$select(status.id).favourite();
    const again = await as(bob).v1.statuses.$select(status.id).favourite();
    expect([first.favourited, first.favouritesCount, again.favouritesCount]).toEqual([true, 1, 1]);
    expect((await as(carol).v1.statuses.$select(status.id).fetch()).favourited).toBe(false);
    expect((await as(bob).v1.favourites.list()).map((s) => s.id)).toEqual([status.id]);
    const by = await as(carol).v1.statuses.$select(status.id).favouritedBy.list();
    expect(by.map((a) => a.id)).toEqual([bob.accountId]);
    await settled(t);
    const [notification] = await as(alice).v1.notifications.list({ types: ['favourite'] });
    expect(notification).toMatchObject({
      type: 'favourite',
      account: { id: bob.accountId },
      status: { id: status.id },
    });
    const undone = await as(bob).v1.statuses.$select(status.id).unfavourite();
    expect([undone.favourited, undone.favouritesCount]).toEqual([false, 0]);
    expect(await as(bob).v1.favourites.list()).toEqual([]);
    await settled(t);
    expect(await as(alice).v1.notifications.list({ types: ['favourite'] })).toEqual([]);
  });

  it('bookmarks privately: only the owner sees the mark and the list', async () => {
    const status = await as(alice).v1.statuses.create({ status: 'keep me' });
    expect((await as(bob).v1.statuses.$select(status.id).bookmark()).bookmarked).toBe(true);
    expect((await as(bob).v1.bookmarks.list()).map((s) => s.id)).toEqual([status.id]);
    expect((await as(alice).v1.statuses.$select(status.id).fetch()).bookmarked).toBe(false);
    expect(await as(alice).v1.bookmarks.list()).toEqual([]);
    expect((await as(bob).v1.statuses.$select(status.id).unbookmark()).bookmarked).toBe(false);
    expect(await as(bob).v1.bookmarks.list()).toEqual([]);
  });

  it('answers 404 for a status the viewer may not see, and for one that does not exist', async () => {
    const hidden = await as(alice).v1.statuses.create({ status: 'followers only', visibility: 'private' });
    expect(await failureStatus(as(carol).v1.statuses.$select(hidden.id).favourite())).toBe(404);
    expect(await failureStatus(as(carol).v1.statuses.$select(hidden.id).bookmark())).toBe(404);
    expect(await failureStatus(as(carol).v1.statuses.$select(hidden.id).favouritedBy.list())).toBe(404);
    expect(await failureStatus(as(carol).v1.statuses.$select('999999999').favourite())).toBe(404);
    expect((await as(alice).v1.statuses.$select(hidden.id).fetch()).favouritesCount).toBe(0);
    const response = await fetch(`${t.url}/api/v1/favourites`);
    expect(response.status).toBe(401);
  });
});
