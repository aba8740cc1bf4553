import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { apiCall, failureStatus } from './support/http';
import { settled, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(120_000);

/**
 * Filters through masto: v2 filters with their keywords and statuses, v1 filters as single
 * keywords, and what they do to statuses a viewer reads (warn, hide, expiry, context).
 */
describe('filters', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const homeOf = async (user: SeededUser): Promise<mastodon.v1.Status[]> => {
    await settled(t);
    return as(user).v1.timelines.home.list({ limit: 40 });
  };
  const clearFilters = async (user: SeededUser): Promise<void> => {
    for (const filter of await as(user).v2.filters.list())
      await as(user).v2.filters.$select(filter.id).remove();
  };
  /** A raw call, as a client that sends forms does. */
  const call = (user: SeededUser, method: string, path: string, body?: string | object): Promise<Response> =>
    apiCall(t.url, path, {
      method,
      token: user.token,
      ...(body === undefined
        ? {}
        : typeof body === 'string'
          ? { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol] = await seedUsers(t, ['alice', 'bob', 'carol']);
    // bob reads alice in his home feed.
    await as(bob).v1.accounts.$select(alice.accountId).follow();
    await settled(t);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('creates, lists, shows, updates and deletes v2 filters, keywords changed through keywords_attributes', async () => {
    const client = as(carol).v2.filters;
    const created = await client.create({
      title: 'Spoilers',
      context: ['home', 'public'],
      filterAction: 'warn',
      keywordsAttributes: [
        { keyword: 'finale', wholeWord: true },
        { keyword: 'season', wholeWord: false },
      ],
    });
    expect(created).toMatchObject({
      title: 'Spoilers',
      context: ['home', 'public'],
      filterAction: 'warn',
      expiresAt: null,
      statuses: [],
    });
    expect(created.keywords.map((k) => [k.keyword, k.wholeWord])).toEqual([
      ['finale', true],
      ['season', false],
    ]);
    expect((await client.list()).map((f) => f.id)).toEqual([created.id]);
    expect((await client.$select(created.id).fetch()).title).toBe('Spoilers');

    const [finale, season] = created.keywords;
    const updated = await client.$select(created.id).update({
      title: 'TV',
      context: ['thread'],
      filterAction: 'hide',
      expiresIn: 3600,
      keywordsAttributes: [
        { id: finale.id, keyword: 'FINALE', wholeWord: false },
        { id: season.id, _destroy: true },
        { keyword: 'episode' },
      ],
    });
    expect(updated).toMatchObject({ title: 'TV', context: ['thread'], filterAction: 'hide' });
    const expiresIn = Date.parse(updated.expiresAt ?? '') - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    expect(updated.keywords.map((k) => [k.id === finale.id, k.keyword, k.wholeWord])).toEqual([
      [true, 'FINALE', false],
      [false, 'episode', true],
    ]);

    // Keywords one by one.
    const added = await client.$select(created.id).keywords.create({ keyword: 'trailer', wholeWord: false });
    expect(added).toMatchObject({ keyword: 'trailer', wholeWord: false });
    expect((await client.keywords.$select(added.id).fetch()).keyword).toBe('trailer');
    expect((await client.keywords.$select(added.id).update({ keyword: 'teaser' })).keyword).toBe('teaser');
    await client.keywords.$select(added.id).remove();
    expect((await client.$select(created.id).keywords.list()).map((k) => k.keyword)).toEqual([
      'FINALE',
      'episode',
    ]);

    // Statuses, one by one.
    const status = await as(alice).v1.statuses.create({ status: 'a status to filter' });
    const named = await client.$select(created.id).statuses.create({ statusId: status.id });
    expect(named.statusId).toBe(status.id);
    expect(await failureStatus(client.$select(created.id).statuses.create({ statusId: status.id }))).toBe(
      422,
    );
    expect((await client.$select(created.id).statuses.list()).map((s) => s.id)).toEqual([named.id]);
    expect((await client.statuses.$select(named.id).fetch()).statusId).toBe(status.id);
    await client.statuses.$select(named.id).remove();
    expect(await client.$select(created.id).statuses.list()).toEqual([]);

    // Clearing the expiry, then deleting.
    expect((await client.$select(created.id).update({ expiresIn: null })).expiresAt).toBeNull();
    await client.$select(created.id).remove();
    expect(await failureStatus(client.$select(created.id).fetch())).toBe(404);
    expect(await failureStatus(client.keywords.$select(finale.id).fetch())).toBe(404);
    expect(await client.list()).toEqual([]);
  });

  it('reads form bodies with nested keywords_attributes as clients send them', async () => {
    const form = [
      'title=Form',
      'context[]=home',
      'context[]=notifications',
      'filter_action=hide',
      'keywords_attributes[0][keyword]=one',
      'keywords_attributes[0][whole_word]=false',
      'keywords_attributes[1][keyword]=two',
    ].join('&');
    const response = await call(carol, 'POST', '/api/v2/filters', form);
    expect(response.status).toBe(200);
    const created = (await response.json()) as {
      id: string;
      context: string[];
      filter_action: string;
      keywords: { id: string; keyword: string; whole_word: boolean }[];
    };
    expect([created.context, created.filter_action]).toEqual([['home', 'notifications'], 'hide']);
    expect(created.keywords.map((k) => [k.keyword, k.whole_word])).toEqual([
      ['one', false],
      ['two', true],
    ]);
    const unindexed = `keywords_attributes[][id]=${created.keywords[0].id}&keywords_attributes[][_destroy]=1`;
    const updated = await call(carol, 'PUT', `/api/v2/filters/${created.id}`, unindexed);
    expect(
      ((await updated.json()) as { keywords: { keyword: string }[] }).keywords.map((k) => k.keyword),
    ).toEqual(['two']);
    await clearFilters(carol);
  });

  it('keeps v1 filters as single keywords of v2 filters', async () => {
    const v1 = as(carol).v1.filters;
    const created = await v1.create({
      phrase: 'Dune',
      context: ['home'],
      irreversible: true,
      wholeWord: false,
    });
    expect(created).toMatchObject({
      phrase: 'Dune',
      context: ['home'],
      irreversible: true,
      wholeWord: false,
      expiresAt: null,
    });
    const [group] = await as(carol).v2.filters.list();
    expect(group).toMatchObject({ title: 'Dune', filterAction: 'hide', context: ['home'] });
    expect(group.keywords.map((k) => k.id)).toEqual([created.id]);
    expect((await v1.list()).map((f) => f.id)).toEqual([created.id]);
    expect((await v1.$select(created.id).fetch()).phrase).toBe('Dune');

    const updated = await v1.$select(created.id).update({
      phrase: 'Arrakis',
      context: ['home', 'thread'],
      irreversible: false,
      wholeWord: true,
    });
    expect(updated).toMatchObject({
      phrase: 'Arrakis',
      context: ['home', 'thread'],
      irreversible: false,
      wholeWord: true,
    });
    expect((await as(carol).v2.filters.$select(group.id).fetch()).title).toBe('Arrakis');

    // A filter another keyword shares cannot be changed from v1; its keyword alone can.
    await as(carol).v2.filters.$select(group.id).keywords.create({ keyword: 'spice' });
    const shared = await call(carol, 'PUT', `/api/v1/filters/${created.id}`, { context: ['public'] });
    expect(shared.status).toBe(422);
    expect((await v1.$select(created.id).fetch()).context).toEqual(['home', 'thread']);
    const keywordOnly = await call(carol, 'PUT', `/api/v1/filters/${created.id}`, { whole_word: false });
    expect(((await keywordOnly.json()) as { whole_word: boolean }).whole_word).toBe(false);

    // Deleting a v1 filter deletes its keyword; the filter stays with its other keyword.
    await v1.$select(created.id).remove();
    expect(await failureStatus(v1.$select(created.id).fetch())).toBe(404);
    expect((await as(carol).v2.filters.$select(group.id).fetch()).keywords.map((k) => k.keyword)).toEqual([
      'spice',
    ]);
    await clearFilters(carol);
  });

  it('marks statuses a warn filter matches, with the matched keyword, on the home timeline and alone', async () => {
    const filter = await as(bob).v2.filters.create({
      title: 'Cats',
      context: ['home'],
      filterAction: 'warn',
      keywordsAttributes: [{ keyword: 'cat', wholeWord: true }],
    });
    const matching = await as(alice).v1.statuses.create({ status: 'Look at my CAT!' });
    const partial = await as(alice).v1.statuses.create({ status: 'concatenated words' });
    const warned = await as(alice).v1.statuses.create({
      status: 'nothing here',
      spoilerText: 'cat pictures',
    });
    const home = await homeOf(bob);
    const byId = new Map(home.map((s) => [s.id, s]));
    expect(byId.get(matching.id)?.filtered).toEqual([
      {
        filter: { id: filter.id, title: 'Cats', context: ['home'], expiresAt: null, filterAction: 'warn' },
        keywordMatches: ['CAT'],
        statusMatches: null,
      },
    ]);
    expect(byId.get(partial.id)?.filtered).toEqual([]);
    expect(byId.get(warned.id)?.filtered?.[0]?.keywordMatches).toEqual(['cat']);
    const alone = await as(bob).v1.statuses.$select(matching.id).fetch();
    expect(alone.filtered?.map((r) => r.filter.id)).toEqual([filter.id]);
    // Someone else's filters are not theirs: alice's own view is unfiltered.
    expect((await as(alice).v1.statuses.$select(matching.id).fetch()).filtered).toEqual([]);
    await clearFilters(bob);
  });

  it('drops statuses a hide filter matches from the home timeline, but answers them alone', async () => {
    await as(bob).v2.filters.create({
      title: 'No soup',
      context: ['home'],
      filterAction: 'hide',
      keywordsAttributes: [{ keyword: 'soup' }],
    });
    const hidden = await as(alice).v1.statuses.create({ status: 'soup of the day' });
    const shown = await as(alice).v1.statuses.create({ status: 'bread of the day' });
    const ids = (await homeOf(bob)).map((s) => s.id);
    expect(ids).toContain(shown.id);
    expect(ids).not.toContain(hidden.id);
    const alone = await as(bob).v1.statuses.$select(hidden.id).fetch();
    expect(alone.filtered?.map((r) => r.filter.filterAction)).toEqual(['hide']);
    // The author's own statuses are never hidden from them.
    await as(alice).v2.filters.create({
      title: 'No soup either',
      context: ['home'],
      filterAction: 'hide',
      keywordsAttributes: [{ keyword: 'soup' }],
    });
    expect((await homeOf(alice)).map((s) => s.id)).toContain(hidden.id);
    // Once the filter is gone, the status is back.
    await clearFilters(bob);
    await clearFilters(alice);
    expect((await homeOf(bob)).map((s) => s.id)).toContain(hidden.id);
  });

  it('does not apply an expired filter, though it is still listed', async () => {
    const filter = await as(bob).v2.filters.create({
      title: 'Short',
      context: ['home'],
      filterAction: 'hide',
      expiresIn: 1,
      keywordsAttributes: [{ keyword: 'ephemeral' }],
    });
    const status = await as(alice).v1.statuses.create({ status: 'ephemeral thoughts' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const home = await homeOf(bob);
    expect(home.find((s) => s.id === status.id)?.filtered).toEqual([]);
    expect((await as(bob).v2.filters.list()).map((f) => f.id)).toEqual([filter.id]);
    await clearFilters(bob);
  });

  it('hides only in the contexts a filter names', async () => {
    await as(bob).v2.filters.create({
      title: 'Public only',
      context: ['public'],
      filterAction: 'hide',
      keywordsAttributes: [{ keyword: 'elsewhere' }],
    });
    const status = await as(alice).v1.statuses.create({ status: 'seen elsewhere' });
    const home = await homeOf(bob);
    // In home it stays; its result still says which filter matched, for clients to judge by context.
    expect(home.find((s) => s.id === status.id)?.filtered?.map((r) => r.filter.context)).toEqual([
      ['public'],
    ]);
    const publicIds = (await as(bob).v1.timelines.public.list({ limit: 40 })).map((s) => s.id);
    expect(publicIds).not.toContain(status.id);
    const aliceProfile = (
      await as(bob).v1.accounts.$select(alice.accountId).statuses.list({ limit: 40 })
    ).map((s) => s.id);
    expect(aliceProfile).toContain(status.id);
    await clearFilters(bob);
  });

  it("answers 404 for someone else's filters, keywords and statuses, and changes nothing", async () => {
    const theirs = await as(carol).v2.filters.create({
      title: 'Mine',
      context: ['home'],
      keywordsAttributes: [{ keyword: 'private' }],
    });
    const keyword = theirs.keywords[0];
    const status = await as(alice).v1.statuses.create({ status: 'for a status rule' });
    const rule = await as(carol).v2.filters.$select(theirs.id).statuses.create({ statusId: status.id });
    const bobs = as(bob);
    expect(await failureStatus(bobs.v2.filters.$select(theirs.id).fetch())).toBe(404);
    expect(await failureStatus(bobs.v2.filters.$select(theirs.id).update({ title: 'x' }))).toBe(404);
    expect(await failureStatus(bobs.v2.filters.$select(theirs.id).remove())).toBe(404);
    expect(await failureStatus(bobs.v2.filters.$select(theirs.id).keywords.list())).toBe(404);
    expect(await failureStatus(bobs.v2.filters.$select(theirs.id).keywords.create({ keyword: 'x' }))).toBe(
      404,
    );
    expect(
      await failureStatus(bobs.v2.filters.$select(theirs.id).statuses.create({ statusId: status.id })),
    ).toBe(404);
    expect(await failureStatus(bobs.v2.filters.keywords.$select(keyword.id).fetch())).toBe(404);
    expect(await failureStatus(bobs.v2.filters.keywords.$select(keyword.id).remove())).toBe(404);
    expect(await failureStatus(bobs.v2.filters.statuses.$select(rule.id).remove())).toBe(404);
    expect(await failureStatus(bobs.v1.filters.$select(keyword.id).fetch())).toBe(404);
    expect(await failureStatus(bobs.v1.filters.$select(keyword.id).remove())).toBe(404);
    expect(await failureStatus(bobs.v2.filters.$select('not-an-id').fetch())).toBe(404);
    // Nor can another's keyword be reached through one's own filter.
    const own = await bobs.v2.filters.create({ title: 'Own', context: ['home'] });
    expect(
      await failureStatus(
        bobs.v2.filters.$select(own.id).update({ keywordsAttributes: [{ id: keyword.id, _destroy: true }] }),
      ),
    ).toBe(404);
    const after = await as(carol).v2.filters.$select(theirs.id).fetch();
    expect([after.title, after.keywords.map((k) => k.id), after.statuses.map((s) => s.id)]).toEqual([
      'Mine',
      [keyword.id],
      [rule.id],
    ]);
    // A status carol may not see cannot be named in her filter.
    const hidden = await as(alice).v1.statuses.create({ status: 'followers only', visibility: 'private' });
    expect(
      await failureStatus(as(carol).v2.filters.$select(theirs.id).statuses.create({ statusId: hidden.id })),
    ).toBe(422);
    await clearFilters(bob);
    await clearFilters(carol);
  });

  it('refuses bad input with 422 and stores nothing', async () => {
    const bad: [string, object][] = [
      ['blank title', { title: ' ', context: ['home'] }],
      ['no context', { title: 'x', context: [] }],
      ['unknown context', { title: 'x', context: ['home', 'everywhere'] }],
      ['unknown action', { title: 'x', context: ['home'], filter_action: 'explode' }],
      ['negative expiry', { title: 'x', context: ['home'], expires_in: -5 }],
      ['non-numeric expiry', { title: 'x', context: ['home'], expires_in: 'soon' }],
      [
        'blank keyword',
        { title: 'x', context: ['home'], keywords_attributes: [{ keyword: '', whole_word: true }] },
      ],
      ['long title', { title: 'x'.repeat(300), context: ['home'] }],
    ];
    for (const [what, body] of bad) {
      const response = await call(carol, 'POST', '/api/v2/filters', body);
      expect([what, response.status]).toEqual([what, 422]);
      expect(typeof ((await response.json()) as { error: unknown }).error).toBe('string');
    }
    expect(await as(carol).v2.filters.list()).toEqual([]);
    expect(await failureStatus(as(carol).v1.filters.create({ phrase: '', context: ['home'] }))).toBe(422);
    expect(
      await failureStatus(as(carol).v1.filters.create({ phrase: 'x', context: ['nowhere' as 'home'] })),
    ).toBe(422);
    expect(await as(carol).v1.filters.list()).toEqual([]);

    // A bad update changes nothing, keywords included.
    const filter = await as(carol).v2.filters.create({
      title: 'Keep',
      context: ['home'],
      keywordsAttributes: [{ keyword: 'kept' }],
    });
    const rejected = await call(carol, 'PUT', `/api/v2/filters/${filter.id}`, {
      title: 'Changed',
      context: ['bogus'],
      keywords_attributes: [{ keyword: 'added' }],
    });
    expect(rejected.status).toBe(422);
    expect(
      await failureStatus(as(carol).v2.filters.$select(filter.id).keywords.create({ keyword: '   ' })),
    ).toBe(422);
    const after = await as(carol).v2.filters.$select(filter.id).fetch();
    expect([after.title, after.context, after.keywords.map((k) => k.keyword)]).toEqual([
      'Keep',
      ['home'],
      ['kept'],
    ]);
    // Signed out, or without the filters scope: refused.
    expect((await apiCall(t.url, '/api/v2/filters')).status).toBe(401);
    await clearFilters(carol);
  });
});
