import { signCavage, signRfc9421 } from '@mammut/activitypub';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seedUsers, type SeededUser } from './support/factories';
import { createRestAPIClient } from 'masto';
import { pollUntil } from './support/poll';
import { useTestSystem } from './support/system';

jest.setTimeout(60_000);

const keyPair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

/** A remote server on loopback serving one actor document per path, counting its fetches. */
class Peer {
  private server?: Server;
  readonly actors = new Map<string, unknown>();
  fetches = 0;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.fetches += 1;
      const actor = this.actors.get(request.url ?? '');
      if (!actor) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/activity+json' }).end(JSON.stringify(actor));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  get origin(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Serves `username` as a Person with a fresh key; answers its id and private key. */
  person(username: string, publicKeyPem: string): string {
    const id = `${this.origin}/users/${username}`;
    this.actors.set(`/users/${username}`, {
      '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'],
      id,
      type: 'Person',
      preferredUsername: username,
      name: `Remote ${username}`,
      summary: '<p>from elsewhere</p>',
      inbox: `${id}/inbox`,
      outbox: `${id}/outbox`,
      followers: `${id}/followers`,
      following: `${id}/following`,
      endpoints: { sharedInbox: `${this.origin}/inbox` },
      manuallyApprovesFollowers: false,
      publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem },
    });
    return id;
  }
}

/**
 * The inbox: a remote actor's signed Follow, verified on the bytes that arrived with the key
 * fetched from its own server, becomes a follow a Mastodon client sees; anything unsigned, forged
 * or malformed is refused with the status Mastodon answers, and changes nothing.
 */
describe('the inbox', () => {
  const sut = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });
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

  const post = async (
    path: string,
    body: Buffer,
    sign: 'cavage' | 'rfc9421' | 'none' = 'cavage',
    key = { keyId: `${bobId}#main-key`, privateKeyPem: bobKeys.privateKey },
    contentType = 'application/activity+json',
  ): Promise<Response> => {
    const url = `${sut.t.url}${path}`;
    const headers: Record<string, string> = { 'content-type': contentType };
    const request = { method: 'POST', url, headers, body };
    const signed =
      sign === 'cavage' ? signCavage(request, key) : sign === 'rfc9421' ? signRfc9421(request, key) : {};
    return fetch(url, { method: 'POST', headers: { ...headers, ...signed }, body });
  };

  const followers = async (user: SeededUser): Promise<string[]> =>
    (
      await createRestAPIClient({ url: sut.t.url, accessToken: user.token })
        .v1.accounts.$select(user.accountId)
        .followers.list()
    ).map((account) => account.acct);

  it('turns a signed Follow into a follow the followed account sees, the remote actor saved', async () => {
    const aliceUri = `${sut.t.url}/users/alice`;
    const response = await post('/users/alice/inbox', follow(bobId, aliceUri));
    expect(response.status).toBe(202);
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
});
