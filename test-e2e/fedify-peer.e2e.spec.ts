import { type HttpMessageSignaturesSpec } from '@fedify/fedify';
import {
  Accept,
  type Actor,
  Announce,
  Create,
  Delete,
  Follow,
  Like,
  Mention,
  Note,
  PUBLIC_COLLECTION,
  Tombstone,
  Undo,
  Update,
} from '@fedify/vocab';
import { Temporal } from '@js-temporal/polyfill';
import { createRestAPIClient, type mastodon } from 'masto';
import { seedUser, type SeededUser } from './support/factories';
import { FedifyPeer } from './support/fedify-peer';
import { pollUntil } from './support/poll';
import { useTestSystem } from './support/system';

jest.setTimeout(120_000);

const SPECS: HttpMessageSignaturesSpec[] = ['rfc9421', 'draft-cavage-http-signatures-12'];

/**
 * Federation with a server we did not write: a peer whose ActivityPub side is Fedify 2.3.6
 * (support/fedify-peer.ts). Fedify, not our code, judges our signatures (on our Accept and Create
 * deliveries, and on our instance actor's signed GET of its actor), and its own signed deliveries,
 * RFC 9421 or draft-cavage first as it is told, must be accepted on the first knock. What its
 * activities did is read back through a Mastodon client.
 */
describe('a peer built on Fedify', () => {
  const sut = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });

  describe.each(SPECS)('signing %s first', (firstKnock) => {
    const peer = new FedifyPeer(firstKnock);
    let alice: SeededUser;
    let client: mastodon.rest.Client;
    let aliceActor: Actor;
    let status: mastodon.v1.Status;

    beforeAll(async () => {
      await peer.start();
      alice = await seedUser(sut.t, { username: firstKnock === 'rfc9421' ? 'alice_rfc' : 'alice_cavage' });
      client = createRestAPIClient({ url: sut.t.url, accessToken: alice.token });
      aliceActor = await peer.lookupActor(`${sut.t.url}/users/${alice.username}`);
      status = await client.v1.statuses.create({ status: 'before anyone followed', visibility: 'public' });
    });

    afterAll(() => peer.stop());

    const instanceKeyId = () => `${sut.t.url}/actor#main-key`;

    /** Sends as the peer; Fedify remembering the spec it knocked first means that knock was taken. */
    const send = async (activity: Parameters<FedifyPeer['send']>[1]) => {
      await peer.send(aliceActor, activity);
      expect(await peer.rememberedSpec(sut.t.url)).toBe(firstKnock);
    };

    const counts = async () => {
      const current = await client.v1.statuses.$select(status.id).fetch();
      return { favourites: current.favouritesCount, reblogs: current.reblogsCount };
    };
    const untilCounts = (expected: { favourites: number; reblogs: number }) =>
      pollUntil(
        counts,
        (now) => now.favourites === expected.favourites && now.reblogs === expected.reblogs,
        10_000,
      );

    const peerAccount = () => client.v1.accounts.lookup({ acct: peer.acct });

    it('follows a local user: our signed GET of its actor and our Accept both pass Fedify', async () => {
      const follow = new Follow({
        id: peer.newId('follows'),
        actor: new URL(peer.actorId),
        object: aliceActor.id,
      });
      await send(follow);

      const accepts = await pollUntil(
        () => Promise.resolve(peer.received(Accept)),
        (found) => found.length > 0,
        10_000,
      );
      expect(accepts).toHaveLength(1);
      expect(accepts[0]?.actorId?.href).toBe(aliceActor.id?.href);
      expect(accepts[0]?.objectId?.href).toBe(follow.id?.href);
      expect(peer.verifiedGets).toContainEqual({
        keyId: instanceKeyId(),
        spec: 'draft-cavage-http-signatures-12',
      });

      const followers = await client.v1.accounts.$select(alice.accountId).followers.list();
      expect(followers.map((account) => account.acct)).toEqual([peer.acct]);
    });

    it('receives a local public status as a Create that Fedify verified', async () => {
      const posted = await client.v1.statuses.create({ status: 'hello Fedify', visibility: 'public' });
      const creates = await pollUntil(
        () => Promise.resolve(peer.received(Create)),
        (found) => found.length > 0,
        10_000,
      );
      expect(creates.map((create) => create.objectId?.href)).toEqual([posted.uri]);
      expect(creates[0]?.actorId?.href).toBe(aliceActor.id?.href);
      const note = await creates[0]?.getObject();
      expect(note).toBeInstanceOf(Note);
      expect(note?.content?.toString()).toContain('hello Fedify');
      expect(
        peer.requests.filter((request) => request.method === 'POST').map((request) => request.status),
      ).not.toContain(401);
    });

    it('mentions a local user in a Note: a mention notification; Update edits it; Delete removes it', async () => {
      const noteId = peer.newId('notes');
      const aliceUri = aliceActor.id!;
      const published = Temporal.Now.instant().round('second');
      const note = (content: string, updated?: Temporal.Instant) =>
        new Note({
          id: noteId,
          attribution: new URL(peer.actorId),
          content: `<p><span class="h-card"><a href="${aliceUri.href}" class="u-url mention">@<span>${alice.username}</span></a></span> ${content}</p>`,
          tags: [new Mention({ href: aliceUri, name: `@${alice.username}@${sut.t.domain}` })],
          to: PUBLIC_COLLECTION,
          ccs: [new URL(`${peer.actorId}/followers`), aliceUri],
          published,
          updated,
        });
      const first = note('first words');
      peer.publish(first);
      await send(
        new Create({
          id: peer.newId('creates'),
          actor: new URL(peer.actorId),
          object: first,
          to: PUBLIC_COLLECTION,
          ccs: first.ccIds,
        }),
      );

      const mention = await pollUntil(
        async () => (await client.v1.notifications.list({ types: ['mention'] }))[0],
        (found) => found !== undefined,
        10_000,
      );
      expect(mention?.account?.acct).toBe(peer.acct);
      expect(mention?.status?.uri).toBe(noteId.href);
      expect(mention?.status?.content).toContain('first words');
      if (!mention?.status) throw new Error('no mention notification');
      const localId = mention.status.id;

      const edited = note('second words', Temporal.Now.instant().round('second'));
      peer.publish(edited);
      await send(new Update({ id: peer.newId('updates'), actor: new URL(peer.actorId), object: edited }));
      const afterEdit = await pollUntil(
        () => client.v1.statuses.$select(localId).fetch(),
        (found) => found.content.includes('second words'),
        10_000,
      );
      expect(afterEdit.content).toContain('second words');
      expect(afterEdit.editedAt).not.toBeNull();

      await send(
        new Delete({
          id: peer.newId('deletes'),
          actor: new URL(peer.actorId),
          object: new Tombstone({ id: noteId }),
          to: PUBLIC_COLLECTION,
        }),
      );
      const gone = await pollUntil(
        () =>
          client.v1.statuses
            .$select(localId)
            .fetch()
            .then(
              () => 200,
              (error: { statusCode?: number }) => error.statusCode,
            ),
        (code) => code === 404,
        10_000,
      );
      expect(gone).toBe(404);
    });

    it('likes and boosts a local status, and takes both back with Undo', async () => {
      const statusUri = new URL(status.uri);
      const like = new Like({ id: peer.newId('likes'), actor: new URL(peer.actorId), object: statusUri });
      await send(like);
      expect(await untilCounts({ favourites: 1, reblogs: 0 })).toEqual({ favourites: 1, reblogs: 0 });

      const boost = new Announce({
        id: peer.newId('announces'),
        actor: new URL(peer.actorId),
        object: statusUri,
        to: PUBLIC_COLLECTION,
        ccs: [new URL(`${peer.actorId}/followers`), aliceActor.id!],
        published: Temporal.Now.instant(),
      });
      await send(boost);
      expect(await untilCounts({ favourites: 1, reblogs: 1 })).toEqual({ favourites: 1, reblogs: 1 });

      await send(new Undo({ id: peer.newId('undos'), actor: new URL(peer.actorId), object: like }));
      expect(await untilCounts({ favourites: 0, reblogs: 1 })).toEqual({ favourites: 0, reblogs: 1 });
      await send(new Undo({ id: peer.newId('undos'), actor: new URL(peer.actorId), object: boost }));
      expect(await untilCounts({ favourites: 0, reblogs: 0 })).toEqual({ favourites: 0, reblogs: 0 });
    });

    it('updates its actor: the new name is read from its document and shown', async () => {
      expect((await peerAccount()).displayName).toBe('Fedify Peer');
      peer.displayName = `Renamed under ${firstKnock}`;
      const person = await peer.actor();
      await send(
        new Update({
          id: peer.newId('updates'),
          actor: new URL(peer.actorId),
          object: person,
          to: PUBLIC_COLLECTION,
        }),
      );
      const renamed = await pollUntil(
        peerAccount,
        (account) => account.displayName === peer.displayName,
        10_000,
      );
      expect(renamed.displayName).toBe(`Renamed under ${firstKnock}`);
    });

    it('gets our deliveries and our signed GETs signed RFC 9421 when it refuses draft-cavage', async () => {
      peer.refuseCavage = true;
      try {
        const posted = await client.v1.statuses.create({ status: 'second knock', visibility: 'public' });
        const creates = await pollUntil(
          () => Promise.resolve(peer.received(Create)),
          (found) => found.some((create) => create.objectId?.href === posted.uri),
          15_000,
        );
        expect(creates.map((create) => create.objectId?.href)).toContain(posted.uri);
        const posts = peer.requests.filter((request) => request.method === 'POST');
        expect(posts.slice(-2).map(({ spec, status: code }) => ({ spec, code }))).toEqual([
          { spec: 'draft-cavage-http-signatures-12', code: 401 },
          { spec: 'rfc9421', code: 202 },
        ]);

        // An Update of its actor makes us read the actor again, with a signed GET.
        peer.displayName = `Renamed again under ${firstKnock}`;
        await send(
          new Update({
            id: peer.newId('updates'),
            actor: new URL(peer.actorId),
            object: await peer.actor(),
            to: PUBLIC_COLLECTION,
          }),
        );
        const renamed = await pollUntil(
          peerAccount,
          (account) => account.displayName === peer.displayName,
          10_000,
        );
        expect(renamed.displayName).toBe(`Renamed again under ${firstKnock}`);
        expect(peer.verifiedGets.at(-1)).toEqual({ keyId: instanceKeyId(), spec: 'rfc9421' });
      } finally {
        peer.refuseCavage = false;
      }
    });
  });
});
