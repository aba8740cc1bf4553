import { createRestAPIClient, type mastodon } from 'masto';
import WebSocket from 'ws';
import { seedUser, seedUsers, type SeededUser } from './support/factories';
import { apiCall, failureStatus } from './support/http';
import { settled, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(180_000);

type ListParams = { title?: string; repliesPolicy?: string; exclusive?: boolean };

/** A raw socket on the streaming API, with every message it received. */
interface RawStream {
  readonly messages: Record<string, unknown>[];
  send(message: unknown): void;
  close(): void;
}

function openStream(url: string, token: string): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/streaming?access_token=${token}`);
    const messages: Record<string, unknown>[] = [];
    socket.on('message', (data: Buffer) =>
      messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>),
    );
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({ messages, send: (m) => socket.send(JSON.stringify(m)), close: () => socket.close() }),
    );
  });
}

async function waitFor<T>(find: () => T | undefined, ms = 10_000): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Lists through masto, as Mastodon apps use them: an owner's lists and their members (only
 * accounts the owner follows, and out again when the follow ends), each list's timeline by
 * fan-out with its replies policy, exclusive lists that keep their members out of the home feed,
 * and a list's live stream for its owner only.
 */
describe('lists', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  let dave: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  // masto's CreateListParams leaves out `replies_policy`, which Mastodon takes.
  const create = (user: SeededUser, params: ListParams): Promise<mastodon.v1.List> =>
    as(user).v1.lists.create(params as { title: string });
  const update = (user: SeededUser, id: string, params: ListParams): Promise<mastodon.v1.List> =>
    as(user)
      .v1.lists.$select(id)
      .update(params as { title: string });
  const timeline = async (user: SeededUser, listId: string): Promise<string[]> => {
    await settled(t);
    return (await as(user).v1.timelines.list.$select(listId).list({ limit: 40 })).map((s) => s.id);
  };
  const members = async (user: SeededUser, listId: string): Promise<string[]> =>
    (await as(user).v1.lists.$select(listId).accounts.list({ limit: 0 })).map((a) => a.id);
  const post = (user: SeededUser, status: string, extra: Partial<mastodon.rest.v1.CreateStatusParams> = {}) =>
    as(user).v1.statuses.create({ status, ...extra } as mastodon.rest.v1.CreateStatusParams);

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol, dave] = await seedUsers(t, ['alice', 'bob', 'carol', 'dave']);
    // alice follows bob and carol, not dave; dave follows bob.
    await as(alice).v1.accounts.$select(bob.accountId).follow();
    await as(alice).v1.accounts.$select(carol.accountId).follow();
    await as(dave).v1.accounts.$select(bob.accountId).follow();
    await settled(t);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('creates, shows, renames and deletes lists; refuses bad input and changes nothing', async () => {
    const list = await create(alice, { title: 'Friends' });
    expect(list).toMatchObject({ title: 'Friends', repliesPolicy: 'list', exclusive: false });
    expect((await as(alice).v1.lists.list()).map((l) => l.id)).toEqual([list.id]);
    expect(await as(alice).v1.lists.$select(list.id).fetch()).toMatchObject({
      id: list.id,
      title: 'Friends',
    });

    const renamed = await update(alice, list.id, { title: 'Close friends', repliesPolicy: 'followed' });
    expect(renamed).toMatchObject({ id: list.id, title: 'Close friends', repliesPolicy: 'followed' });

    expect(await failureStatus(update(alice, list.id, { title: '   ' }))).toBe(422);
    expect(await failureStatus(update(alice, list.id, { repliesPolicy: 'everyone' }))).toBe(422);
    expect(await failureStatus(update(alice, list.id, { title: 'x'.repeat(300) }))).toBe(422);
    expect(await as(alice).v1.lists.$select(list.id).fetch()).toMatchObject({
      title: 'Close friends',
      repliesPolicy: 'followed',
    });
    expect(await failureStatus(create(alice, {}))).toBe(422);
    expect(await failureStatus(create(alice, { title: 'ok', repliesPolicy: 'bogus' }))).toBe(422);
    const blank = await apiCall(t.url, '/api/v1/lists', {
      method: 'POST',
      token: alice.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: '' }),
    });
    expect(blank.status).toBe(422);
    expect(((await blank.json()) as { error: string }).error).toMatch(/^Validation failed/);
    expect(await as(alice).v1.lists.list()).toHaveLength(1);

    await as(alice).v1.lists.$select(list.id).remove();
    expect(await failureStatus(as(alice).v1.lists.$select(list.id).fetch())).toBe(404);
    expect(await as(alice).v1.lists.list()).toEqual([]);
    expect(await failureStatus(as(alice).v1.lists.$select('abc').fetch())).toBe(404);
  });

  it('answers 404 for someone else’s list, whatever is asked of it, and leaves it as it was', async () => {
    const list = await create(alice, { title: 'Mine' });
    const of = as(bob).v1.lists.$select(list.id);
    expect(await failureStatus(of.fetch())).toBe(404);
    expect(await failureStatus(update(bob, list.id, { title: 'Theirs' }))).toBe(404);
    expect(await failureStatus(of.accounts.list())).toBe(404);
    expect(await failureStatus(of.accounts.create({ accountIds: [alice.accountId] }))).toBe(404);
    expect(await failureStatus(of.accounts.remove({ accountIds: [bob.accountId] }))).toBe(404);
    expect(await failureStatus(as(bob).v1.timelines.list.$select(list.id).list())).toBe(404);
    expect(await failureStatus(of.remove())).toBe(404);
    expect(await as(alice).v1.lists.$select(list.id).fetch()).toMatchObject({ title: 'Mine' });
    expect(await as(bob).v1.lists.list()).toEqual([]);
    expect((await apiCall(t.url, `/api/v1/lists/${list.id}`)).status).toBe(401);
    await as(alice).v1.lists.$select(list.id).remove();
  });

  it('adds only followed accounts, all or none; lists members with Link pages, and the lists of an account', async () => {
    const list = await create(alice, { title: 'Members' });
    const to = as(alice).v1.lists.$select(list.id).accounts;
    // dave is not followed: 422, and bob, named with him, is not added either.
    expect(await failureStatus(to.create({ accountIds: [dave.accountId] }))).toBe(422);
    expect(await failureStatus(to.create({ accountIds: [bob.accountId, dave.accountId] }))).toBe(422);
    expect(await failureStatus(to.create({ accountIds: ['999999999'] }))).toBe(404);
    expect(await members(alice, list.id)).toEqual([]);

    await to.create({ accountIds: [bob.accountId] });
    expect(await failureStatus(to.create({ accountIds: [bob.accountId] }))).toBe(422);
    await to.create({ accountIds: [carol.accountId] });
    expect(await members(alice, list.id)).toEqual([carol.accountId, bob.accountId]);

    // Pages of one, followed through the Link header.
    const first = await apiCall(t.url, `/api/v1/lists/${list.id}/accounts?limit=1`, { token: alice.token });
    expect(((await first.json()) as { id: string }[]).map((a) => a.id)).toEqual([carol.accountId]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    expect(next).toBeDefined();
    const second = await apiCall(t.url, new URL(next ?? '').pathname + new URL(next ?? '').search, {
      token: alice.token,
    });
    expect(((await second.json()) as { id: string }[]).map((a) => a.id)).toEqual([bob.accountId]);
    const unpaged = await apiCall(t.url, `/api/v1/lists/${list.id}/accounts?limit=0`, { token: alice.token });
    expect(unpaged.headers.get('link')).toBeNull();

    expect((await as(alice).v1.accounts.$select(bob.accountId).lists.list()).map((l) => l.id)).toEqual([
      list.id,
    ]);
    expect(await as(alice).v1.accounts.$select(dave.accountId).lists.list()).toEqual([]);
    expect(await as(bob).v1.accounts.$select(bob.accountId).lists.list()).toEqual([]);
    expect(await failureStatus(as(alice).v1.accounts.$select('999999999').lists.list())).toBe(404);

    await to.remove({ accountIds: [bob.accountId, dave.accountId] });
    expect(await members(alice, list.id)).toEqual([carol.accountId]);
    await as(alice).v1.lists.$select(list.id).remove();
  });

  it('fans out members’ statuses to the list timeline as its replies policy says', async () => {
    const byList = await create(alice, { title: 'list policy', repliesPolicy: 'list' });
    const byFollowed = await create(alice, { title: 'followed policy', repliesPolicy: 'followed' });
    const noReplies = await create(alice, { title: 'no replies', repliesPolicy: 'none' });
    await as(alice)
      .v1.lists.$select(byList.id)
      .accounts.create({ accountIds: [bob.accountId, carol.accountId] });
    for (const list of [byFollowed, noReplies])
      await as(alice)
        .v1.lists.$select(list.id)
        .accounts.create({ accountIds: [bob.accountId] });
    await settled(t);

    const open = await post(bob, 'hello lists');
    const followersOnly = await post(bob, 'followers only', { visibility: 'private' });
    const direct = await post(bob, '@alice psst', { visibility: 'direct' });
    const stranger = await post(dave, 'not a member');
    const carolPost = await post(carol, 'carol speaks');
    const davePost = await post(dave, 'dave speaks');
    const alicePost = await post(alice, 'alice speaks');
    const toCarol = await post(bob, '@carol yes', { inReplyToId: carolPost.id });
    const toDave = await post(bob, '@dave no', { inReplyToId: davePost.id });
    const toAlice = await post(bob, '@alice hi', { inReplyToId: alicePost.id });
    const thread = await post(bob, 'and more', { inReplyToId: open.id });

    const listed = await timeline(alice, byList.id);
    expect(listed).toEqual([thread.id, toAlice.id, toCarol.id, carolPost.id, followersOnly.id, open.id]);
    for (const id of [direct.id, stranger.id, toDave.id]) expect(listed).not.toContain(id);
    // followed: carol is followed, dave is not.
    expect(await timeline(alice, byFollowed.id)).toEqual([
      thread.id,
      toAlice.id,
      toCarol.id,
      followersOnly.id,
      open.id,
    ]);
    // none: only replies to the owner and to oneself.
    expect(await timeline(alice, noReplies.id)).toEqual([thread.id, toAlice.id, followersOnly.id, open.id]);

    // A deleted status leaves the lists; a new member brings their recent statuses.
    await as(bob).v1.statuses.$select(open.id).remove();
    expect(await timeline(alice, byList.id)).not.toContain(open.id);
    const late = await create(alice, { title: 'late', repliesPolicy: 'none' });
    await as(alice)
      .v1.lists.$select(late.id)
      .accounts.create({ accountIds: [bob.accountId] });
    expect(await timeline(alice, late.id)).toEqual([thread.id, toAlice.id, followersOnly.id]);
    // A member removed takes their statuses out; a deleted list's timeline is gone.
    await as(alice)
      .v1.lists.$select(late.id)
      .accounts.remove({ accountIds: [bob.accountId] });
    expect(await timeline(alice, late.id)).toEqual([]);
    for (const list of [byList, byFollowed, noReplies, late])
      await as(alice).v1.lists.$select(list.id).remove();
    await settled(t);
    expect(await failureStatus(as(alice).v1.timelines.list.$select(byList.id).list())).toBe(404);
  });

  it('takes an account out of the owner’s lists when the follow ends', async () => {
    const list = await create(alice, { title: 'Leaving' });
    await as(alice)
      .v1.lists.$select(list.id)
      .accounts.create({ accountIds: [carol.accountId] });
    const said = await post(carol, 'soon gone');
    // Joining brought carol's earlier statuses too.
    expect((await timeline(alice, list.id))[0]).toBe(said.id);
    await as(alice).v1.accounts.$select(carol.accountId).unfollow();
    expect(await members(alice, list.id)).toEqual([]);
    expect(await as(alice).v1.accounts.$select(carol.accountId).lists.list()).toEqual([]);
    expect(await timeline(alice, list.id)).toEqual([]);
    await post(carol, 'not for the list any more');
    expect(await timeline(alice, list.id)).toEqual([]);

    // A block by the member ends the follow too.
    await as(alice)
      .v1.lists.$select(list.id)
      .accounts.create({ accountIds: [bob.accountId] });
    await as(bob).v1.accounts.$select(alice.accountId).block();
    expect(await members(alice, list.id)).toEqual([]);
    await as(bob).v1.accounts.$select(alice.accountId).unblock();
    await as(alice).v1.accounts.$select(bob.accountId).follow();
    await as(alice).v1.accounts.$select(carol.accountId).follow();
    await as(alice).v1.lists.$select(list.id).remove();
    await settled(t);
  });

  it('keeps the members of an exclusive list out of the owner’s home feed', async () => {
    const list = await create(alice, { title: 'Exclusive', exclusive: true });
    expect(list.exclusive).toBe(true);
    await as(alice)
      .v1.lists.$select(list.id)
      .accounts.create({ accountIds: [bob.accountId] });
    await settled(t);
    const fromBob = await post(bob, 'only in the list for alice');
    const fromCarol = await post(carol, 'carol at home');
    expect(await timeline(alice, list.id)).toContain(fromBob.id);
    const home = (await as(alice).v1.timelines.home.list({ limit: 40 })).map((s) => s.id);
    expect(home).toContain(fromCarol.id);
    expect(home).not.toContain(fromBob.id);
    // dave follows bob without an exclusive list: his home feed has it.
    expect((await as(dave).v1.timelines.home.list({ limit: 40 })).map((s) => s.id)).toContain(fromBob.id);
    await update(alice, list.id, { exclusive: false });
    const after = await post(bob, 'back home');
    await settled(t);
    expect((await as(alice).v1.timelines.home.list({ limit: 40 })).map((s) => s.id)).toContain(after.id);
    await as(alice).v1.lists.$select(list.id).remove();
  });

  it('streams a list’s new statuses to its owner, and refuses anyone else', async () => {
    const list = await create(alice, { title: 'Live' });
    await as(alice)
      .v1.lists.$select(list.id)
      .accounts.create({ accountIds: [bob.accountId] });
    await settled(t);
    const owner = await openStream(t.url, alice.token);
    const stranger = await openStream(t.url, carol.token);
    try {
      owner.send({ type: 'subscribe', stream: 'list', list: list.id });
      stranger.send({ type: 'subscribe', stream: 'list', list: list.id });
      expect(await waitFor(() => stranger.messages.find((m) => 'error' in m))).toMatchObject({ status: 401 });
      // Subscribing is asynchronous: probe until a status arrives, then one more must too.
      const updateOf = (id: string) =>
        owner.messages.find(
          (m) => m.event === 'update' && (JSON.parse(m.payload as string) as { id: string }).id === id,
        );
      let live = false;
      for (let attempt = 0; attempt < 20 && !live; attempt++) {
        const probe = await post(bob, `probe ${attempt}`);
        live = (await waitFor(() => updateOf(probe.id), 500)) !== undefined;
      }
      expect(live).toBe(true);
      const posted = await post(bob, 'live on the list', { visibility: 'private' });
      expect(await waitFor(() => updateOf(posted.id))).toMatchObject({
        stream: ['list', list.id],
        event: 'update',
      });
      await as(bob).v1.statuses.$select(posted.id).remove();
      expect(
        await waitFor(() => owner.messages.find((m) => m.event === 'delete' && m.payload === posted.id)),
      ).toMatchObject({ stream: ['list', list.id] });
      expect(stranger.messages.filter((m) => m.event === 'update')).toEqual([]);
    } finally {
      owner.close();
      stranger.close();
    }
    await as(alice).v1.lists.$select(list.id).remove();
  });

  it('allows at most 50 lists per account', async () => {
    const erin = await seedUser(t, { username: 'erin' });
    for (let n = 0; n < 50; n++) await create(erin, { title: `list ${n}` });
    expect(await failureStatus(create(erin, { title: 'one too many' }))).toBe(422);
    expect(await as(erin).v1.lists.list()).toHaveLength(50);
  });
});
