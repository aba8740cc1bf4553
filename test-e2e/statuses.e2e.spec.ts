import { createRestAPIClient, type mastodon } from 'masto';
import { Client } from 'pg';
import { seedUsers, type SeededUser } from './support/factories';
import { failureStatus } from './support/http';
import { settled, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(90_000);

/**
 * Posting, reading and deleting statuses through public HTTP with masto, and who may see them:
 * each visibility against the author, a follower, a mentioned account, a stranger, someone the
 * author blocks and an anonymous reader.
 */
describe('statuses', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  let dave: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const anonymous = (): mastodon.rest.Client => createRestAPIClient({ url: t.url });
  const statusRows = async (): Promise<number> => {
    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ count: string }>('SELECT count(*) FROM statuses.statuses');
      return Number(rows[0].count);
    } finally {
      await db.end();
    }
  };

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol, dave] = await seedUsers(t, ['alice', 'bob', 'carol', 'dave']);
    // bob follows alice; dave is blocked by alice; carol is a stranger.
    await as(bob).v1.accounts.$select(alice.accountId).follow();
    await as(alice).v1.accounts.$select(dave.accountId).block();
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('posts a status with links, mentions and hashtags rendered as Mastodon renders them', async () => {
    const status = await as(alice).v1.statuses.create({
      status: 'Hello @bob, see https://example.com/a and #Mammut',
      language: 'en',
    });
    expect(status).toMatchObject({
      visibility: 'public',
      language: 'en',
      sensitive: false,
      spoilerText: '',
      repliesCount: 0,
      inReplyToId: null,
      mediaAttachments: [],
      poll: null,
      card: null,
      favourited: false,
      reblogged: false,
      bookmarked: false,
      pinned: false,
      account: { id: alice.accountId, username: 'alice' },
      mentions: [{ id: bob.accountId, username: 'bob', acct: 'bob', url: `${t.url}/@bob` }],
      tags: [{ name: 'mammut', url: `${t.url}/tags/mammut` }],
    });
    expect(status.uri).toBe(`${t.url}/users/alice/statuses/${status.id}`);
    expect(status.url).toBe(`${t.url}/@alice/${status.id}`);
    expect(status.content).toContain(
      '<a href="https://example.com/a" rel="nofollow noopener" target="_blank">',
    );
    expect(status.content).toContain('class="u-url mention">@<span>bob</span></a>');
    expect(status.content).toContain('class="mention hashtag" rel="tag">#<span>Mammut</span></a>');
    const fetched = await anonymous().v1.statuses.$select(status.id).fetch();
    expect(fetched.content).toBe(status.content);
    expect(fetched.favourited).toBeUndefined();
  });

  it('shows each visibility to exactly who may see it, and 404 to everyone else', async () => {
    const post = (visibility: mastodon.v1.StatusVisibility, text: string): Promise<mastodon.v1.Status> =>
      as(alice).v1.statuses.create({ status: text, visibility });
    const publicOne = await post('public', 'for everyone');
    const unlisted = await post('unlisted', 'quietly public');
    const followers = await post('private', 'for followers');
    const mentioning = await post('private', 'for followers and @carol');
    const direct = await post('direct', 'only for @carol');
    const readers: [string, mastodon.rest.Client][] = [
      ['alice', as(alice)],
      ['bob (follower)', as(bob)],
      ['carol (mentioned in two)', as(carol)],
      ['dave (blocked)', as(dave)],
      ['anonymous', anonymous()],
    ];
    const expected: Record<string, string[]> = {
      alice: [publicOne.id, unlisted.id, followers.id, mentioning.id, direct.id],
      'bob (follower)': [publicOne.id, unlisted.id, followers.id, mentioning.id],
      'carol (mentioned in two)': [publicOne.id, unlisted.id, mentioning.id, direct.id],
      'dave (blocked)': [],
      anonymous: [publicOne.id, unlisted.id],
    };
    const all = [publicOne, unlisted, followers, mentioning, direct];
    for (const [name, client] of readers) {
      const single: string[] = [];
      for (const status of all) {
        const code = await failureStatus(client.v1.statuses.$select(status.id).fetch());
        if (code === undefined) single.push(status.id);
        else expect(code).toBe(404);
      }
      expect({ name, single }).toEqual({ name, single: expected[name] });
      const batch = await client.v1.statuses.fetch({ id: all.map((s) => s.id) });
      expect({ name, batch: batch.map((s) => s.id) }).toEqual({ name, batch: expected[name] });
      // The profile lists the same, newest first.
      const profile = await client.v1.accounts.$select(alice.accountId).statuses.list({ limit: 40 });
      const listed = profile.map((s) => s.id).filter((id) => all.some((s) => s.id === id));
      expect({ name, listed }).toEqual({ name, listed: [...expected[name]].reverse() });
    }
  });

  it('replies count on the parent, and a reply to a status one may not see is 404', async () => {
    const parent = await as(alice).v1.statuses.create({ status: 'a thread', visibility: 'public' });
    const reply = await as(bob).v1.statuses.create({ status: '@alice a reply', inReplyToId: parent.id });
    expect(reply).toMatchObject({ inReplyToId: parent.id, inReplyToAccountId: alice.accountId });
    expect((await as(alice).v1.statuses.$select(parent.id).fetch()).repliesCount).toBe(1);
    const hidden = await as(alice).v1.statuses.create({ status: 'followers only', visibility: 'private' });
    const before = await statusRows();
    expect(
      await failureStatus(as(carol).v1.statuses.create({ status: 'sneaky', inReplyToId: hidden.id })),
    ).toBe(404);
    expect(await statusRows()).toBe(before);
    // Replies are left out of the profile when asked.
    const withoutReplies = await anonymous()
      .v1.accounts.$select(bob.accountId)
      .statuses.list({ excludeReplies: true });
    expect(withoutReplies.map((s) => s.id)).not.toContain(reply.id);
  });

  it('deletes only one’s own status, answering its source for redrafting', async () => {
    const status = await as(alice).v1.statuses.create({ status: 'to be redrafted #draft' });
    expect(await failureStatus(as(bob).v1.statuses.$select(status.id).remove())).toBe(404);
    const deleted = await as(alice).v1.statuses.$select(status.id).remove();
    expect(deleted).toMatchObject({ id: status.id, text: 'to be redrafted #draft' });
    expect(await failureStatus(anonymous().v1.statuses.$select(status.id).fetch())).toBe(404);
    expect(await failureStatus(as(alice).v1.statuses.$select(status.id).remove())).toBe(404);
    const profile = await as(alice).v1.accounts.$select(alice.accountId).statuses.list({ limit: 40 });
    expect(profile.map((s) => s.id)).not.toContain(status.id);
  });

  it('honours an Idempotency-Key: the same key posts once and answers the first status', async () => {
    const post = (): Promise<Response> =>
      fetch(`${t.url}/api/v1/statuses`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${carol.token}`,
          'content-type': 'application/json',
          'idempotency-key': 'compose-42',
        },
        body: JSON.stringify({ status: 'posted once' }),
      });
    const [first, second] = await Promise.all([post(), post()]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const a = (await first.json()) as { id: string };
    const b = (await second.json()) as { id: string };
    expect(b.id).toBe(a.id);
    const third = (await (await post()).json()) as { id: string };
    expect(third.id).toBe(a.id);
  });

  it('counts an author’s statuses on the account, direct ones left out, deleted ones taken back', async () => {
    const client = as(dave);
    const count = async (): Promise<[number, string | null]> => {
      const account = await client.v1.accounts.verifyCredentials();
      return [account.statusesCount, account.lastStatusAt];
    };
    expect(await count()).toEqual([0, null]);
    const first = await client.v1.statuses.create({ status: 'one' });
    await client.v1.statuses.create({ status: 'two', visibility: 'private' });
    await client.v1.statuses.create({ status: 'a note to @carol', visibility: 'direct' });
    await settled(t);
    expect(await count()).toEqual([2, first.createdAt.slice(0, 10)]);
    await client.v1.statuses.$select(first.id).remove();
    await settled(t);
    expect((await count())[0]).toBe(1);
    // Others see the same count on the account.
    expect((await anonymous().v1.accounts.$select(dave.accountId).fetch()).statusesCount).toBe(1);
  });

  it('shows a thread around a status, each reply passing the viewer’s rules', async () => {
    const root = await as(alice).v1.statuses.create({ status: 'root' });
    const first = await as(bob).v1.statuses.create({ status: '@alice first', inReplyToId: root.id });
    const hidden = await as(alice).v1.statuses.create({
      status: '@bob followers only',
      inReplyToId: first.id,
      visibility: 'private',
    });
    const last = await as(carol).v1.statuses.create({ status: '@bob last', inReplyToId: first.id });
    // Posted last, but a reply to the first reply: listed right below it (depth first).
    const nested = await as(bob).v1.statuses.create({ status: '@alice nested', inReplyToId: hidden.id });
    const ids = (statuses: mastodon.v1.Status[]): string[] => statuses.map((s) => s.id);
    const forBob = await as(bob).v1.statuses.$select(first.id).context.fetch();
    expect([ids(forBob.ancestors), ids(forBob.descendants)]).toEqual([
      [root.id],
      [hidden.id, nested.id, last.id],
    ]);
    const forCarol = await as(carol).v1.statuses.$select(first.id).context.fetch();
    expect([ids(forCarol.ancestors), ids(forCarol.descendants)]).toEqual([[root.id], [nested.id, last.id]]);
    const anonymous = await createRestAPIClient({ url: t.url }).v1.statuses.$select(last.id).context.fetch();
    expect([ids(anonymous.ancestors), ids(anonymous.descendants)]).toEqual([[root.id, first.id], []]);
    // dave is blocked by alice: her statuses are not in his view of the thread, nor the thread itself.
    expect(await failureStatus(as(dave).v1.statuses.$select(root.id).context.fetch())).toBe(404);
    const forDave = await as(dave).v1.statuses.$select(first.id).context.fetch();
    expect(ids(forDave.ancestors)).toEqual([]);
  });

  it('refuses bad input with Mastodon’s errors and stores nothing', async () => {
    const before = await statusRows();
    const refused = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const response = await fetch(`${t.url}/api/v1/statuses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: response.status, error: ((await response.json()) as { error: string }).error };
    };
    expect(await refused({ status: '   ' })).toEqual({
      status: 422,
      error: "Validation failed: Text can't be blank",
    });
    expect(await refused({ status: 'x'.repeat(501) })).toEqual({
      status: 422,
      error: 'Validation failed: Text character limit of 500 exceeded',
    });
    // A long link counts 23: this one fits.
    const fits = `${'x'.repeat(470)} https://example.com/${'a'.repeat(100)}`;
    expect((await as(alice).v1.statuses.create({ status: fits })).content).toContain('example.com');
    expect((await refused({ status: 'hi', visibility: 'secret' })).status).toBe(422);
    expect((await refused({ status: 'hi', poll: { options: ['only one'], expires_in: 300 } })).status).toBe(
      422,
    );
    expect((await refused({ status: 'hi', media_ids: ['1'] })).status).toBe(422);
    expect((await refused({ status: 'hi', in_reply_to_id: '999999999' })).status).toBe(404);
    expect((await refused({ status: 'hi', in_reply_to_id: 'not-an-id' })).status).toBe(404);
    expect((await refused({ status: 'hi' }, { 'idempotency-key': 'k'.repeat(300) })).status).toBe(422);
    expect(await statusRows()).toBe(before + 1);
    expect(await failureStatus(anonymous().v1.statuses.create({ status: 'no token' }))).toBe(401);
    expect(await failureStatus(anonymous().v1.statuses.$select('123').fetch())).toBe(404);
    expect(await failureStatus(anonymous().v1.statuses.$select('abc').fetch())).toBe(404);
  });
});
