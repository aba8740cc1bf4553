import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { failureStatus } from './support/http';
import { streamingClients } from './support/streaming';
import { settled, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(120_000);

/**
 * Direct conversations and muted threads through masto, as Mastodon's apps use them: each
 * participant has the conversation with the others, unread until read; replies join it, deletions
 * take statuses out; muting a thread one takes part in silences its notifications.
 */
describe('conversations', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  let dave: SeededUser;
  const streams = streamingClients(() => t.url);
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const conversations = async (user: SeededUser): Promise<mastodon.v1.Conversation[]> =>
    await as(user).v1.conversations.list();
  const summary = (c: mastodon.v1.Conversation): unknown => ({
    unread: c.unread,
    accounts: c.accounts.map((a) => a.id).sort(),
    last: c.lastStatus?.id,
  });
  const mentions = async (user: SeededUser): Promise<(string | undefined)[]> => {
    await settled(t);
    const list = await as(user).v1.notifications.list({ types: ['mention'] });
    return list.map((n) => n.status?.id);
  };

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol, dave] = await seedUsers(t, ['alice', 'bob', 'carol', 'dave']);
  });

  afterAll(async () => {
    await streams.closeAll();
    await t?.stop();
  });

  it('gives each participant one conversation with the others, unread for the recipients until read', async () => {
    const dm = await as(alice).v1.statuses.create({ status: 'psst @bob @carol', visibility: 'direct' });
    const [mine] = await conversations(alice);
    expect(summary(mine)).toEqual({
      unread: false,
      accounts: [bob.accountId, carol.accountId].sort(),
      last: dm.id,
    });
    const [bobs] = await conversations(bob);
    expect(summary(bobs)).toEqual({
      unread: true,
      accounts: [alice.accountId, carol.accountId].sort(),
      last: dm.id,
    });
    expect(bobs.lastStatus?.visibility).toBe('direct');
    expect(bobs.id).not.toBe(mine.id);
    const read = await as(bob).v1.conversations.$select(bobs.id).read();
    expect([read.id, read.unread]).toEqual([bobs.id, false]);
    expect((await conversations(bob)).map((c) => c.unread)).toEqual([false]);
    // Carol's is still unread; dave, not addressed, has none.
    expect((await conversations(carol)).map((c) => c.unread)).toEqual([true]);
    expect(await conversations(dave)).toEqual([]);
  });

  it('makes no conversation of a private status, even one that mentions', async () => {
    await as(alice).v1.statuses.create({ status: 'followers and @dave', visibility: 'private' });
    await as(alice).v1.statuses.create({ status: 'everyone and @dave' });
    expect(await conversations(dave)).toEqual([]);
  });

  it('joins a reply to the conversation and moves it back when statuses are deleted', async () => {
    const dm = await as(dave).v1.statuses.create({ status: 'hey @carol', visibility: 'direct' });
    const [before] = await conversations(dave);
    const reply = await as(carol).v1.statuses.create({
      status: '@dave hello back',
      visibility: 'direct',
      inReplyToId: dm.id,
    });
    const after = await conversations(dave);
    expect(after.map(summary)).toEqual([{ unread: true, accounts: [carol.accountId], last: reply.id }]);
    expect(after[0].id).toBe(before.id);
    // Carol's conversation with dave alone is another one than the one with alice and bob.
    const carols = await conversations(carol);
    expect(
      carols.map((c) => [c.unread, c.accounts.map((a) => a.id).sort(), c.lastStatus?.id === reply.id]),
    ).toEqual([
      [false, [dave.accountId], true],
      [true, [alice.accountId, bob.accountId].sort(), false],
    ]);
    await as(carol).v1.statuses.$select(reply.id).remove();
    expect((await conversations(dave)).map(summary)).toEqual([
      { unread: true, accounts: [carol.accountId], last: dm.id },
    ]);
    await as(dave).v1.statuses.$select(dm.id).remove();
    expect(await conversations(dave)).toEqual([]);
    expect((await conversations(carol)).map((c) => c.accounts.map((a) => a.id).sort())).toEqual([
      [alice.accountId, bob.accountId].sort(),
    ]);
  });

  it('pages conversations by their last status with Link', async () => {
    const first = await as(bob).v1.statuses.create({ status: '1 @dave', visibility: 'direct' });
    const second = await as(carol).v1.statuses.create({ status: '2 @dave', visibility: 'direct' });
    const page = as(dave).v1.conversations.list({ limit: 1 });
    const pages: string[][] = [];
    for await (const conversations of page) {
      pages.push(conversations.map((c) => c.lastStatus?.id ?? ''));
      if (pages.length > 3) break;
    }
    // As Mastodon, a full page links to the next, which may be empty.
    expect(pages).toEqual([[second.id], [first.id], []]);
    const response = await fetch(`${t.url}/api/v1/conversations?limit=1`, {
      headers: { authorization: `Bearer ${dave.token}` },
    });
    expect(response.headers.get('link')).toContain(`max_id=${second.id}`);
  });

  it('removes a conversation for its owner only; another account’s conversation is 404', async () => {
    await as(alice).v1.statuses.create({ status: 'bye @bob', visibility: 'direct' });
    const [bobs] = await conversations(bob);
    const [alices] = await conversations(alice);
    expect(await failureStatus(as(alice).v1.conversations.$select(bobs.id).remove())).toBe(404);
    expect(await failureStatus(as(alice).v1.conversations.$select(bobs.id).read())).toBe(404);
    expect(await failureStatus(as(alice).v1.conversations.$select('nope').read())).toBe(404);
    expect((await conversations(bob)).map((c) => c.id)).toContain(bobs.id);
    await as(bob).v1.conversations.$select(bobs.id).remove();
    expect((await conversations(bob)).map((c) => c.id)).not.toContain(bobs.id);
    expect((await conversations(alice)).map((c) => c.id)).toContain(alices.id);
    expect(await failureStatus(as(bob).v1.conversations.$select(bobs.id).remove())).toBe(404);
    const anonymous = await fetch(`${t.url}/api/v1/conversations`);
    expect(anonymous.status).toBe(401);
  });

  it('mutes a thread for a participant: no more mention notifications from it until unmuted', async () => {
    const start = await as(alice).v1.statuses.create({ status: 'thread for @bob' });
    expect(await mentions(bob)).toContain(start.id);
    const muted = await as(bob).v1.statuses.$select(start.id).mute();
    expect(muted.muted).toBe(true);
    expect((await as(bob).v1.statuses.$select(start.id).fetch()).muted).toBe(true);
    expect((await as(alice).v1.statuses.$select(start.id).fetch()).muted).toBe(false);
    const quiet = await as(alice).v1.statuses.create({ status: '@bob more', inReplyToId: start.id });
    expect(await mentions(bob)).not.toContain(quiet.id);
    // The reply is in the muted thread too.
    expect((await as(bob).v1.statuses.$select(quiet.id).fetch()).muted).toBe(true);
    // A status elsewhere still notifies.
    const elsewhere = await as(alice).v1.statuses.create({ status: 'other @bob' });
    expect(await mentions(bob)).toContain(elsewhere.id);
    expect((await as(bob).v1.statuses.$select(start.id).unmute()).muted).toBe(false);
    const loud = await as(alice).v1.statuses.create({ status: '@bob again', inReplyToId: quiet.id });
    expect(await mentions(bob)).toContain(loud.id);
  });

  it('refuses muting to a non-participant (422), and a status one may not see (404)', async () => {
    const status = await as(alice).v1.statuses.create({ status: 'not about carol' });
    expect(await failureStatus(as(carol).v1.statuses.$select(status.id).mute())).toBe(422);
    expect((await as(carol).v1.statuses.$select(status.id).fetch()).muted).toBe(false);
    // The author may mute their own thread.
    expect((await as(alice).v1.statuses.$select(status.id).mute()).muted).toBe(true);
    const hidden = await as(alice).v1.statuses.create({ status: 'for @bob only', visibility: 'direct' });
    expect(await failureStatus(as(carol).v1.statuses.$select(hidden.id).mute())).toBe(404);
    expect(await failureStatus(as(carol).v1.statuses.$select('999999999').mute())).toBe(404);
  });

  it('sends a conversation event on the direct stream of each participant', async () => {
    const client = streams.open(bob.token);
    const received: mastodon.streaming.Event[] = [];
    const subscription = client.direct.subscribe();
    void (async () => {
      try {
        for await (const event of subscription.values()) received.push(event);
      } catch {
        // The client was closed.
      }
    })();
    const lastOf = (event: mastodon.streaming.Event): string | undefined =>
      event.event === 'conversation' ? event.payload.lastStatus?.id : undefined;
    const waitFor = async (id: string, ms: number): Promise<mastodon.streaming.Event | undefined> => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const found = received.find((event) => lastOf(event) === id);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return undefined;
    };
    // masto subscribes in the background: probes until one arrives.
    let live = false;
    for (let attempt = 0; attempt < 30 && !live; attempt += 1) {
      const probe = await as(bob).v1.statuses.create({ status: 'probe', visibility: 'direct' });
      live = (await waitFor(probe.id, 300)) !== undefined;
    }
    expect(live).toBe(true);
    const dm = await as(alice).v1.statuses.create({ status: 'live @bob', visibility: 'direct' });
    const event = await waitFor(dm.id, 5000);
    expect(event).toMatchObject({
      event: 'conversation',
      stream: ['direct'],
      payload: { unread: true, accounts: [{ id: alice.accountId }], lastStatus: { id: dm.id } },
    });
    // Statuses that are no direct ones never come on it.
    const open = await as(alice).v1.statuses.create({ status: 'public @bob' });
    expect(await waitFor(open.id, 500)).toBeUndefined();
    expect(received.every((e) => e.event === 'conversation')).toBe(true);
    subscription.unsubscribe();
  });
});
