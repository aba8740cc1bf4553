import { signCavage, verifySignedRequest } from '@mammut/activitypub';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seedUsers, type SeededUser } from './support/factories';
import { createRestAPIClient } from 'masto';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';
import { deliverSigned, keyPair, Peer } from './support/peer';

jest.setTimeout(60_000);

/**
 * The inbox: a remote actor's signed Follow, verified on the bytes that arrived with the key
 * fetched from its own server, becomes a follow a Mastodon client sees; anything unsigned, forged
 * or malformed is refused with the status Mastodon answers, and changes nothing.
 */
describe('the inbox', () => {
  // No key cache: a test below ages a stored actor by hand in the database, which a cache would hide.
  const sut = useTestSystem({
    FEDERATION_SCHEME: 'http',
    FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1',
    FEDERATION_KEY_CACHE_SECONDS: '0',
  });
  const peer = new Peer();
  const bobKeys = keyPair();
  let alice: SeededUser;
  let carol: SeededUser;
  let bobId: string;

  beforeAll(async () => {
    await peer.start();
    bobId = peer.person('bob', bobKeys.publicKey);
    [alice, carol] = await seedUsers(sut.t, ['alice', 'carol']);
  });

  afterAll(async () => {
    await peer.stop();
  });

  const follow = (actor: string, object: string): Buffer =>
    Buffer.from(
      JSON.stringify({
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${actor}#follows/${randomUUID()}`,
        type: 'Follow',
        actor,
        object,
      }),
    );

  /** Delivers an activity as bob's server would; once it is taken (202), waits until it is applied. */
  const post = async (
    path: string,
    body: Buffer,
    sign: 'cavage' | 'rfc9421' | 'none' = 'cavage',
    key = { keyId: `${bobId}#main-key`, privateKeyPem: bobKeys.privateKey },
    contentType = 'application/activity+json',
  ): Promise<Response> => {
    const response = await deliverSigned(`${sut.t.url}${path}`, body, key, sign, contentType);
    if (response.status === 202) await settled(sut.t);
    return response;
  };

  const followers = async (user: SeededUser): Promise<string[]> =>
    (
      await createRestAPIClient({ url: sut.t.url, accessToken: user.token })
        .v1.accounts.$select(user.accountId)
        .followers.list()
    ).map((account) => account.acct);

  it('turns a signed Follow into a follow the followed account sees, and answers it with a signed Accept', async () => {
    const aliceUri = `${sut.t.url}/users/alice`;
    const activity = follow(bobId, aliceUri);
    const response = await post('/users/alice/inbox', activity);
    expect(response.status).toBe(202);
    const followId = (JSON.parse(activity.toString()) as { id: string }).id;
    const acct = `bob@${new URL(peer.origin).host}`;
    expect(
      await pollUntil(
        () => followers(alice),
        (list) => list.includes(acct),
        5_000,
      ),
    ).toEqual([acct]);
    const [remote] = await createRestAPIClient({ url: sut.t.url, accessToken: alice.token })
      .v1.accounts.$select(alice.accountId)
      .followers.list();
    expect(remote).toMatchObject({ displayName: 'Remote bob', username: 'bob', acct });
    expect(remote.note).toContain('from elsewhere');

    // The Accept, delivered to bob's inbox, signed by alice's key as her actor document publishes it.
    const delivered = await pollUntil(
      () => Promise.resolve(peer.received.filter((item) => item.path === '/users/bob/inbox')),
      (items) => items.length > 0,
      10_000,
    );
    expect(delivered).toHaveLength(1);
    const accept = JSON.parse(delivered[0].body.toString()) as Record<string, unknown>;
    expect(accept).toMatchObject({
      type: 'Accept',
      actor: aliceUri,
      object: { id: followId, type: 'Follow', actor: bobId, object: aliceUri },
    });
    const aliceActor = (await (
      await fetch(aliceUri, { headers: { accept: 'application/activity+json' } })
    ).json()) as {
      publicKey: { id: string; publicKeyPem: string };
    };
    const verified = await verifySignedRequest(
      {
        method: 'POST',
        url: `${peer.origin}/users/bob/inbox`,
        headers: delivered[0].headers,
        body: delivered[0].body,
        now: new Date(),
      },
      (keyId) =>
        Promise.resolve(
          keyId === aliceActor.publicKey.id
            ? { publicKeyPem: aliceActor.publicKey.publicKeyPem, ownerId: aliceUri }
            : null,
        ),
    );
    expect(verified).toMatchObject({ ok: true, ownerId: aliceUri, scheme: 'cavage' });
  });

  it('fetched bob’s key with a GET signed by the instance actor, whose document needs no signature', async () => {
    const instanceId = `${sut.t.url}/actor`;
    const response = await fetch(instanceId, { headers: { accept: 'application/activity+json' } });
    expect(response.status).toBe(200);
    const instance = (await response.json()) as {
      type: string;
      publicKey: { id: string; publicKeyPem: string };
    };
    expect(instance).toMatchObject({
      id: instanceId,
      type: 'Application',
      preferredUsername: new URL(sut.t.url).hostname,
      inbox: `${instanceId}/inbox`,
      publicKey: { id: `${instanceId}#main-key`, owner: instanceId },
    });
    const fetched = peer.gets.find((get) => get.path === '/users/bob');
    expect(fetched?.headers.signature).toContain(`keyId="${instanceId}#main-key"`);
    const verified = await verifySignedRequest(
      {
        method: 'GET',
        url: `${peer.origin}/users/bob`,
        headers: fetched?.headers ?? {},
        body: undefined,
        now: new Date(),
      },
      (keyId) =>
        Promise.resolve(
          keyId === instance.publicKey.id
            ? { publicKeyPem: instance.publicKey.publicKeyPem, ownerId: instanceId }
            : null,
        ),
    );
    expect(verified).toMatchObject({ ok: true, ownerId: instanceId, scheme: 'cavage' });
    // Browsers are sent to the about page.
    const browser = await fetch(instanceId, { redirect: 'manual' });
    expect(browser.status).toBe(302);
  });

  it('knocks again with RFC 9421 when a peer refuses a draft-cavage signature', async () => {
    const erinKeys = keyPair();
    const erinId = peer.person('erin', erinKeys.publicKey);
    const [frank] = await seedUsers(sut.t, ['frank']);
    peer.onlyRfc9421 = true;
    try {
      const response = await post(
        '/users/frank/inbox',
        follow(erinId, `${sut.t.url}/users/frank`),
        'cavage',
        {
          keyId: `${erinId}#main-key`,
          privateKeyPem: erinKeys.privateKey,
        },
      );
      expect(response.status).toBe(202);
      const delivered = await pollUntil(
        () => Promise.resolve(peer.received.filter((item) => item.path === '/users/erin/inbox')),
        (items) => items.length > 0,
        10_000,
      );
      expect(delivered[0].headers['signature-input']).toContain('keyid=');
      expect(JSON.parse(delivered[0].body.toString())).toMatchObject({
        type: 'Accept',
        actor: `${sut.t.url}/users/frank`,
      });
      expect(await followers(frank)).toHaveLength(1);
    } finally {
      peer.onlyRfc9421 = false;
    }
  });

  it('takes RFC 9421 signatures and the shared inbox, reusing the key it knows', async () => {
    const before = peer.fetches;
    const response = await post('/inbox', follow(bobId, `${sut.t.url}/users/carol`), 'rfc9421');
    expect(response.status).toBe(202);
    expect(
      await pollUntil(
        () => followers(carol),
        (list) => list.length > 0,
        5_000,
      ),
    ).toHaveLength(1);
    expect(peer.fetches).toBe(before);
  });

  it('refuses what is unsigned, forged, altered or not an activity, and records nothing', async () => {
    const dave = (await seedUsers(sut.t, ['dave']))[0];
    const daveUri = `${sut.t.url}/users/dave`;
    const refused: [string, Promise<Response>, number][] = [
      ['unsigned', post('/users/dave/inbox', follow(bobId, daveUri), 'none'), 401],
      [
        'signed with another key',
        post('/users/dave/inbox', follow(bobId, daveUri), 'cavage', {
          keyId: `${bobId}#main-key`,
          privateKeyPem: keyPair().privateKey,
        }),
        401,
      ],
      [
        "someone else's activity",
        post('/users/dave/inbox', follow(`${peer.origin}/users/mallory`, daveUri)),
        401,
      ],
      ['not JSON', post('/users/dave/inbox', Buffer.from('{"type": "Follow",')), 400],
      ['not an activity', post('/users/dave/inbox', Buffer.from('[1, 2, 3]')), 400],
      [
        'plain JSON',
        post('/users/dave/inbox', follow(bobId, daveUri), 'cavage', undefined, 'application/json'),
        415,
      ],
    ];
    for (const [what, pending, status] of refused) {
      const response = await pending;
      expect({ what, status: response.status }).toEqual({ what, status });
      expect(typeof ((await response.json()) as { error?: unknown }).error).toBe('string');
    }
    // A body altered after signing: the Digest no longer holds.
    const url = `${sut.t.url}/users/dave/inbox`;
    const body = follow(bobId, daveUri);
    const headers = { 'content-type': 'application/activity+json' };
    const signed = signCavage(
      { method: 'POST', url, headers, body },
      { keyId: `${bobId}#main-key`, privateKeyPem: bobKeys.privateKey },
    );
    const altered = Buffer.from(body.toString().replace('Follow', 'Block '));
    expect(
      (await fetch(url, { method: 'POST', headers: { ...headers, ...signed }, body: altered })).status,
    ).toBe(401);
    expect(await followers(dave)).toEqual([]);
  });

  it('never fetches a key from an address it may not reach', async () => {
    let connections = 0;
    const canary = createServer((_request, response) => response.end());
    canary.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.2', resolve));
    try {
      const mallory = `http://127.0.0.2:${(canary.address() as AddressInfo).port}/users/mallory`;
      const response = await post(
        '/users/alice/inbox',
        follow(mallory, `${sut.t.url}/users/alice`),
        'cavage',
        {
          keyId: `${mallory}#main-key`,
          privateKeyPem: keyPair().privateKey,
        },
      );
      expect(response.status).toBe(401);
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => canary.close(resolve));
    }
  });

  it('answers 413 to a body over 1 MB before reading it whole', async () => {
    const huge = Buffer.alloc(1024 * 1024 + 10, 'a');
    const response = await post('/users/alice/inbox', huge, 'none');
    expect(response.status).toBe(413);
  });

  it('applies Undo of a Follow, a Block and its Undo from the remote actor who sent them', async () => {
    const [grace] = await seedUsers(sut.t, ['grace']);
    const graceUri = `${sut.t.url}/users/grace`;
    const client = createRestAPIClient({ url: sut.t.url, accessToken: grace.token });
    const activity = (type: string, object: unknown): Buffer =>
      Buffer.from(
        JSON.stringify({
          '@context': 'https://www.w3.org/ns/activitystreams',
          id: `${bobId}#${type.toLowerCase()}s/${randomUUID()}`,
          type,
          actor: bobId,
          object,
        }),
      );
    const followed = follow(bobId, graceUri);
    expect((await post('/users/grace/inbox', followed)).status).toBe(202);
    expect(
      await pollUntil(
        () => followers(grace),
        (list) => list.length === 1,
        5_000,
      ),
    ).toHaveLength(1);

    // An Undo naming someone else's Follow changes nothing.
    const forgedUndo = activity('Undo', {
      type: 'Follow',
      actor: `${peer.origin}/users/erin`,
      object: graceUri,
    });
    expect((await post('/users/grace/inbox', forgedUndo)).status).toBe(202);
    expect(await followers(grace)).toHaveLength(1);

    const undo = activity('Undo', JSON.parse(followed.toString()) as unknown);
    expect((await post('/users/grace/inbox', undo)).status).toBe(202);
    expect(
      await pollUntil(
        () => followers(grace),
        (list) => list.length === 0,
        5_000,
      ),
    ).toEqual([]);

    const relationship = async () =>
      (
        await client.v1.accounts.relationships.fetch({
          id: [(await client.v1.accounts.lookup({ acct: `bob@${new URL(peer.origin).host}` })).id],
        })
      )[0];
    const block = activity('Block', graceUri);
    expect((await post('/users/grace/inbox', block)).status).toBe(202);
    expect((await relationship()).blockedBy).toBe(true);
    expect(
      (await post('/users/grace/inbox', activity('Undo', JSON.parse(block.toString()) as unknown))).status,
    ).toBe(202);
    expect((await relationship()).blockedBy).toBe(false);
  });

  it('accepts and ignores an activity type it does not handle yet', async () => {
    const like = Buffer.from(
      JSON.stringify({
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${bobId}#likes/1`,
        type: 'EmojiReact',
        actor: bobId,
        object: `${sut.t.url}/users/alice/statuses/1`,
      }),
    );
    expect((await post('/users/alice/inbox', like)).status).toBe(202);
  });

  it('reads a known actor again from its server when its copy is over a day old', async () => {
    // A day passes for bob's copy here (the clock moved by hand), and his server renamed him.
    await sut.db.query(
      `UPDATE accounts.accounts SET fetched_at = now() - interval '25 hours' WHERE uri = $1`,
      [bobId],
    );
    const bob = peer.actors.get('/users/bob') as Record<string, unknown>;
    peer.actors.set('/users/bob', { ...bob, name: 'Bob, renamed' });
    const fetchesBefore = peer.fetches;
    const ignored = Buffer.from(
      JSON.stringify({
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${bobId}#reacts/2`,
        type: 'EmojiReact',
        actor: bobId,
        object: `${sut.t.url}/users/alice/statuses/1`,
      }),
    );
    expect((await post('/users/alice/inbox', ignored)).status).toBe(202);
    expect(peer.fetches).toBe(fetchesBefore + 1);
    const account = await createRestAPIClient({
      url: sut.t.url,
      accessToken: alice.token,
    }).v1.accounts.lookup({
      acct: `bob@${new URL(peer.origin).host}`,
    });
    expect(account.displayName).toBe('Bob, renamed');
    // Fresh again: the next activity fetches nothing.
    expect((await post('/users/alice/inbox', ignored)).status).toBe(202);
    expect(peer.fetches).toBe(fetchesBefore + 1);
  });
});
