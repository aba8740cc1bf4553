import { randomUUID } from 'node:crypto';
import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { deliverSigned, keyPair, Peer } from './support/peer';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';

jest.setTimeout(90_000);

const AS = 'https://www.w3.org/ns/activitystreams';
const PUBLIC = `${AS}#Public`;

type Json = Record<string, unknown>;
type Page = Json & { orderedItems: (Json | string)[] };

/**
 * The collections a local actor document names, as a peer reads them (outbox, followers,
 * following, pinned statuses, featured hashtags), and pins federated both ways: alice's pins
 * reach her remote follower bob as Add and Remove, and bob's Add and Remove pin and unpin his
 * statuses here. Bad queries answer 4xx, never 500.
 */
describe('actor collections', () => {
  const sut = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });
  const peer = new Peer();
  const bobKeys = keyPair();
  let alice: SeededUser;
  let carol: SeededUser;
  let aliceUri: string;
  let carolUri: string;
  let bobId: string;
  let client: mastodon.rest.Client;

  const get = (url: string, accept = 'application/activity+json'): Promise<Response> =>
    fetch(url, { headers: { accept }, redirect: 'manual' });
  const read = async <T = Json>(url: string): Promise<T> => {
    const response = await get(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/activity\+json/);
    expect(response.headers.get('vary')).toBe('Accept');
    return (await response.json()) as T;
  };
  const deliver = (activity: unknown): Promise<Response> =>
    deliverSigned(`${sut.t.url}/users/alice/inbox`, JSON.stringify(activity), {
      keyId: `${bobId}#main-key`,
      privateKeyPem: bobKeys.privateKey,
    });

  beforeAll(async () => {
    await peer.start();
    bobId = peer.person('bob', bobKeys.publicKey, { featured: true });
    [alice, carol] = await seedUsers(sut.t, ['alice', 'carol']);
    aliceUri = `${sut.t.url}/users/alice`;
    carolUri = `${sut.t.url}/users/carol`;
    client = createRestAPIClient({ url: sut.t.url, accessToken: alice.token });
    // bob follows alice from his server, then carol from here: carol is the newest follower.
    const follow = await deliver({
      '@context': AS,
      id: `${bobId}#follows/${randomUUID()}`,
      type: 'Follow',
      actor: bobId,
      object: aliceUri,
    });
    expect(follow.status).toBe(202);
    await pollUntil(
      () => Promise.resolve(peer.received.length),
      (count) => count > 0,
      10_000,
    );
    await createRestAPIClient({ url: sut.t.url, accessToken: carol.token })
      .v1.accounts.$select(alice.accountId)
      .follow();
    await client.v1.accounts.$select(carol.accountId).follow();
    await settled(sut.t);
    peer.received.length = 0;
  });

  afterAll(async () => {
    await peer.stop();
  });

  it('serves the collections the actor names; a browser is sent to the profile, unknown users get 404', async () => {
    const actor = await read(aliceUri);
    expect(actor).toMatchObject({
      outbox: `${aliceUri}/outbox`,
      followers: `${aliceUri}/followers`,
      following: `${aliceUri}/following`,
      featured: `${aliceUri}/collections/featured`,
      featuredTags: `${aliceUri}/collections/tags`,
    });
    for (const path of ['outbox', 'followers', 'following', 'collections/featured', 'collections/tags']) {
      const browser = await get(`${aliceUri}/${path}`, 'text/html');
      expect(browser.status).toBe(302);
      expect(browser.headers.get('location')).toBe(`${sut.t.url}/@alice`);
      expect(browser.headers.get('vary')).toBe('Accept');
      expect((await get(`${sut.t.url}/users/nobody/${path}`)).status).toBe(404);
    }
    expect((await get(`${sut.t.url}/users/${encodeURIComponent('a%zz')}/outbox`)).status).toBe(404);
  });

  it('is 404 for a suspended account', async () => {
    const [dave] = await seedUsers(sut.t, ['dave']);
    const daveUri = `${sut.t.url}/users/dave`;
    expect((await get(`${daveUri}/outbox`)).status).toBe(200);
    await sut.db.query(`UPDATE accounts.accounts SET suspended_at = now() WHERE id = $1`, [dave.accountId]);
    await pollUntil(
      async () => (await get(`${daveUri}/outbox`)).status,
      (status) => status === 404,
      10_000,
    );
    for (const path of ['followers', 'following', 'collections/featured', 'collections/tags'])
      expect((await get(`${daveUri}/${path}`)).status).toBe(404);
  });

  it('pages the outbox: Creates of public and unlisted statuses and Announces of boosts, newest first', async () => {
    const carolClient = createRestAPIClient({ url: sut.t.url, accessToken: carol.token });
    const shared = await carolClient.v1.statuses.create({ status: 'carol says hi', visibility: 'public' });
    const open = await client.v1.statuses.create({ status: 'hello #cats', visibility: 'public' });
    const quiet = await client.v1.statuses.create({ status: 'quietly', visibility: 'unlisted' });
    await client.v1.statuses.create({ status: 'followers only', visibility: 'private' });
    await client.v1.statuses.create({ status: '@carol secret', visibility: 'direct' });
    const boost = await client.v1.statuses.$select(shared.id).reblog();
    await settled(sut.t);

    const outbox = await read(`${aliceUri}/outbox`);
    expect(outbox).toEqual({
      '@context': AS,
      id: `${aliceUri}/outbox`,
      type: 'OrderedCollection',
      // The author's statuses count: boosts in, direct statuses out (Mastodon's counter).
      totalItems: 4,
      first: `${aliceUri}/outbox?page=true`,
      last: `${aliceUri}/outbox?min_id=0&page=true`,
    });

    const page = await read<Page>(`${aliceUri}/outbox?page=true`);
    expect(page.type).toBe('OrderedCollectionPage');
    expect(page.partOf).toBe(`${aliceUri}/outbox`);
    expect(page.next).toBeUndefined();
    expect(page.prev).toBe(`${aliceUri}/outbox?min_id=${boost.id}&page=true`);
    const items = page.orderedItems as Json[];
    expect(items.map((item) => [item.type, item.id])).toEqual([
      ['Announce', boost.uri],
      ['Create', `${quiet.uri}/activity`],
      ['Create', `${open.uri}/activity`],
    ]);
    expect(items[0]).toMatchObject({ actor: aliceUri, object: shared.uri, to: [PUBLIC] });
    expect(items[1]).toMatchObject({ actor: aliceUri, to: [`${aliceUri}/followers`], cc: [PUBLIC] });
    expect(items[2].object).toMatchObject({ id: open.uri, type: 'Note', content: open.content });
    expect(items[2]['@context']).toBeUndefined();

    const older = await read<Page>(`${aliceUri}/outbox?page=true&max_id=${quiet.id}`);
    expect(older.id).toBe(`${aliceUri}/outbox?max_id=${quiet.id}&page=true`);
    expect(older.orderedItems.map((item) => (item as Json).id)).toEqual([`${open.uri}/activity`]);
    const oldest = await read<Page>(`${aliceUri}/outbox?page=true&min_id=0`);
    expect(oldest.orderedItems).toHaveLength(3);
    expect((await get(`${aliceUri}/outbox?page=true&max_id=abc`)).status).toBe(400);
    expect((await get(`${aliceUri}/outbox?page=true&min_id=-1`)).status).toBe(400);
  });

  it('lists followers and following as actor ids, paged by number', async () => {
    expect(await read(`${aliceUri}/followers`)).toEqual({
      '@context': AS,
      id: `${aliceUri}/followers`,
      type: 'OrderedCollection',
      totalItems: 2,
      first: `${aliceUri}/followers?page=1`,
    });
    expect(await read(`${aliceUri}/followers?page=1`)).toEqual({
      '@context': AS,
      id: `${aliceUri}/followers?page=1`,
      type: 'OrderedCollectionPage',
      totalItems: 2,
      partOf: `${aliceUri}/followers`,
      orderedItems: [carolUri, bobId],
    });
    const beyond = await read<Page>(`${aliceUri}/followers?page=2`);
    expect(beyond.orderedItems).toEqual([]);
    expect(beyond.prev).toBe(`${aliceUri}/followers?page=1`);
    const following = await read<Page>(`${aliceUri}/following?page=1`);
    expect(following.orderedItems).toEqual([carolUri]);
    expect((await read(`${aliceUri}/following`)).totalItems).toBe(1);
    for (const bad of ['0', 'abc', '-1', '999999'])
      expect((await get(`${aliceUri}/followers?page=${bad}`)).status).toBe(400);
  });

  it('shows only the size of a hidden network, and refuses its pages', async () => {
    await client.v1.accounts.updateCredentials({ hideCollections: true });
    try {
      expect(await read(`${aliceUri}/followers`)).toEqual({
        '@context': AS,
        id: `${aliceUri}/followers`,
        type: 'OrderedCollection',
        totalItems: 2,
      });
      expect((await read(`${aliceUri}/following`)).first).toBeUndefined();
      expect((await get(`${aliceUri}/followers?page=1`)).status).toBe(403);
      expect((await get(`${aliceUri}/following?page=1`)).status).toBe(403);
    } finally {
      await client.v1.accounts.updateCredentials({ hideCollections: false });
    }
  });

  it('serves pinned statuses as Notes and featured hashtags; pins reach remote followers as Add and Remove', async () => {
    const pinned = await client.v1.statuses.create({ status: 'pin me', visibility: 'public' });
    await client.v1.statuses.$select(pinned.id).pin();
    await client.v1.featuredTags.create({ name: 'cats' });
    await settled(sut.t);

    const featured = await read<Page>(`${aliceUri}/collections/featured`);
    expect(featured).toMatchObject({
      id: `${aliceUri}/collections/featured`,
      type: 'OrderedCollection',
      totalItems: 1,
    });
    expect(featured.orderedItems[0]).toMatchObject({ id: pinned.uri, type: 'Note', attributedTo: aliceUri });
    expect(await read(`${aliceUri}/collections/tags`)).toMatchObject({
      id: `${aliceUri}/collections/tags`,
      type: 'Collection',
      totalItems: 1,
      items: [{ type: 'Hashtag', href: `${sut.t.url}/@alice/tagged/cats`, name: '#cats' }],
    });

    const add = await pollUntil(
      () => Promise.resolve(peer.activitiesAt('/inbox').filter(({ activity }) => activity.type === 'Add')),
      (found) => found.length > 0,
      10_000,
    );
    expect(add[0].activity).toEqual({
      '@context': AS,
      type: 'Add',
      actor: aliceUri,
      object: pinned.uri,
      target: `${aliceUri}/collections/featured`,
    });
    expect(add[0].headers.signature).toContain(`keyId="${aliceUri}#main-key"`);

    await client.v1.statuses.$select(pinned.id).unpin();
    const remove = await pollUntil(
      () => Promise.resolve(peer.activitiesAt('/inbox').filter(({ activity }) => activity.type === 'Remove')),
      (found) => found.length > 0,
      10_000,
    );
    expect(remove[0].activity).toMatchObject({ type: 'Remove', object: pinned.uri });
    expect((await read(`${aliceUri}/collections/featured`)).totalItems).toBe(0);
  });

  it('pins and unpins bob’s own status on his Add and Remove to his featured collection', async () => {
    const noteUri = `${bobId}/statuses/${randomUUID()}`;
    const create = await deliver({
      '@context': AS,
      id: `${noteUri}/activity`,
      type: 'Create',
      actor: bobId,
      object: {
        id: noteUri,
        type: 'Note',
        attributedTo: bobId,
        published: new Date().toISOString(),
        to: [PUBLIC],
        cc: [`${bobId}/followers`, aliceUri],
        content: '<p>@alice my favourite</p>',
        tag: [{ type: 'Mention', href: aliceUri, name: `@alice@${sut.t.domain}` }],
      },
    });
    expect(create.status).toBe(202);
    const mentions = await pollUntil(
      async () => await client.v1.notifications.list({ types: ['mention'] }),
      (list) => list.some((n) => n.status?.uri === noteUri),
      10_000,
    );
    const bobAccountId = mentions.find((n) => n.status?.uri === noteUri)?.account.id ?? '';
    const pinnedOfBob = async (): Promise<string[]> =>
      (await client.v1.accounts.$select(bobAccountId).statuses.list({ pinned: true })).map((s) => s.uri);
    const featuredChange = (type: string, fields: Json = {}) => ({
      '@context': AS,
      type,
      actor: bobId,
      object: noteUri,
      target: `${bobId}/collections/featured`,
      ...fields,
    });

    // Another collection, or a status not known here: accepted, nothing pinned.
    expect((await deliver(featuredChange('Add', { target: `${bobId}/collections/other` }))).status).toBe(202);
    expect((await deliver(featuredChange('Add', { object: `${bobId}/statuses/unknown` }))).status).toBe(202);
    expect((await deliver(featuredChange('Add', { object: { type: 'Hashtag', name: '#x' } }))).status).toBe(
      202,
    );
    await settled(sut.t);
    expect(await pinnedOfBob()).toEqual([]);

    expect((await deliver(featuredChange('Add'))).status).toBe(202);
    await settled(sut.t);
    expect(await pinnedOfBob()).toEqual([noteUri]);
    expect((await deliver(featuredChange('Add'))).status).toBe(202);
    await settled(sut.t);
    expect(await pinnedOfBob()).toEqual([noteUri]);

    expect((await deliver(featuredChange('Remove'))).status).toBe(202);
    await settled(sut.t);
    expect(await pinnedOfBob()).toEqual([]);
  });
});
