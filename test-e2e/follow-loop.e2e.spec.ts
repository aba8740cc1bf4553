import { verifySignedRequest } from '@mammut/activitypub';
import { createRestAPIClient, type mastodon } from 'masto';
import { randomUUID } from 'node:crypto';
import { seedUser, seedUsers, type SeededUser } from './support/factories';
import { deliverSigned, keyPair, Peer } from './support/peer';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';

jest.setTimeout(90_000);

const AS = 'https://www.w3.org/ns/activitystreams';
type Activity = Record<string, unknown>;

/**
 * The follow loop with a remote server, both ways, through a Mastodon client and a loopback peer:
 * a local account's follow of a remote one is a signed Follow that stays requested until the
 * peer's Accept (or Reject), unfollowing is its Undo; a local account refusing or removing a remote
 * follower sends a Reject, blocking a Block and unblocking its Undo. Answers from anyone but the
 * account asked, or about follows nobody made, change nothing.
 */
describe('the follow loop with a remote server', () => {
  const sut = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });
  const peer = new Peer();
  const bobKeys = keyPair();
  const malloryKeys = keyPair();
  let bobId: string;
  let malloryId: string;
  let acct: string;
  let alice: SeededUser;
  let dave: SeededUser;
  let carol: SeededUser;
  let erin: SeededUser;
  /** bob's Follow ids of the local accounts, by username. */
  const bobFollows = new Map<string, string>();

  const uriOf = (user: SeededUser): string => `${sut.t.url}/users/${user.username}`;
  const client = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: sut.t.url, accessToken: user.token });

  /** POSTs an activity to the shared inbox, signed by the actor it names; once taken, waits until it is applied. */
  const send = async (activity: Activity, keys = bobKeys): Promise<number> => {
    const key = { keyId: `${String(activity.actor)}#main-key`, privateKeyPem: keys.privateKey };
    const body = JSON.stringify({ '@context': AS, ...activity });
    const { status } = await deliverSigned(`${sut.t.url}/inbox`, body, key);
    if (status === 202) await settled(sut.t);
    return status;
  };

  /**
   * The activities of `type` by `actor` bob's inbox received (an Undo of `undone` only), once there
   * are `count` of them.
   */
  const received = (type: string, actor: string, count = 1, undone?: string): Promise<Activity[]> =>
    pollUntil(
      () =>
        Promise.resolve(
          peer
            .activitiesAt('/users/bob/inbox')
            .map((item) => item.activity)
            .filter(
              (activity) =>
                activity.type === type &&
                activity.actor === actor &&
                (undone === undefined || (activity.object as Activity).type === undone),
            ),
        ),
      (items) => items.length >= count,
      10_000,
    );

  const relationshipWithBob = async (user: SeededUser): Promise<mastodon.v1.Relationship> => {
    const bob = await client(user).v1.accounts.lookup({ acct });
    return (await client(user).v1.accounts.relationships.fetch({ id: [bob.id] }))[0];
  };

  /** `user` follows bob through the API; answers bob's account and the Follow bob received. */
  const followBob = async (user: SeededUser): Promise<{ account: mastodon.v1.Account; followId: string }> => {
    const before = peer
      .activitiesAt('/users/bob/inbox')
      .filter(({ activity }) => activity.type === 'Follow' && activity.actor === uriOf(user)).length;
    const account = await client(user).v1.accounts.lookup({ acct });
    const relationship = await client(user).v1.accounts.$select(account.id).follow();
    expect(relationship).toMatchObject({ following: false, requested: true });
    const follows = await received('Follow', uriOf(user), before + 1);
    return { account, followId: String(follows[before].id) };
  };

  beforeAll(async () => {
    await peer.start();
    bobId = peer.person('bob', bobKeys.publicKey, { manuallyApprovesFollowers: true });
    malloryId = peer.person('mallory', malloryKeys.publicKey);
    acct = `bob@${new URL(peer.origin).host}`;
    [alice, dave] = await seedUsers(sut.t, ['alice', 'dave']);
    carol = await seedUser(sut.t, { username: 'carol', locked: true });
    erin = await seedUser(sut.t, { username: 'erin', locked: true });
    // bob follows dave, and asks carol and erin: this is also how the server comes to know bob.
    for (const user of [dave, carol, erin]) {
      const id = `${bobId}#follows/${randomUUID()}`;
      bobFollows.set(user.username, id);
      expect(await send({ id, type: 'Follow', actor: bobId, object: uriOf(user) })).toBe(202);
    }
    await received('Accept', uriOf(dave));
  });

  afterAll(async () => {
    await peer.stop();
  });

  it('sends a Follow signed by the follower, stays requested until the Accept, and sends the Undo on unfollow', async () => {
    const { account: bob, followId } = await followBob(alice);
    expect(followId.startsWith(`${sut.t.url}/`)).toBe(true);
    const [follow] = peer.activitiesAt('/users/bob/inbox').filter(({ activity }) => activity.id === followId);
    expect(follow.activity).toEqual({
      '@context': AS,
      id: followId,
      type: 'Follow',
      actor: uriOf(alice),
      object: bobId,
    });
    const aliceActor = (await (
      await fetch(uriOf(alice), { headers: { accept: 'application/activity+json' } })
    ).json()) as { publicKey: { id: string; publicKeyPem: string } };
    const verified = await verifySignedRequest(
      {
        method: 'POST',
        url: `${peer.origin}/users/bob/inbox`,
        headers: follow.headers,
        body: follow.body,
        now: new Date(),
      },
      (keyId) =>
        Promise.resolve(
          keyId === aliceActor.publicKey.id
            ? { publicKeyPem: aliceActor.publicKey.publicKeyPem, ownerId: uriOf(alice) }
            : null,
        ),
    );
    expect(verified).toMatchObject({ ok: true, ownerId: uriOf(alice) });

    const accept = {
      id: `${bobId}#accepts/follows/1`,
      type: 'Accept',
      actor: bobId,
      object: { id: followId, type: 'Follow', actor: uriOf(alice), object: bobId },
    };
    expect(await send(accept)).toBe(202);
    expect(await relationshipWithBob(alice)).toMatchObject({ following: true, requested: false });
    const following = await client(alice).v1.accounts.$select(alice.accountId).following.list();
    expect(following.map((account) => account.acct)).toEqual([acct]);
    // The same Accept again changes nothing.
    expect(await send(accept)).toBe(202);

    await client(alice).v1.accounts.$select(bob.id).unfollow();
    const [undo] = await received('Undo', uriOf(alice), 1, 'Follow');
    expect(undo).toMatchObject({
      type: 'Undo',
      actor: uriOf(alice),
      object: { id: followId, type: 'Follow', actor: uriOf(alice), object: bobId },
    });
    expect(String(undo.id).startsWith(`${uriOf(alice)}#follows/`)).toBe(true);
    expect(await relationshipWithBob(alice)).toMatchObject({ following: false, requested: false });
  });

  it('drops a pending request on a Reject naming its Follow by id', async () => {
    const { followId } = await followBob(alice);
    expect(
      await send({ id: `${bobId}#rejects/follows/2`, type: 'Reject', actor: bobId, object: followId }),
    ).toBe(202);
    expect(await relationshipWithBob(alice)).toMatchObject({ following: false, requested: false });
  });

  it('ignores answers from another actor or about unknown follows, and takes an embedded Follow by its follower', async () => {
    const { followId } = await followBob(alice);
    const embedded = { id: followId, type: 'Follow', actor: uriOf(alice), object: bobId };
    const ignored: [string, Activity, typeof bobKeys][] = [
      [
        "a third actor accepting bob's follow",
        { id: `${malloryId}#accepts/1`, type: 'Accept', actor: malloryId, object: embedded },
        malloryKeys,
      ],
      [
        'a third actor rejecting it by id',
        { id: `${malloryId}#rejects/1`, type: 'Reject', actor: malloryId, object: followId },
        malloryKeys,
      ],
      [
        'an unknown Follow id',
        { id: `${bobId}#accepts/3`, type: 'Accept', actor: bobId, object: `${sut.t.url}/${randomUUID()}` },
        bobKeys,
      ],
      [
        'a Follow by an unknown local account',
        {
          id: `${bobId}#rejects/4`,
          type: 'Reject',
          actor: bobId,
          object: { type: 'Follow', actor: `${sut.t.url}/users/nobody`, object: bobId },
        },
        bobKeys,
      ],
      ['no object at all', { id: `${bobId}#rejects/5`, type: 'Reject', actor: bobId, object: 42 }, bobKeys],
    ];
    for (const [what, activity, keys] of ignored) {
      expect({ what, status: await send(activity, keys) }).toEqual({ what, status: 202 });
    }
    await settled(sut.t);
    expect(await relationshipWithBob(alice)).toMatchObject({ following: false, requested: true });

    // An inline Follow without an id, as some servers send: matched by its (local) follower.
    const accept = { type: 'Follow', actor: uriOf(alice), object: bobId };
    expect(await send({ id: `${bobId}#accepts/6`, type: 'Accept', actor: bobId, object: accept })).toBe(202);
    expect(await relationshipWithBob(alice)).toMatchObject({ following: true, requested: false });
  });

  it('sends a Reject when a local account refuses a request or removes a follower, and one Accept when it authorizes', async () => {
    const rejectedBy = async (user: SeededUser): Promise<Activity> => {
      const [reject] = await received('Reject', uriOf(user));
      expect(reject).toMatchObject({
        actor: uriOf(user),
        object: { id: bobFollows.get(user.username), type: 'Follow', actor: bobId, object: uriOf(user) },
      });
      expect(String(reject.id).startsWith(`${uriOf(user)}#rejects/follows/`)).toBe(true);
      return reject;
    };

    const [carolRequest] = await client(carol).v1.followRequests.list();
    expect(carolRequest.acct).toBe(acct);
    await client(carol).v1.followRequests.$select(carolRequest.id).reject();
    await rejectedBy(carol);

    const [daveFollower] = await client(dave).v1.accounts.$select(dave.accountId).followers.list();
    expect(daveFollower.acct).toBe(acct);
    await client(dave).v1.accounts.$select(daveFollower.id).removeFromFollowers();
    await rejectedBy(dave);

    const [erinRequest] = await client(erin).v1.followRequests.list();
    await client(erin).v1.followRequests.$select(erinRequest.id).authorize();
    const [accept] = await received('Accept', uriOf(erin));
    expect(accept).toMatchObject({
      actor: uriOf(erin),
      object: { id: bobFollows.get('erin'), type: 'Follow', actor: bobId, object: uriOf(erin) },
    });
    await settled(sut.t);
    expect(await received('Accept', uriOf(erin))).toHaveLength(1);
  });

  it('takes an Undo naming a Follow by id alone from its own follower only', async () => {
    const followers = async (): Promise<string[]> =>
      (await client(erin).v1.accounts.$select(erin.accountId).followers.list()).map(
        (account) => account.acct,
      );
    expect(await followers()).toEqual([acct]);
    const followId = bobFollows.get('erin');
    expect(
      await send(
        { id: `${malloryId}#undo/1`, type: 'Undo', actor: malloryId, object: followId },
        malloryKeys,
      ),
    ).toBe(202);
    expect(
      await send({
        id: `${bobId}#undo/2`,
        type: 'Undo',
        actor: bobId,
        object: `${bobId}#follows/${randomUUID()}`,
      }),
    ).toBe(202);
    await settled(sut.t);
    expect(await followers()).toEqual([acct]);
    expect(await send({ id: `${bobId}#undo/3`, type: 'Undo', actor: bobId, object: followId })).toBe(202);
    expect(await followers()).toEqual([]);
  });

  it('sends a Block when a local account blocks a remote one, and its Undo on unblock', async () => {
    const bob = await client(alice).v1.accounts.lookup({ acct });
    await client(alice).v1.accounts.$select(bob.id).block();
    const [block] = await received('Block', uriOf(alice));
    expect(block).toMatchObject({ '@context': AS, type: 'Block', actor: uriOf(alice), object: bobId });
    expect(String(block.id).startsWith(`${uriOf(alice)}#blocks/`)).toBe(true);

    await client(alice).v1.accounts.$select(bob.id).unblock();
    const [undo] = await received('Undo', uriOf(alice), 1, 'Block');
    expect(undo).toMatchObject({
      actor: uriOf(alice),
      id: `${String(block.id)}/undo`,
      object: { id: block.id, type: 'Block', actor: uriOf(alice), object: bobId },
    });
  });
});
