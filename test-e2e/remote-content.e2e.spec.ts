import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { Peer } from './support/peer';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';

jest.setTimeout(120_000);

/** Both instances speak plain http on loopback: the test-only switches (refused in production). */
const FEDERATING = { FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' };

/**
 * Remote content A never received, had on demand: a status found by its URL (v2 search with
 * resolve), the statuses a delivered reply answers (fetched up its thread, at most five), the
 * status a boost shares, and a remote account a post mentions before anyone here looked it up.
 */
describe('remote statuses resolved on demand', () => {
  const a = useTestSystem(FEDERATING);
  const b = useTestSystem(FEDERATING);
  let alice: SeededUser;
  let bob: SeededUser;
  let dave: SeededUser;
  let aliceClient: mastodon.rest.Client;
  let bobClient: mastodon.rest.Client;
  let carolClient: mastodon.rest.Client;
  let daveClient: mastodon.rest.Client;
  let erinClient: mastodon.rest.Client;
  /** erin's account on A, which alice follows from the second test on. */
  let erinId: string;

  const both = () => Promise.all([settled(a.t), settled(b.t)]);
  /** What alice's search finds for a URL, resolving it when asked. */
  const searchStatuses = async (q: string, resolve: boolean): Promise<mastodon.v1.Status[]> =>
    (await aliceClient.v2.search.list({ q, resolve, type: 'statuses' })).statuses;
  /** alice follows an account of B, found by its handle; its id on A. */
  const follow = async (username: string): Promise<string> => {
    const { accounts } = await aliceClient.v2.search.list({
      q: `@${username}@${b.t.domain}`,
      resolve: true,
      type: 'accounts',
    });
    await aliceClient.v1.accounts.$select(accounts[0].id).follow();
    await pollUntil(
      async () => (await aliceClient.v1.accounts.relationships.fetch({ id: [accounts[0].id] }))[0],
      (found) => found.following,
      10_000,
    );
    return accounts[0].id;
  };
  /** A status alice's home timeline shows once it arrives. */
  const arrivedHome = async (match: (status: mastodon.v1.Status) => boolean): Promise<mastodon.v1.Status> => {
    const home = await pollUntil(
      async () => await aliceClient.v1.timelines.home.list({ limit: 40 }),
      (statuses) => statuses.some(match),
      15_000,
    );
    const found = home.find(match);
    expect(found).toBeDefined();
    return found as mastodon.v1.Status;
  };
  /**
   * A delivered reply, found on its author's profile on A: the home feed leaves out replies to
   * accounts alice does not follow once the status they answer is known, as Mastodon's does.
   */
  const arrivedFrom = async (accountId: string, uri: string): Promise<mastodon.v1.Status> => {
    const statuses = await pollUntil(
      async () => await aliceClient.v1.accounts.$select(accountId).statuses.list({ limit: 40 }),
      (list) => list.some((status) => status.uri === uri),
      15_000,
    );
    return statuses.find((status) => status.uri === uri) as mastodon.v1.Status;
  };

  beforeAll(async () => {
    [alice] = await seedUsers(a.t, ['alice']);
    let carol: SeededUser;
    let erin: SeededUser;
    [bob, carol, dave, erin] = await seedUsers(b.t, ['bob', 'carol', 'dave', 'erin']);
    const client = (url: string, user: SeededUser) => createRestAPIClient({ url, accessToken: user.token });
    aliceClient = client(a.t.url, alice);
    bobClient = client(b.t.url, bob);
    carolClient = client(b.t.url, carol);
    daveClient = client(b.t.url, dave);
    erinClient = client(b.t.url, erin);
  });

  it('finds bob’s status by its URL, and alice favourites and answers it', async () => {
    const posted = await bobClient.v1.statuses.create({ status: 'Nobody on A follows me' });
    expect(await searchStatuses(posted.uri, false)).toEqual([]);

    const [found] = await searchStatuses(posted.uri, true);
    expect(found).toMatchObject({
      uri: posted.uri,
      url: posted.url,
      account: { acct: `bob@${b.t.domain}` },
      favourited: false,
    });
    expect(found.content).toContain('Nobody on A follows me');
    // Known now: by its uri and by its page, without asking B again.
    expect((await searchStatuses(posted.uri, false)).map((status) => status.id)).toEqual([found.id]);
    expect((await searchStatuses(posted.url ?? '', false)).map((status) => status.id)).toEqual([found.id]);

    await aliceClient.v1.statuses.$select(found.id).favourite();
    await aliceClient.v1.statuses.create({ status: `@bob@${b.t.domain} found you`, inReplyToId: found.id });
    const counts = await pollUntil(
      () => bobClient.v1.statuses.$select(posted.id).fetch(),
      (status) => status.favouritesCount === 1 && status.repliesCount === 1,
      15_000,
    );
    expect(counts).toMatchObject({ favouritesCount: 1, repliesCount: 1 });
  });

  it('fetches the status a delivered reply answers, and shows it in the reply’s context', async () => {
    erinId = await follow('erin');
    const root = await carolClient.v1.statuses.create({ status: 'A never saw this' });
    const reply = await erinClient.v1.statuses.create({ status: 'I answer it', inReplyToId: root.id });

    const arrived = await arrivedFrom(erinId, reply.uri);
    const context = await pollUntil(
      () => aliceClient.v1.statuses.$select(arrived.id).context.fetch(),
      (found) => found.ancestors.length > 0,
      15_000,
    );
    expect(context.ancestors.map((status) => [status.uri, status.account.acct])).toEqual([
      [root.uri, `carol@${b.t.domain}`],
    ]);
    const linked = await aliceClient.v1.statuses.$select(arrived.id).fetch();
    expect(linked.inReplyToId).toBe(context.ancestors[0].id);
  });

  it('stops fetching up a thread after five parents', async () => {
    const chain: mastodon.v1.Status[] = [await carolClient.v1.statuses.create({ status: 'chain 1' })];
    for (let n = 2; n <= 7; n += 1)
      chain.push(
        await carolClient.v1.statuses.create({
          status: `chain ${n}`,
          inReplyToId: chain[chain.length - 1].id,
        }),
      );
    const reply = await erinClient.v1.statuses.create({
      status: 'the end of a long thread',
      inReplyToId: chain[6].id,
    });

    const arrived = await arrivedFrom(erinId, reply.uri);
    const context = await pollUntil(
      () => aliceClient.v1.statuses.$select(arrived.id).context.fetch(),
      (found) => found.ancestors.length >= 5,
      20_000,
    );
    await both();
    expect(context.ancestors.map((status) => status.uri)).toEqual(chain.slice(2).map((status) => status.uri));
    expect(await searchStatuses(chain[1].uri, false)).toEqual([]);
    expect(await searchStatuses(chain[0].uri, false)).toEqual([]);
  });

  it('shows bob’s boost of a status of carol that A never saw, with the status it shares', async () => {
    await follow('bob');
    const original = await carolClient.v1.statuses.create({ status: 'Boost me, bob' });
    await bobClient.v1.statuses.$select(original.id).reblog();

    const boost = await arrivedHome((status) => status.reblog?.uri === original.uri);
    expect(boost.account.acct).toBe(`bob@${b.t.domain}`);
    expect(boost.reblog).toMatchObject({ uri: original.uri, account: { acct: `carol@${b.t.domain}` } });
    expect(boost.reblog?.content).toContain('Boost me, bob');
  });

  it('links a mention of an account A never looked up, and delivers the status to it', async () => {
    const posted = await aliceClient.v1.statuses.create({ status: `Hello @dave@${b.t.domain}!` });
    expect(posted.mentions.map((mention) => mention.acct)).toEqual([`dave@${b.t.domain}`]);
    expect(posted.content).toContain(`${b.t.url}/@dave`);

    const notifications = await pollUntil(
      async () => await daveClient.v1.notifications.list(),
      (list) => list.some((notification) => notification.type === 'mention'),
      15_000,
    );
    const mention = notifications.find((notification) => notification.type === 'mention');
    expect(mention).toMatchObject({ account: { acct: `alice@${a.t.domain}` }, status: { uri: posted.uri } });
    expect(dave.accountId).toBe(mention?.status?.mentions[0]?.id);
  });

  it('stores no status whose object is attributed to an actor on another host', async () => {
    const peer = new Peer();
    await peer.start();
    try {
      const uri = `${peer.origin}/notes/1`;
      peer.actors.set('/notes/1', {
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: uri,
        type: 'Note',
        attributedTo: `${b.t.url}/users/bob`,
        content: '<p>not bob’s</p>',
        to: ['https://www.w3.org/ns/activitystreams#Public'],
      });
      expect(await searchStatuses(uri, true)).toEqual([]);
      expect(peer.gets.map((get) => get.path)).toContain('/notes/1');
      expect(await searchStatuses(uri, false)).toEqual([]);
    } finally {
      await peer.stop();
    }
  });

  it('refuses a status URL on an address it may not reach, without a request', async () => {
    let connections = 0;
    const canary = createServer((_request, response) => response.end());
    canary.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.2', resolve));
    try {
      const url = `http://127.0.0.2:${(canary.address() as AddressInfo).port}/users/mallory/statuses/1`;
      const { accounts, statuses } = await aliceClient.v2.search.list({ q: url, resolve: true });
      expect({ accounts, statuses }).toEqual({ accounts: [], statuses: [] });
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => canary.close(resolve));
    }
  });
});
