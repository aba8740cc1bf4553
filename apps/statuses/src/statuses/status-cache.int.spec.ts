import { seedUsers, type SeededUser } from '../../../../test-e2e/support/factories';
import { apiCall } from '../../../../test-e2e/support/http';
import { deafenThenRecover, pollUntil } from '../../../../test-e2e/support/poll';
import { useTestSystem } from '../../../../test-e2e/support/system';
import { StatusChangesListener, StatusRecordsCache, ViewerStateCache } from './status-cache';

jest.setTimeout(60_000);

interface Seen {
  id: string;
  favourites_count: number;
  favourited: boolean;
  bookmarked: boolean;
  content: string;
  filtered?: unknown[];
}

/**
 * The statuses service keeps status records and each viewer's state in process (ADR 0005): every
 * writer's change must reach them through the triggers (another replica or SQL by hand included),
 * this process's own writes must be read back at once, and a listener that stops hearing must stop
 * the caches from answering.
 */
describe('status caches', () => {
  const sut = useTestSystem();
  let author: SeededUser;
  let viewer: SeededUser;

  beforeAll(async () => {
    [author, viewer] = await seedUsers(sut.t, ['cacheauthor', 'cacheviewer']);
  });

  const post = async (status: string): Promise<string> => {
    const response = await apiCall(sut.t.url, '/api/v1/statuses', {
      method: 'POST',
      token: author.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { id: string }).id;
  };

  const read = async (id: string): Promise<Seen> => {
    const response = await apiCall(sut.t.url, `/api/v1/statuses/${id}`, { token: viewer.token });
    expect(response.status).toBe(200);
    return (await response.json()) as Seen;
  };

  const act = async (id: string, action: string): Promise<Seen> => {
    const response = await apiCall(sut.t.url, `/api/v1/statuses/${id}/${action}`, {
      method: 'POST',
      token: viewer.token,
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Seen;
  };

  it('hears a change any writer makes, long before an entry would expire', async () => {
    const records = sut.t.system.app.get(StatusRecordsCache);
    const id = await post('cached, then changed by hand');
    expect((await read(id)).favourites_count).toBe(0);
    expect(records.get(id)).toBeDefined();

    await sut.db.query(`UPDATE statuses.statuses SET favourites_count = 7 WHERE id = $1`, [id]);
    const seen = await pollUntil(
      () => read(id),
      (status) => status.favourites_count === 7,
      2_000,
      50,
    );
    expect(seen.favourites_count).toBe(7);

    // A favourite by someone else's replica (a row written by hand) reaches the viewer's state too.
    expect((await read(id)).favourited).toBe(false);
    await sut.db.query(`INSERT INTO statuses.favourites (account_id, status_id) VALUES ($1, $2)`, [
      viewer.accountId,
      id,
    ]);
    expect(
      (
        await pollUntil(
          () => read(id),
          (status) => status.favourited,
          2_000,
          50,
        )
      ).favourited,
    ).toBe(true);

    // Deleted by hand: gone from the next read.
    await sut.db.query(`UPDATE statuses.statuses SET deleted_at = now() WHERE id = $1`, [id]);
    const gone = await pollUntil(
      async () => (await apiCall(sut.t.url, `/api/v1/statuses/${id}`, { token: viewer.token })).status,
      (status) => status === 404,
      2_000,
      50,
    );
    expect(gone).toBe(404);
  });

  it("reads this process's own writes back at once, in a transaction or not", async () => {
    const id = await post('read your writes');
    // Cached before each change: the state and the record.
    expect(await read(id)).toMatchObject({ favourited: false, bookmarked: false, favourites_count: 0 });

    expect(await act(id, 'favourite')).toMatchObject({ favourited: true, favourites_count: 1 });
    expect(await read(id)).toMatchObject({ favourited: true, favourites_count: 1 });
    // Bookmarks are written outside a transaction: the write itself waits for its notification.
    expect(await act(id, 'bookmark')).toMatchObject({ bookmarked: true });
    expect(await read(id)).toMatchObject({ bookmarked: true });
    expect(await act(id, 'unbookmark')).toMatchObject({ bookmarked: false });
    expect(await read(id)).toMatchObject({ bookmarked: false });
    expect(await act(id, 'unfavourite')).toMatchObject({ favourited: false, favourites_count: 0 });
    expect(await read(id)).toMatchObject({ favourited: false, favourites_count: 0 });
  });

  it('applies a filter changed by hand to the next page', async () => {
    const id = await post('a word to hide: pangolin');
    expect((await read(id)).filtered ?? []).toEqual([]);
    const { rows } = await sut.db.query<{ id: string }>(
      `INSERT INTO accounts.filters (account_id, title, context) VALUES ($1, 'animals', '{thread}') RETURNING id::text`,
      [viewer.accountId],
    );
    const filterId = rows[0].id;
    await sut.db.query(`INSERT INTO accounts.filter_keywords (filter_id, keyword) VALUES ($1, 'pangolin')`, [
      filterId,
    ]);
    const seen = await pollUntil(
      () => read(id),
      (status) => (status.filtered ?? []).length > 0,
      2_000,
      50,
    );
    expect(seen.filtered).toHaveLength(1);
  });

  it('trusts nothing while it does not hear', async () => {
    const listener = sut.t.system.app.get(StatusChangesListener);
    const records = sut.t.system.app.get(StatusRecordsCache);
    const states = sut.t.system.app.get(ViewerStateCache);
    const id = await post('heard, then not');
    await read(id);
    expect(records.size).toBeGreaterThan(0);
    expect(states.size).toBeGreaterThan(0);

    const recovered = await deafenThenRecover(listener, async () => {
      expect(records.size).toBe(0);
      expect(states.size).toBe(0);
      await sut.db.query(`UPDATE statuses.statuses SET favourites_count = 3 WHERE id = $1`, [id]);
      // Read from PostgreSQL while untrusted, and nothing kept.
      expect((await read(id)).favourites_count).toBe(3);
      expect(records.size).toBe(0);
    });
    expect(recovered).toBe(true);
    await read(id);
    expect(records.get(id)).toBeDefined();
  });
});
