import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { failure, failureStatus } from './support/http';
import { streamingClients } from './support/streaming';
import { settled, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(120_000);

/**
 * Editing statuses through masto, as Elk and Phanpy edit: what is sent replaces what was, the
 * versions are kept (the original first), mentions and hashtags follow the text, rebloggers are
 * told, open streams get `status.update`; anyone else's status, or a bad edit, changes nothing.
 */
describe('status edits', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  const streams = streamingClients(() => t.url);
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });

  beforeAll(async () => {
    t = await startTestSystem();
    [alice, bob, carol] = await seedUsers(t, ['alice', 'bob', 'carol']);
    await as(bob).v1.accounts.$select(alice.accountId).follow();
  });

  afterAll(async () => {
    await streams.closeAll();
    await t?.stop();
  });

  it('edits text, spoiler, mentions and hashtags, and keeps every version oldest first', async () => {
    const posted = await as(alice).v1.statuses.create({ status: 'first #one', language: 'en' });
    const original = await as(bob).v1.statuses.$select(posted.id).history.list();
    expect(original.map((v) => [v.content, v.createdAt, v.account.id])).toEqual([
      [posted.content, posted.createdAt, alice.accountId],
    ]);
    expect(await as(alice).v1.statuses.$select(posted.id).source.fetch()).toEqual({
      id: posted.id,
      text: 'first #one',
      spoilerText: '',
    });

    const edited = await as(alice)
      .v1.statuses.$select(posted.id)
      .update({ status: 'second #two @carol', spoilerText: 'careful' });
    expect(edited.editedAt).not.toBeNull();
    expect(edited).toMatchObject({
      id: posted.id,
      spoilerText: 'careful',
      sensitive: true,
      language: 'en',
      tags: [{ name: 'two' }],
      mentions: [{ id: carol.accountId }],
    });
    expect(edited.content).toContain('second');
    const fetched = await as(bob).v1.statuses.$select(posted.id).fetch();
    expect([fetched.content, fetched.editedAt]).toEqual([edited.content, edited.editedAt]);

    await as(alice).v1.statuses.$select(posted.id).update({ status: 'third' });
    const versions = await as(bob).v1.statuses.$select(posted.id).history.list();
    expect(versions.map((v) => [v.content, v.spoilerText, v.sensitive])).toEqual([
      [posted.content, '', false],
      [edited.content, 'careful', true],
      [expect.stringContaining('third'), '', false],
    ]);
    expect(versions[0].createdAt).toBe(posted.createdAt);
    const latest = await as(alice).v1.statuses.$select(posted.id).fetch();
    expect([latest.mentions, latest.tags, latest.spoilerText]).toEqual([[], [], '']);
    expect(versions[2].createdAt).toBe(latest.editedAt);
    expect((await as(alice).v1.statuses.$select(posted.id).source.fetch()).text).toBe('third');

    // The first edit mentioned carol: she was notified once; the edit that dropped her takes nothing back.
    await settled(t);
    const mentions = await as(carol).v1.notifications.list({ types: ['mention'] });
    expect(mentions.map((n) => n.status?.id)).toEqual([posted.id]);
  });

  it('notifies local rebloggers of each edit, and not those who only favourited', async () => {
    const posted = await as(alice).v1.statuses.create({ status: 'boost me' });
    await as(bob).v1.statuses.$select(posted.id).reblog();
    await as(carol).v1.statuses.$select(posted.id).favourite();
    await settled(t);
    await as(alice).v1.statuses.$select(posted.id).update({ status: 'boost me (fixed)' });
    await settled(t);
    const updates = await as(bob).v1.notifications.list({ types: ['update'] });
    expect(updates.map((n) => [n.type, n.account.id, n.status?.id])).toEqual([
      ['update', alice.accountId, posted.id],
    ]);
    expect(await as(carol).v1.notifications.list({ types: ['update'] })).toEqual([]);
    // Another edit notifies again: the newest stands in for the one before.
    const before = updates[0].id;
    await as(alice).v1.statuses.$select(posted.id).update({ status: 'boost me (fixed twice)' });
    await settled(t);
    const again = await as(bob).v1.notifications.list({ types: ['update'] });
    expect(again).toHaveLength(1);
    expect(BigInt(again[0].id) > BigInt(before)).toBe(true);
  });

  it('refuses bad edits and edits of what is not one’s own, changing nothing', async () => {
    const posted = await as(alice).v1.statuses.create({ status: 'mine' });
    const unchanged = async (): Promise<void> => {
      const now = await as(alice).v1.statuses.$select(posted.id).fetch();
      expect([now.content, now.editedAt, now.spoilerText]).toEqual([posted.content, null, '']);
      expect(await as(alice).v1.statuses.$select(posted.id).history.list()).toHaveLength(1);
    };

    expect(await failure(as(bob).v1.statuses.$select(posted.id).update({ status: 'yours now' }))).toEqual({
      status: 404,
      error: 'Record not found',
    });
    expect(
      await failureStatus(
        as(alice)
          .v1.statuses.$select(posted.id)
          .update({ status: 'x'.repeat(501) }),
      ),
    ).toBe(422);
    expect(await failure(as(alice).v1.statuses.$select(posted.id).update({ status: '   ' }))).toEqual({
      status: 422,
      error: "Validation failed: Text can't be blank",
    });
    expect(
      await failureStatus(
        as(alice)
          .v1.statuses.$select(posted.id)
          .update({ status: 'with media', mediaIds: ['1'] }),
      ),
    ).toBe(422);
    expect(
      await failure(
        as(alice)
          .v1.statuses.$select(posted.id)
          .update({ status: 'quick poll', poll: { options: ['a', 'b'], expiresIn: 299 } }),
      ),
    ).toEqual({ status: 422, error: 'Validation failed: Poll expires at is too soon' });
    await unchanged();

    // Sending what is already there is no edit at all.
    const same = await as(alice).v1.statuses.$select(posted.id).update({ status: 'mine' });
    expect(same.editedAt).toBeNull();
    await unchanged();

    // A reblog is not a status one can edit, even one's own.
    const reblog = await as(bob).v1.statuses.$select(posted.id).reblog();
    expect(await failureStatus(as(bob).v1.statuses.$select(reblog.id).update({ status: 'hijack' }))).toBe(
      404,
    );
    for (const id of ['999999999', 'nope']) {
      expect(await failureStatus(as(alice).v1.statuses.$select(id).update({ status: 'ghost' }))).toBe(404);
      expect(await failureStatus(as(alice).v1.statuses.$select(id).history.list())).toBe(404);
    }
    await unchanged();
  });

  it('shows history and source only to who may see the status', async () => {
    const hidden = await as(alice).v1.statuses.create({ status: 'followers only', visibility: 'private' });
    await as(alice).v1.statuses.$select(hidden.id).update({ status: 'followers only, edited' });
    expect(await as(bob).v1.statuses.$select(hidden.id).history.list()).toHaveLength(2);
    expect(await failureStatus(as(carol).v1.statuses.$select(hidden.id).history.list())).toBe(404);
    expect(await failureStatus(as(carol).v1.statuses.$select(hidden.id).source.fetch())).toBe(404);
    const anonymous = await fetch(`${t.url}/api/v1/statuses/${hidden.id}/history`);
    expect(anonymous.status).toBe(404);
    expect((await as(bob).v1.statuses.$select(hidden.id).source.fetch()).text).toBe('followers only, edited');
  });

  it('sends an edit to an open user stream as status.update', async () => {
    const client = streams.open(bob.token);
    const subscription = client.user.subscribe();
    const received: mastodon.streaming.Event[] = [];
    void (async () => {
      try {
        for await (const event of subscription.values()) received.push(event);
      } catch {
        // Closed with the client.
      }
    })();
    const posted = await as(alice).v1.statuses.create({ status: 'live' });
    // masto subscribes in the background: edit until an edit arrives (each edit is a new version).
    const deadline = Date.now() + 10_000;
    let edits = 0;
    const arrived = (): mastodon.streaming.Event | undefined =>
      received.find((event) => event.event === 'status.update');
    while (!arrived() && Date.now() < deadline) {
      edits += 1;
      await as(alice)
        .v1.statuses.$select(posted.id)
        .update({ status: `live, edit ${edits}` });
      for (let waited = 0; waited < 500 && !arrived(); waited += 20)
        await new Promise((r) => setTimeout(r, 20));
    }
    const event = arrived();
    expect(event).toMatchObject({ event: 'status.update', stream: ['user'], payload: { id: posted.id } });
    expect(event?.event === 'status.update' && event.payload.editedAt).toBeTruthy();
    subscription.unsubscribe();
  });
});
