import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { apiCall } from './support/http';
import { pollUntil } from './support/poll';
import { uploadedImage } from './support/media';
import { startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(120_000);

/**
 * Search through the client API, as Mastodon's: accounts by prefix (v2 and v1 autocomplete),
 * hashtags by prefix, statuses by full text with operators, and who may find what — a public
 * status of an indexable author by anyone signed in, another's only by those who wrote,
 * were mentioned in or interacted with it, a private one never by a stranger, nothing of an
 * account the viewer blocks. Indexing follows events, so each search waits until it settles.
 */
describe('search', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  let dave: SeededUser;
  let alicia: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });

  /** The ids of the statuses `user` finds for `q`. */
  const found = async (user: SeededUser, q: string): Promise<string[]> =>
    (await as(user).v2.search.list({ q, type: 'statuses' })).statuses.map((s) => s.id);

  /** Searches until the answer holds what is expected (indexing is asynchronous), then answers it. */
  const foundOnce = (user: SeededUser, q: string, expected: string[]): Promise<string[]> =>
    pollUntil(
      () => found(user, q),
      (ids) => expected.every((id) => ids.includes(id)),
      10_000,
    );

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol, dave, alicia] = await seedUsers(t, ['alice', 'bob', 'carol', 'dave', 'alicia']);
    // alice and dave let anyone find their public posts; bob does not (Mastodon's default).
    // masto's parameters do not name `indexable` yet.
    const indexable = { indexable: true } as mastodon.rest.v1.UpdateCredentialsParams;
    await as(alice).v1.accounts.updateCredentials({ ...indexable, displayName: 'Alice Mammutfreund' });
    await as(dave).v1.accounts.updateCredentials(indexable);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('finds accounts by prefix of username or display name, the exact handle first', async () => {
    const accts = async (q: string): Promise<string[]> =>
      (await as(carol).v2.search.list({ q, type: 'accounts' })).accounts.map((a) => a.acct);
    expect(
      await pollUntil(
        () => accts('ali'),
        (list) => list.length === 2,
        10_000,
      ),
    ).toEqual(expect.arrayContaining(['alice', 'alicia']));
    expect((await accts('alicia'))[0]).toBe('alicia');
    expect(
      await pollUntil(
        () => accts('mammutfr'),
        (list) => list.length === 1,
        10_000,
      ),
    ).toEqual(['alice']);
    expect(await accts(`@alice@${t.domain}`)).toEqual(['alice']);
    expect(await accts('zzzznobody')).toEqual([]);
    // The v1 autocomplete is the same search; `following` keeps whom the viewer follows.
    const autocomplete = await as(carol).v1.accounts.search.list({ q: 'ali', limit: 5 });
    expect(autocomplete.map((a) => a.acct).sort()).toEqual(['alice', 'alicia']);
    await as(carol).v1.accounts.$select(alicia.accountId).follow();
    expect(
      await pollUntil(
        async () =>
          (await as(carol).v1.accounts.search.list({ q: 'ali', following: true })).map((a) => a.acct),
        (list) => list.length === 1,
        10_000,
      ),
    ).toEqual(['alicia']);
  });

  it('finds hashtags by prefix, shortest first; exclude_unreviewed keeps the exact name only', async () => {
    await as(alice).v1.statuses.create({ status: 'about #Mammoths and #mammothsteppe and #mammoth' });
    const names = async (q: string, extra: Record<string, unknown> = {}): Promise<string[]> =>
      (await as(carol).v2.search.list({ q, type: 'hashtags', ...extra })).hashtags.map((h) => h.name);
    expect(
      await pollUntil(
        () => names('#mammo'),
        (list) => list.length === 3,
        10_000,
      ),
    ).toEqual(['mammoth', 'mammoths', 'mammothsteppe']);
    const [tag] = (await as(carol).v2.search.list({ q: 'mammoths', type: 'hashtags' })).hashtags;
    expect(tag).toMatchObject({ name: 'mammoths', url: `${t.url}/tags/mammoths` });
    expect(await names('mammoth', { excludeUnreviewed: true })).toEqual(['mammoth']);
  });

  it('finds statuses by words, phrases and operators, and leaves out negated terms', async () => {
    const woolly = await as(alice).v1.statuses.create({
      status: 'woolly mammoths walking on tundra',
      language: 'en',
    });
    const german = await as(alice).v1.statuses.create({
      status: 'das Wollhaarmammut läuft über die tundra',
      language: 'de',
    });
    const reply = await as(alice).v1.statuses.create({
      status: 'a tundra reply',
      inReplyToId: woolly.id,
      language: 'en',
    });
    const daves = await as(dave).v1.statuses.create({
      status: 'tundra seen by dave, mammoths too',
      language: 'en',
    });

    expect(await foundOnce(carol, 'tundra', [woolly.id, german.id, reply.id, daves.id])).toHaveLength(4);
    // Stemmed in the status's language: `walk` finds `walking`.
    expect(await found(carol, 'walk')).toEqual([woolly.id]);
    expect(await found(carol, '"mammoths walking"')).toEqual([woolly.id]);
    expect(await found(carol, '"walking mammoths"')).toEqual([]);
    expect((await found(carol, 'tundra -mammoths')).sort()).toEqual([german.id, reply.id].sort());
    expect((await found(carol, 'tundra from:alice')).sort()).toEqual([woolly.id, german.id, reply.id].sort());
    expect(await found(carol, `tundra from:dave@${t.domain}`)).toEqual([daves.id]);
    expect(await found(carol, 'tundra -from:alice')).toEqual([daves.id]);
    expect(await found(carol, 'tundra from:nobodyhere')).toEqual([]);
    expect(await found(carol, 'tundra is:reply')).toEqual([reply.id]);
    expect(await found(carol, 'tundra language:de')).toEqual([german.id]);
    expect(await found(carol, 'tundra before:2000-01-01')).toEqual([]);
    expect(await found(carol, 'tundra after:2000-01-01')).toHaveLength(4);
    expect(await found(carol, 'tundra before:2999-01-01 -is:reply')).toHaveLength(3);
    expect(await found(carol, 'tundra has:media')).toEqual([]);
    // account_id keeps one author's; malformed operators are dropped, never a failure.
    const onlyDave = await as(carol).v2.search.list({
      q: 'tundra',
      type: 'statuses',
      accountId: dave.accountId,
    });
    expect(onlyDave.statuses.map((s) => s.id)).toEqual([daves.id]);
    expect(await found(carol, 'tundra before:yesterday during:2023-02-30 language:x1 "')).toHaveLength(4);
    for (const q of ["' OR 1=1--", '%', '\\', 'a:*|!b&(', '"', '-', 'x'.repeat(5000)]) {
      const response = await apiCall(t.url, `/api/v2/search?q=${encodeURIComponent(q)}`, {
        token: carol.token,
      });
      expect({ q: q.slice(0, 20), status: response.status }).toEqual({ q: q.slice(0, 20), status: 200 });
    }
  });

  it('finds a status by its attachments: their kind with has:image, has:media, and their alt text', async () => {
    const client = as(alice);
    const media = { id: await uploadedImage(client, 'a steppe bison grazing') };
    const pictured = await client.v1.statuses.create({ status: 'tussock picture', mediaIds: [media.id] });
    const plain = await client.v1.statuses.create({ status: 'tussock words' });
    expect((await foundOnce(carol, 'tussock', [pictured.id, plain.id])).sort()).toEqual(
      [pictured.id, plain.id].sort(),
    );
    expect(await found(carol, 'tussock has:image')).toEqual([pictured.id]);
    expect(await found(carol, 'tussock has:media')).toEqual([pictured.id]);
    expect(await found(carol, 'tussock -has:image')).toEqual([plain.id]);
    expect(await found(carol, 'tussock has:video')).toEqual([]);
    expect(await found(carol, 'tussock has:audio')).toEqual([]);
    // Mastodon searches the alt text with the text.
    expect(await found(carol, 'bison grazing')).toEqual([pictured.id]);
    // And a poll's options.
    const asked = await client.v1.statuses.create({
      status: 'which tussock grass?',
      poll: { options: ['sedge meadow', 'cottongrass'], expiresIn: 3600 },
    });
    expect(await foundOnce(carol, 'cottongrass', [asked.id])).toEqual([asked.id]);
    expect(await found(carol, 'tussock has:poll')).toEqual([asked.id]);
  });

  it('lets anyone find a public status of an indexable author, others only those who interacted', async () => {
    const open = await as(alice).v1.statuses.create({ status: 'glacier open to all' });
    const closed = await as(bob).v1.statuses.create({ status: 'glacier from a private person' });
    expect(await foundOnce(bob, 'glacier', [closed.id, open.id])).toHaveLength(2);
    expect(await foundOnce(carol, 'glacier', [open.id])).toEqual([open.id]);
    // carol favourites bob's: now she may find it; dave bookmarks it, and may too.
    await as(carol).v1.statuses.$select(closed.id).favourite();
    await as(dave).v1.statuses.$select(closed.id).bookmark();
    expect((await foundOnce(carol, 'glacier', [closed.id])).sort()).toEqual([open.id, closed.id].sort());
    expect(await foundOnce(dave, 'glacier', [closed.id])).toHaveLength(2);
    // in:library: only what the viewer wrote or interacted with.
    expect(await found(carol, 'glacier in:library')).toEqual([closed.id]);
    await as(carol).v1.statuses.$select(closed.id).unfavourite();
    expect(
      await pollUntil(
        () => found(carol, 'glacier'),
        (ids) => ids.length === 1,
        10_000,
      ),
    ).toEqual([open.id]);
    // Voting in a poll of bob's lets carol find that status too.
    const asked = await as(bob).v1.statuses.create({
      status: 'glacier or moraine?',
      poll: { options: ['glacier', 'moraine'], expiresIn: 3600 },
    });
    expect(await foundOnce(bob, 'moraine', [asked.id])).toEqual([asked.id]);
    expect(await found(carol, 'moraine')).toEqual([]);
    await as(carol)
      .v1.polls.$select(asked.poll!.id)
      .votes.create({ choices: [1] });
    expect(await foundOnce(carol, 'moraine', [asked.id])).toEqual([asked.id]);
    // Signed out, Mastodon searches no statuses at all (accounts and hashtags only).
    const anonymous = await apiCall(t.url, '/api/v2/search?q=glacier');
    expect(anonymous.status).toBe(200);
    expect(((await anonymous.json()) as { statuses: unknown[] }).statuses).toEqual([]);
  });

  it('never shows a stranger a private status, even one it was able to find before', async () => {
    const secret = await as(alice).v1.statuses.create({
      status: 'iceberg for followers',
      visibility: 'private',
    });
    const mention = await as(alice).v1.statuses.create({
      status: `iceberg note for @dave`,
      visibility: 'direct',
    });
    expect(await foundOnce(alice, 'iceberg', [secret.id, mention.id])).toHaveLength(2);
    expect(await foundOnce(dave, 'iceberg', [mention.id])).toEqual([mention.id]);
    expect(await found(carol, 'iceberg')).toEqual([]);
    // Even a favourite (allowed once, by a follower who left) does not let a stranger see it.
    await as(bob).v1.accounts.$select(alice.accountId).follow();
    await as(bob).v1.statuses.$select(secret.id).favourite();
    expect(await foundOnce(bob, 'iceberg', [secret.id])).toEqual([secret.id]);
    await as(bob).v1.accounts.$select(alice.accountId).unfollow();
    expect(await found(bob, 'iceberg')).toEqual([]);
  });

  it('never shows an account the viewer blocks, nor its statuses', async () => {
    const post = await as(dave).v1.statuses.create({ status: 'permafrost by dave' });
    expect(await foundOnce(carol, 'permafrost', [post.id])).toEqual([post.id]);
    expect(
      (await as(carol).v2.search.list({ q: 'dave', type: 'accounts' })).accounts.map((a) => a.acct),
    ).toContain('dave');
    await as(carol).v1.accounts.$select(dave.accountId).block();
    expect(await found(carol, 'permafrost')).toEqual([]);
    expect((await as(carol).v2.search.list({ q: 'dave', type: 'accounts' })).accounts).toEqual([]);
    expect(await as(carol).v1.accounts.search.list({ q: 'dave' })).toEqual([]);
    // The block is carol's: others still find both.
    expect(await found(alice, 'permafrost')).toEqual([post.id]);
  });
});
