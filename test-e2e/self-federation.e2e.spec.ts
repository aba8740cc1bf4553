import { createRestAPIClient, type mastodon } from 'masto';
import { deleteUser } from './support/admin';
import { seedUsers, type SeededUser } from './support/factories';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';

jest.setTimeout(120_000);

/** Both instances speak plain http on loopback: the test-only switches (refused in production). */
const FEDERATING = { FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' };

/**
 * Two whole Mammut instances on loopback ports, each driven by masto as its users' apps would:
 * what one user does on A reaches the other on B over ActivityPub (WebFinger, signed deliveries,
 * signed fetches), and shows in B's client API exactly as a local action would.
 */
describe('self-federation between two instances', () => {
  const a = useTestSystem(FEDERATING);
  const b = useTestSystem(FEDERATING);
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  let aliceClient: mastodon.rest.Client;
  let bobClient: mastodon.rest.Client;
  let carolClient: mastodon.rest.Client;
  /** bob's and carol's accounts as A knows them. */
  let bobOnA: mastodon.v1.Account;
  let carolOnA: mastodon.v1.Account;

  const both = () => Promise.all([settled(a.t), settled(b.t)]);
  /** An account of B as alice finds it from A: a search that resolves it through WebFinger. */
  const resolve = async (acct: string): Promise<mastodon.v1.Account> => {
    const { accounts } = await aliceClient.v2.search.list({ q: `@${acct}`, resolve: true, type: 'accounts' });
    expect(accounts.map((account) => account.acct)).toEqual([acct]);
    return accounts[0];
  };

  beforeAll(async () => {
    [alice] = await seedUsers(a.t, ['alice']);
    [bob, carol] = await seedUsers(b.t, ['bob', 'carol']);
    aliceClient = createRestAPIClient({ url: a.t.url, accessToken: alice.token });
    bobClient = createRestAPIClient({ url: b.t.url, accessToken: bob.token });
    carolClient = createRestAPIClient({ url: b.t.url, accessToken: carol.token });
  });

  it('finds bob on B by his handle and follows him; B accepts and both sides agree', async () => {
    bobOnA = await resolve(`bob@${b.t.domain}`);
    expect(bobOnA).toMatchObject({ username: 'bob', acct: `bob@${b.t.domain}`, url: `${b.t.url}/@bob` });

    await aliceClient.v1.accounts.$select(bobOnA.id).follow();
    const relationship = await pollUntil(
      async () => (await aliceClient.v1.accounts.relationships.fetch({ id: [bobOnA.id] }))[0],
      (found) => found.following,
      10_000,
    );
    expect(relationship).toMatchObject({ following: true, requested: false });

    await both();
    const followers = await bobClient.v1.accounts.$select(bob.accountId).followers.list();
    expect(followers.map((account) => account.acct)).toEqual([`alice@${a.t.domain}`]);
  });

  it('delivers bob’s public post to alice’s home timeline, and his edit and deletion after it', async () => {
    const posted = await bobClient.v1.statuses.create({ status: 'Hello from B #fediverse' });
    const arrived = await pollUntil(
      async () => await aliceClient.v1.timelines.home.list(),
      (statuses) => statuses.some((status) => status.uri === posted.uri),
      10_000,
    );
    const remote = arrived.find((status) => status.uri === posted.uri) as mastodon.v1.Status;
    expect(remote.account.acct).toBe(`bob@${b.t.domain}`);
    expect(remote.content).toContain('Hello from B');
    expect(remote.visibility).toBe('public');

    await bobClient.v1.statuses.$select(posted.id).update({ status: 'Hello from B, edited' });
    const edited = await pollUntil(
      () => aliceClient.v1.statuses.$select(remote.id).fetch(),
      (status) => status.content.includes('edited'),
      10_000,
    );
    expect(edited.editedAt).not.toBeNull();

    await bobClient.v1.statuses.$select(posted.id).remove();
    const timeline = await pollUntil(
      async () => await aliceClient.v1.timelines.home.list(),
      (statuses) => !statuses.some((status) => status.uri === posted.uri),
      10_000,
    );
    expect(timeline.map((status) => status.uri)).not.toContain(posted.uri);
  });

  it('brings alice’s reply, favourite and boost back to bob as notifications', async () => {
    const posted = await bobClient.v1.statuses.create({ status: 'Tell me something' });
    const onA = await pollUntil(
      async () => await aliceClient.v1.timelines.home.list(),
      (statuses) => statuses.some((status) => status.uri === posted.uri),
      10_000,
    );
    const remote = onA.find((status) => status.uri === posted.uri) as mastodon.v1.Status;

    await aliceClient.v1.statuses.create({
      status: `@bob@${b.t.domain} here is something`,
      inReplyToId: remote.id,
    });
    await aliceClient.v1.statuses.$select(remote.id).favourite();
    await aliceClient.v1.statuses.$select(remote.id).reblog();

    const notifications = await pollUntil(
      async () => await bobClient.v1.notifications.list(),
      (list) => ['mention', 'favourite', 'reblog'].every((type) => list.some((n) => n.type === type)),
      15_000,
    );
    for (const notification of notifications.filter((n) => n.type !== 'follow'))
      expect(notification.account.acct).toBe(`alice@${a.t.domain}`);
    const mention = notifications.find((n) => n.type === 'mention') as mastodon.v1.Notification;
    expect(mention.status?.inReplyToId).toBe(posted.id);
    expect(mention.status?.content).toContain('here is something');

    const context = await bobClient.v1.statuses.$select(posted.id).context.fetch();
    expect(context.descendants.map((status) => status.account.acct)).toEqual([`alice@${a.t.domain}`]);
    const counts = await bobClient.v1.statuses.$select(posted.id).fetch();
    expect(counts).toMatchObject({ favouritesCount: 1, reblogsCount: 1, repliesCount: 1 });
  });

  it('keeps followers-only posts to followers and direct posts to those they mention', async () => {
    const privatePost = await bobClient.v1.statuses.create({
      status: 'followers only',
      visibility: 'private',
    });
    const direct = await carolClient.v1.statuses.create({
      status: `@bob psst, nobody on A may see this`,
      visibility: 'direct',
    });
    const arrived = await pollUntil(
      async () => await aliceClient.v1.timelines.home.list(),
      (statuses) => statuses.some((status) => status.uri === privatePost.uri),
      10_000,
    );
    expect(arrived.find((status) => status.uri === privatePost.uri)?.visibility).toBe('private');
    await both();
    const searched = await aliceClient.v1.timelines.home.list({ limit: 40 });
    expect(searched.map((status) => status.uri)).not.toContain(direct.uri);
  });

  it('asks a locked account on B, which approves alice from its own client', async () => {
    await carolClient.v1.accounts.updateCredentials({ locked: true });
    await both();
    carolOnA = await resolve(`carol@${b.t.domain}`);
    const asked = await aliceClient.v1.accounts.$select(carolOnA.id).follow();
    expect(asked.requested || asked.following).toBe(true);

    const requests = await pollUntil(
      async () => await carolClient.v1.followRequests.list(),
      (list) => list.length > 0,
      10_000,
    );
    expect(requests.map((account) => account.acct)).toEqual([`alice@${a.t.domain}`]);
    await carolClient.v1.followRequests.$select(requests[0].id).authorize();
    const relationship = await pollUntil(
      async () => (await aliceClient.v1.accounts.relationships.fetch({ id: [carolOnA.id] }))[0],
      (found) => found.following,
      10_000,
    );
    expect(relationship).toMatchObject({ following: true, requested: false });
  });

  it('shows bob’s new profile on A once he changes it on B', async () => {
    await bobClient.v1.accounts.updateCredentials({ displayName: 'Bob of B', note: 'Now with a bio' });
    const seen = await pollUntil(
      () => aliceClient.v1.accounts.$select(bobOnA.id).fetch(),
      (account) => account.displayName === 'Bob of B',
      10_000,
    );
    expect(seen).toMatchObject({ displayName: 'Bob of B', acct: `bob@${b.t.domain}` });
    expect(seen.note).toContain('Now with a bio');
  });

  it('ends the follow on both sides when alice unfollows', async () => {
    await aliceClient.v1.accounts.$select(bobOnA.id).unfollow();
    const followers = await pollUntil(
      async () => await bobClient.v1.accounts.$select(bob.accountId).followers.list(),
      (list) => list.length === 0,
      10_000,
    );
    expect(followers).toEqual([]);
  });

  it('ends alice’s follow on A when bob blocks her on B', async () => {
    await aliceClient.v1.accounts.$select(bobOnA.id).follow();
    await pollUntil(
      async () => (await aliceClient.v1.accounts.relationships.fetch({ id: [bobOnA.id] }))[0],
      (found) => found.following,
      10_000,
    );
    await both();
    const [aliceOnB] = await bobClient.v1.accounts.$select(bob.accountId).followers.list();
    await bobClient.v1.accounts.$select(aliceOnB.id).block();
    // B sends two activities, delivered apart: the Reject that ends the follow, and the Block.
    const relationship = await pollUntil(
      async () => (await aliceClient.v1.accounts.relationships.fetch({ id: [bobOnA.id] }))[0],
      (found) => !found.following && found.blockedBy,
      10_000,
    );
    // Mastodon records a remote Block too, and says so.
    expect(relationship).toMatchObject({ following: false, blockedBy: true });
  });

  it('takes carol’s account down on A when B’s operator deletes it', async () => {
    await deleteUser(b.t.system.runtime.config, 'carol');
    const gone = await pollUntil(
      () => aliceClient.v1.accounts.$select(carolOnA.id).fetch(),
      (account) => account.suspended === true,
      10_000,
    );
    expect(gone).toMatchObject({ suspended: true, displayName: '', note: '' });
    const following = await aliceClient.v1.accounts.$select(alice.accountId).following.list();
    expect(following.map((account) => account.id)).not.toContain(carolOnA.id);
  });
});
