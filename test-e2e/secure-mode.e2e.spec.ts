import { signCavage } from '@mammut/activitypub';
import { ContractError, contracts } from '@mammut/contracts';
import { createHash, randomUUID } from 'node:crypto';
import { createRestAPIClient } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { deliverSigned, keyPair, Peer, type SigningKey } from './support/peer';
import { pollUntil } from './support/poll';
import { settled, type SystemUnderTest, useTestSystem } from './support/system';

jest.setTimeout(90_000);

const AP = 'application/activity+json';

const errorCode = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof ContractError ? error.code : String(error)),
  );

/** A GET as a peer sends it: signed by `key` (draft-cavage), or not at all. */
const getAs = (url: string, key?: SigningKey): Promise<Response> => {
  const headers = { accept: AP };
  return fetch(url, {
    headers: key ? { ...headers, ...signCavage({ method: 'GET', url, headers }, key) } : headers,
  });
};

/** The operator's requests, as `npm run mammut -- domains …` sends them. */
const domainBlocks = (sut: SystemUnderTest) => {
  const bus = () => sut.t.system.runtime.bus;
  const blocks = contracts.federation.domainBlocks;
  return {
    block: (
      domain: string,
      changes: { severity?: 'suspend' | 'silence' | 'noop'; publicComment?: string; obfuscate?: boolean },
    ) => bus().request(blocks.create, { domain, ...changes }),
    change: (domain: string, changes: { severity?: 'suspend' | 'silence' | 'noop'; rejectMedia?: boolean }) =>
      bus().request(blocks.update, { domain, ...changes }),
    unblock: (domain: string) => bus().request(blocks.remove, { domain }),
    list: () => bus().request(blocks.list, {}),
  };
};

/**
 * Instance domain blocks: a suspended domain is cut off both ways and never asked anything —
 * its activities refused with 403 before its key is fetched, nothing delivered to it, none of its
 * accounts resolved — until the block is lifted; the public block list shows what the instance
 * allows to be shown.
 */
describe('a suspended domain', () => {
  const sut = useTestSystem({
    FEDERATION_SCHEME: 'http',
    FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1',
    SHOW_DOMAIN_BLOCKS: 'all',
    SHOW_DOMAIN_BLOCKS_RATIONALE: 'all',
  });
  const operator = domainBlocks(sut);
  const peer = new Peer();
  const bobKeys = keyPair();
  let bobId: string;
  let peerHost: string;
  let alice: SeededUser;
  let carol: SeededUser;

  const follow = (target: string): Promise<Response> =>
    deliverSigned(
      `${sut.t.url}/users/${target}/inbox`,
      JSON.stringify({
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${bobId}#follows/${randomUUID()}`,
        type: 'Follow',
        actor: bobId,
        object: `${sut.t.url}/users/${target}`,
      }),
      { keyId: `${bobId}#main-key`, privateKeyPem: bobKeys.privateKey },
    );

  const followersOf = async (user: SeededUser): Promise<string[]> =>
    (
      await createRestAPIClient({ url: sut.t.url, accessToken: user.token })
        .v1.accounts.$select(user.accountId)
        .followers.list()
    ).map((account) => account.acct);

  const post = (text: string, author: SeededUser = alice) =>
    createRestAPIClient({ url: sut.t.url, accessToken: author.token }).v1.statuses.create({
      status: text,
      visibility: 'public',
    });

  const creates = (): string[] =>
    peer
      .activitiesAt('/inbox')
      .concat(peer.activitiesAt('/users/bob/inbox'))
      .filter(({ activity }) => activity.type === 'Create')
      .map(({ activity }) => (activity.object as { content: string }).content);

  const resolve = (acct: string) =>
    createRestAPIClient({ url: sut.t.url, accessToken: alice.token }).v2.search.list({
      q: acct,
      resolve: true,
      type: 'accounts',
    });

  beforeAll(async () => {
    await peer.start();
    peerHost = new URL(peer.origin).host;
    bobId = peer.person('bob', bobKeys.publicKey);
    [alice, carol] = await seedUsers(sut.t, ['alice', 'carol']);
    // bob follows alice before any block: his server is one of her followers'.
    expect((await follow('alice')).status).toBe(202);
    await pollUntil(
      () => Promise.resolve(peer.received.length),
      (count) => count > 0,
      10_000,
    );
    await settled(sut.t);
    peer.received.length = 0;
  });

  afterAll(async () => {
    await peer.stop();
  });

  it('is blocked through the operator’s requests, which refuse what is not a domain and a second block', async () => {
    const { block } = await operator.block(peerHost.toUpperCase(), {
      severity: 'silence',
      publicComment: 'spam',
    });
    expect(block).toMatchObject({
      domain: peerHost,
      severity: 'silence',
      publicComment: 'spam',
      rejectMedia: false,
    });
    expect(await errorCode(operator.block(peerHost, { severity: 'suspend' }))).toBe('conflict');
    // What `mammut domains block` does for a domain already blocked: the named fields change.
    const changed = await operator.change(peerHost, { severity: 'suspend', rejectMedia: true });
    expect(changed.block).toMatchObject({
      id: block.id,
      severity: 'suspend',
      rejectMedia: true,
      publicComment: 'spam',
    });
    expect(await errorCode(operator.block('https://example.com/x', {}))).toBe('invalid_request');
    expect(await errorCode(operator.change('never-blocked.example', { severity: 'noop' }))).toBe('not_found');
    expect(await errorCode(operator.unblock('never-blocked.example'))).toBe('not_found');
    expect((await operator.list()).blocks.map((b) => b.domain)).toEqual([peerHost]);
  });

  it('has its activities refused with 403 before any key is fetched, changing nothing', async () => {
    const fetchesBefore = peer.fetches;
    const response = await follow('carol');
    expect(response.status).toBe(403);
    await settled(sut.t);
    expect(await followersOf(carol)).toEqual([]);
    expect(peer.fetches).toBe(fetchesBefore);
  });

  it('gets no deliveries, and its accounts’ follows are severed, as Mastodon’s suspension does', async () => {
    const postsBefore = peer.posts;
    await post('while blocked');
    await settled(sut.t);
    expect(peer.posts).toBe(postsBefore);
    expect(creates()).toEqual([]);
    // bob followed alice before the block; the suspension ended it (and sent nothing): her count
    // says so (a list would hide a suspended follower anyway).
    const me = await createRestAPIClient({
      url: sut.t.url,
      accessToken: alice.token,
    }).v1.accounts.verifyCredentials();
    expect(me.followersCount).toBe(0);
  });

  it('has none of its accounts resolved, without a request to it', async () => {
    const fetchesBefore = peer.fetches;
    expect((await resolve(`dave@${peerHost}`)).accounts).toEqual([]);
    expect((await resolve(`${peer.origin}/users/dave`)).accounts).toEqual([]);
    expect(peer.fetches).toBe(fetchesBefore);
  });

  it('is listed by /api/v1/instance/domain_blocks with the digest of its name and the public comment', async () => {
    const response = await fetch(`${sut.t.url}/api/v1/instance/domain_blocks`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      {
        domain: peerHost,
        digest: createHash('sha256').update(peerHost).digest('hex'),
        severity: 'suspend',
        comment: 'spam',
      },
    ]);
  });

  it('federates again once unblocked: its activities apply, posts reach it, its accounts are asked for', async () => {
    await operator.unblock(peerHost);
    expect((await follow('carol')).status).toBe(202);
    const acct = `bob@${peerHost}`;
    expect(
      await pollUntil(
        () => followersOf(carol),
        (list) => list.includes(acct),
        10_000,
      ),
    ).toEqual([acct]);

    // bob's follow of alice stays severed; carol, whom he follows now, reaches him again.
    await post('after the block', carol);
    await pollUntil(
      () => Promise.resolve(creates()),
      (found) => found.length > 0,
      10_000,
    );
    expect(creates()).toEqual(['<p>after the block</p>']);

    await resolve(`dave@${peerHost}`);
    expect(peer.gets.some((get) => get.path.startsWith('/.well-known/webfinger'))).toBe(true);
  });
});

/**
 * Authorized-fetch mode: statuses are served to verified signers only and actors whole only to
 * them (bare, with the key, to anyone else), while the instance actor and WebFinger stay open so
 * that peers can verify the requests this instance signs.
 */
describe('authorized fetch', () => {
  const sut = useTestSystem({
    FEDERATION_SCHEME: 'http',
    FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1',
    AUTHORIZED_FETCH: 'true',
  });
  const operator = domainBlocks(sut);
  const peer = new Peer();
  const bobKeys = keyPair();
  let bob: SigningKey;
  let aliceUri: string;
  let statusUri: string;

  beforeAll(async () => {
    await peer.start();
    const bobId = peer.person('bob', bobKeys.publicKey);
    bob = { keyId: `${bobId}#main-key`, privateKeyPem: bobKeys.privateKey };
    const [alice] = await seedUsers(sut.t, ['alice']);
    aliceUri = `${sut.t.url}/users/alice`;
    const status = await createRestAPIClient({ url: sut.t.url, accessToken: alice.token }).v1.statuses.create(
      {
        status: 'for signed eyes',
        visibility: 'public',
      },
    );
    statusUri = status.uri;
  });

  afterAll(async () => {
    await peer.stop();
  });

  it('serves an unsigned request the bare actor with its key, and a signed one the whole actor, privately', async () => {
    const unsigned = await getAs(aliceUri);
    expect(unsigned.status).toBe(200);
    const bare = (await unsigned.json()) as Record<string, unknown>;
    expect(Object.keys(bare).sort()).toEqual(
      ['@context', 'endpoints', 'id', 'inbox', 'preferredUsername', 'publicKey', 'type'].sort(),
    );
    expect(bare).toMatchObject({ id: aliceUri, preferredUsername: 'alice', publicKey: { owner: aliceUri } });
    expect(unsigned.headers.get('vary')).toBe('Accept, Signature');

    const signed = await getAs(aliceUri, bob);
    expect(signed.status).toBe(200);
    expect(signed.headers.get('cache-control')).toBe('private, no-store');
    expect(await signed.json()).toMatchObject({
      id: aliceUri,
      name: 'alice',
      followers: `${aliceUri}/followers`,
    });
  });

  it('answers an unsigned or forged GET of a status 401, a signed one its Note', async () => {
    expect((await getAs(statusUri)).status).toBe(401);
    const forged = await getAs(statusUri, { keyId: bob.keyId, privateKeyPem: keyPair().privateKey });
    expect(forged.status).toBe(401);
    const signed = await getAs(statusUri, bob);
    expect(signed.status).toBe(200);
    expect(await signed.json()).toMatchObject({
      id: statusUri,
      type: 'Note',
      content: '<p>for signed eyes</p>',
    });
    // Browsers still get their redirect to the page.
    const page = await fetch(statusUri, { redirect: 'manual' });
    expect(page.status).toBe(302);
  });

  it('keeps the instance actor, WebFinger and NodeInfo open', async () => {
    expect((await getAs(`${sut.t.url}/actor`)).status).toBe(200);
    const finger = await fetch(`${sut.t.url}/.well-known/webfinger?resource=acct:alice@${sut.t.domain}`);
    expect(finger.status).toBe(200);
    expect((await fetch(`${sut.t.url}/.well-known/nodeinfo`)).status).toBe(200);
  });

  it('refuses a signer on a suspended domain (403 for a status, the bare actor) without fetching its key', async () => {
    await operator.block(new URL(peer.origin).host, { severity: 'suspend' });
    const fetchesBefore = peer.fetches;
    expect((await getAs(statusUri, bob)).status).toBe(403);
    const actor = await getAs(aliceUri, bob);
    expect(actor.status).toBe(200);
    expect(await actor.json()).not.toHaveProperty('name');
    expect(peer.fetches).toBe(fetchesBefore);
  });

  it('hides the domain block list by default, as Mastodon (404)', async () => {
    expect((await fetch(`${sut.t.url}/api/v1/instance/domain_blocks`)).status).toBe(404);
  });
});
