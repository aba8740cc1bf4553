import { randomUUID } from 'node:crypto';
import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';
import { deliverSigned, keyPair, Peer } from './support/peer';

jest.setTimeout(90_000);

const AS = 'https://www.w3.org/ns/activitystreams';
const PUBLIC = `${AS}#Public`;

/**
 * What remote actors do to local statuses and to themselves, seen through a Mastodon client of
 * the local author: a signed Like is a favourite, an Announce a reblog, each with its
 * notification, and their Undo take them back; an Update of the actor is read again from its own
 * server; a Delete of the actor takes the account and what it did here away. Forged, unknown or
 * misdirected activities change nothing.
 */
describe('interactions from remote actors', () => {
  const sut = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });
  const peer = new Peer();
  const elsewhere = new Peer();
  const bobKeys = keyPair();
  const miaKeys = keyPair();
  const daveKeys = keyPair();
  let alice: SeededUser;
  let client: mastodon.rest.Client;
  let bobId: string;
  let miaId: string;
  let daveId: string;
  let status: mastodon.v1.Status;
  let statusUri: string;

  beforeAll(async () => {
    await peer.start();
    await elsewhere.start();
    bobId = peer.person('bob', bobKeys.publicKey);
    miaId = peer.person('mia', miaKeys.publicKey);
    daveId = elsewhere.person('dave', daveKeys.publicKey);
    [alice] = await seedUsers(sut.t, ['alice']);
    client = createRestAPIClient({ url: sut.t.url, accessToken: alice.token });
    status = await client.v1.statuses.create({ status: 'hello fediverse', visibility: 'public' });
    statusUri = status.uri;
  });

  afterAll(async () => {
    await peer.stop();
    await elsewhere.stop();
  });

  const keyOf = (actor: string, privateKeyPem: string) => ({ keyId: `${actor}#main-key`, privateKeyPem });
  const bobKey = () => keyOf(bobId, bobKeys.privateKey);

  /** Delivers to the shared inbox; once taken, waits until it is applied. */
  const send = async (activity: Record<string, unknown>, key = bobKey()): Promise<Response> => {
    const response = await deliverSigned(
      `${sut.t.url}/inbox`,
      JSON.stringify({ '@context': AS, ...activity }),
      key,
    );
    if (response.status === 202) await settled(sut.t);
    return response;
  };

  const like = (actor: string, object: string, extra: Record<string, unknown> = {}) => ({
    id: `${actor}#likes/${randomUUID()}`,
    type: 'Like',
    actor,
    object,
    ...extra,
  });

  const announce = (actor: string, object: string) => ({
    id: `${actor}/statuses/${randomUUID()}/activity`,
    type: 'Announce',
    actor,
    object,
    published: new Date().toISOString(),
    to: [PUBLIC],
    cc: [`${actor}/followers`, `${sut.t.url}/users/alice`],
  });

  const undo = (actor: string, object: unknown) => ({
    id: `${actor}#undo/${randomUUID()}`,
    type: 'Undo',
    actor,
    object,
  });

  const counts = async () => {
    const current = await client.v1.statuses.$select(status.id).fetch();
    return { favourites: current.favouritesCount, reblogs: current.reblogsCount };
  };

  const untilCounts = (expected: { favourites: number; reblogs: number }) =>
    pollUntil(
      counts,
      (now) => now.favourites === expected.favourites && now.reblogs === expected.reblogs,
      5_000,
    );

  const notifications = async () =>
    (await client.v1.notifications.list({ limit: 40 })).map((n) => ({
      type: n.type,
      acct: n.account?.acct,
      statusId: n.status?.id,
    }));

  const bobAcct = () => `bob@${new URL(peer.origin).host}`;

  it('counts a signed Like of a local status as a favourite, notifies the author, and takes it back on Undo', async () => {
    const liked = like(bobId, statusUri);
    expect((await send(liked)).status).toBe(202);
    expect(await untilCounts({ favourites: 1, reblogs: 0 })).toEqual({ favourites: 1, reblogs: 0 });
    await settled(sut.t);
    expect(await notifications()).toContainEqual({
      type: 'favourite',
      acct: bobAcct(),
      statusId: status.id,
    });
    const favouritedBy = await client.v1.statuses.$select(status.id).favouritedBy.list();
    expect(favouritedBy.map((account) => account.acct)).toEqual([bobAcct()]);

    // The same Like again changes nothing.
    expect((await send(liked)).status).toBe(202);
    await settled(sut.t);
    expect(await counts()).toEqual({ favourites: 1, reblogs: 0 });

    expect((await send(undo(bobId, liked))).status).toBe(202);
    expect(await untilCounts({ favourites: 0, reblogs: 0 })).toEqual({ favourites: 0, reblogs: 0 });
    await settled(sut.t);
    expect((await notifications()).filter((n) => n.type === 'favourite')).toEqual([]);
  });

  it('counts a Misskey reaction as a favourite, and ignores an EmojiReact as Mastodon does', async () => {
    const miaKey = keyOf(miaId, miaKeys.privateKey);
    const reaction = like(miaId, statusUri, { _misskey_reaction: '👍', content: '👍' });
    expect((await send(reaction, miaKey)).status).toBe(202);
    expect(await untilCounts({ favourites: 1, reblogs: 0 })).toEqual({ favourites: 1, reblogs: 0 });
    expect((await send(undo(miaId, reaction), miaKey)).status).toBe(202);
    expect(await untilCounts({ favourites: 0, reblogs: 0 })).toEqual({ favourites: 0, reblogs: 0 });

    const react = { ...like(miaId, statusUri), type: 'EmojiReact', content: '🔥' };
    expect((await send(react, miaKey)).status).toBe(202);
    await settled(sut.t);
    expect(await counts()).toEqual({ favourites: 0, reblogs: 0 });
  });

  it('reblogs a local status on an Announce, notifies the author, and withdraws it on Undo', async () => {
    const boost = announce(bobId, statusUri);
    expect((await send(boost)).status).toBe(202);
    expect(await untilCounts({ favourites: 0, reblogs: 1 })).toEqual({ favourites: 0, reblogs: 1 });
    await settled(sut.t);
    expect(await notifications()).toContainEqual({ type: 'reblog', acct: bobAcct(), statusId: status.id });
    const rebloggedBy = await client.v1.statuses.$select(status.id).rebloggedBy.list();
    expect(rebloggedBy.map((account) => account.acct)).toEqual([bobAcct()]);

    // The same Announce again, or a second one of the same status, is one reblog still.
    expect((await send(boost)).status).toBe(202);
    expect((await send(announce(bobId, statusUri))).status).toBe(202);
    await settled(sut.t);
    expect(await counts()).toEqual({ favourites: 0, reblogs: 1 });

    // Someone else's Undo of bob's Announce changes nothing.
    const miaKey = keyOf(miaId, miaKeys.privateKey);
    expect((await send(undo(miaId, boost.id), miaKey)).status).toBe(202);
    await settled(sut.t);
    expect(await counts()).toEqual({ favourites: 0, reblogs: 1 });

    expect((await send(undo(bobId, boost))).status).toBe(202);
    expect(await untilCounts({ favourites: 0, reblogs: 0 })).toEqual({ favourites: 0, reblogs: 0 });
    await settled(sut.t);
    expect(await client.v1.statuses.$select(status.id).rebloggedBy.list()).toEqual([]);
    expect((await notifications()).filter((n) => n.type === 'reblog')).toEqual([]);

    // A bare Undo naming the Announce by its id withdraws it too.
    const again = announce(bobId, statusUri);
    expect((await send(again)).status).toBe(202);
    expect(await untilCounts({ favourites: 0, reblogs: 1 })).toEqual({ favourites: 0, reblogs: 1 });
    expect((await send(undo(bobId, again.id))).status).toBe(202);
    expect(await untilCounts({ favourites: 0, reblogs: 0 })).toEqual({ favourites: 0, reblogs: 0 });
  });

  it('takes the visibility of a reblog from the Announce’s addressing, and shares no private status', async () => {
    const quiet = { ...announce(bobId, statusUri), to: [`${bobId}/followers`], cc: [PUBLIC] };
    expect((await send(quiet)).status).toBe(202);
    expect(await untilCounts({ favourites: 0, reblogs: 1 })).toEqual({ favourites: 0, reblogs: 1 });
    const { rows } = await sut.db.query<{ visibility: string; local: boolean }>(
      `SELECT visibility, local FROM statuses.statuses WHERE uri = $1`,
      [quiet.id],
    );
    expect(rows).toEqual([{ visibility: 'unlisted', local: false }]);
    expect((await send(undo(bobId, quiet))).status).toBe(202);
    expect(await untilCounts({ favourites: 0, reblogs: 0 })).toEqual({ favourites: 0, reblogs: 0 });

    const secret = await client.v1.statuses.create({ status: 'for followers', visibility: 'private' });
    expect((await send(announce(bobId, secret.uri))).status).toBe(202);
    await settled(sut.t);
    expect((await client.v1.statuses.$select(secret.id).fetch()).reblogsCount).toBe(0);
  });

  it('refuses a Like whose actor did not sign it, and ignores one of a status not known here', async () => {
    const forged = await send(like(miaId, statusUri));
    expect(forged.status).toBe(401);
    expect(typeof ((await forged.json()) as { error?: unknown }).error).toBe('string');

    for (const object of [
      `${sut.t.url}/users/alice/statuses/123456789`,
      `${sut.t.url}/users/alice`,
      `${peer.origin}/users/bob/statuses/1`,
      'not a uri',
    ]) {
      expect((await send(like(bobId, object))).status).toBe(202);
      expect((await send(announce(bobId, object))).status).toBe(202);
    }
    await settled(sut.t);
    expect(await counts()).toEqual({ favourites: 0, reblogs: 0 });
  });

  it('reads an updated actor again from its own server, never from the copy it was sent', async () => {
    const bobDoc = peer.actors.get('/users/bob') as Record<string, unknown>;
    peer.actors.set('/users/bob', { ...bobDoc, name: 'Bob Renamed' });
    const before = peer.fetches;
    const update = {
      id: `${bobId}#updates/${Date.now()}`,
      type: 'Update',
      actor: bobId,
      to: [PUBLIC],
      object: { ...bobDoc, name: 'Bob Says Otherwise' },
    };
    expect((await send(update)).status).toBe(202);
    expect(peer.fetches).toBe(before + 1);
    expect((await client.v1.accounts.lookup({ acct: bobAcct() })).displayName).toBe('Bob Renamed');

    // Dave, on another server, is known here; bob's Update embedding a Person of dave's id is not trusted.
    const daveKey = keyOf(daveId, daveKeys.privateKey);
    expect((await send(like(daveId, statusUri), daveKey)).status).toBe(202);
    expect(await untilCounts({ favourites: 1, reblogs: 0 })).toEqual({ favourites: 1, reblogs: 0 });
    const daveAcct = `dave@${new URL(elsewhere.origin).host}`;
    const daveBefore = elsewhere.fetches;
    const daveDoc = elsewhere.actors.get('/users/dave') as Record<string, unknown>;
    const hijack = {
      id: `${bobId}#updates/${Date.now()}`,
      type: 'Update',
      actor: bobId,
      object: { ...daveDoc, name: 'Hijacked' },
    };
    expect((await send(hijack)).status).toBe(202);
    await settled(sut.t);
    expect((await client.v1.accounts.lookup({ acct: daveAcct })).displayName).toBe('Remote dave');
    expect(elsewhere.fetches).toBe(daveBefore);
    expect((await send(undo(daveId, like(daveId, statusUri)), daveKey)).status).toBe(202);
    expect(await untilCounts({ favourites: 0, reblogs: 0 })).toEqual({ favourites: 0, reblogs: 0 });
  });

  it('answers a Delete or Update from an actor it never knew, of itself, with 202, fetching nothing', async () => {
    const ghostKeys = keyPair();
    const ghostId = peer.person('ghost', ghostKeys.publicKey);
    const before = peer.fetches;
    const response = await send(
      { id: `${ghostId}#delete`, type: 'Delete', actor: ghostId, object: ghostId, to: [PUBLIC] },
      keyOf(ghostId, ghostKeys.privateKey),
    );
    expect(response.status).toBe(202);
    const ghostDoc = peer.actors.get('/users/ghost') as Record<string, unknown>;
    const updated = await send(
      { id: `${ghostId}#updates/1`, type: 'Update', actor: ghostId, object: ghostDoc },
      keyOf(ghostId, ghostKeys.privateKey),
    );
    expect(updated.status).toBe(202);
    expect(peer.fetches).toBe(before);
    const looked = await fetch(`${sut.t.url}/api/v1/accounts/lookup?acct=ghost@${new URL(peer.origin).host}`);
    expect(looked.status).toBe(404);
  });

  it('deletes an actor that deletes itself, and its favourites and reblogs with it', async () => {
    expect((await send(like(bobId, statusUri))).status).toBe(202);
    expect((await send(announce(bobId, statusUri))).status).toBe(202);
    expect(await untilCounts({ favourites: 1, reblogs: 1 })).toEqual({ favourites: 1, reblogs: 1 });
    await settled(sut.t);
    const bob = await client.v1.accounts.lookup({ acct: bobAcct() });

    // Its server answers 410 from now on; the key known here still verifies the Delete.
    peer.actors.delete('/users/bob');
    const before = peer.fetches;
    const response = await send({
      id: `${bobId}#delete`,
      type: 'Delete',
      actor: bobId,
      object: bobId,
      to: [PUBLIC],
    });
    expect(response.status).toBe(202);
    expect(await untilCounts({ favourites: 0, reblogs: 0 })).toEqual({ favourites: 0, reblogs: 0 });
    await settled(sut.t);
    expect(peer.fetches).toBe(before);
    expect(await client.v1.statuses.$select(status.id).rebloggedBy.list()).toEqual([]);
    expect(await client.v1.statuses.$select(status.id).favouritedBy.list()).toEqual([]);
    expect((await notifications()).filter((n) => n.acct === bobAcct())).toEqual([]);
    // The account stays as a suspended, emptied row (its uri never reused), as a deleted local one does.
    expect(await client.v1.accounts.$select(bob.id).fetch()).toMatchObject({
      acct: bobAcct(),
      suspended: true,
      displayName: '',
      note: '',
    });

    // Whatever the deleted actor still sends is not applied.
    expect((await send(like(bobId, statusUri))).status).toBe(202);
    await settled(sut.t);
    expect(await counts()).toEqual({ favourites: 0, reblogs: 0 });
  });
});
