import { verifySignedRequest } from '@mammut/activitypub';
import { randomUUID } from 'node:crypto';
import { createRestAPIClient } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { deliverSigned, keyPair, Peer } from './support/peer';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';

jest.setTimeout(90_000);

type Activity = Record<string, unknown> & { type: string; id: string; object: unknown };
type Note = Record<string, unknown> & { id: string; content: string };

/**
 * Local statuses out to the Fediverse: what alice posts reaches the servers of her remote
 * followers (and of the accounts she addresses) as Mastodon's activities, signed with the key her
 * actor document publishes, each visibility to whom it should go; the Note is served at its id as
 * it was delivered; edits, deletions, reblogs and their withdrawal follow to the same inboxes.
 */
describe('local statuses out to remote servers', () => {
  const sut = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });
  const followers = new Peer();
  const stranger = new Peer();
  const bobKeys = keyPair();
  const daveKeys = keyPair();
  let alice: SeededUser;
  let aliceUri: string;
  let alicePublicKey: string;

  const follow = async (peer: Peer, actor: string, keys: { privateKey: string }, target: string) => {
    const body = JSON.stringify({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${actor}#follows/${randomUUID()}`,
      type: 'Follow',
      actor,
      object: `${sut.t.url}/users/${target}`,
    });
    const response = await deliverSigned(`${sut.t.url}/users/${target}/inbox`, body, {
      keyId: `${actor}#main-key`,
      privateKeyPem: keys.privateKey,
    });
    expect(response.status).toBe(202);
    // The Accept that answers it tells the follow holds.
    await pollUntil(
      () => Promise.resolve(peer.received.length),
      (count) => count > 0,
      10_000,
    );
    peer.received.length = 0;
  };

  beforeAll(async () => {
    await followers.start();
    await stranger.start();
    const bob = followers.person('bob', bobKeys.publicKey);
    const dave = stranger.person('dave', daveKeys.publicKey);
    [alice] = await seedUsers(sut.t, ['alice', 'carol']);
    aliceUri = `${sut.t.url}/users/alice`;
    // bob follows alice; dave only carol, so his server hears of alice only when she addresses him.
    await follow(followers, bob, bobKeys, 'alice');
    await follow(stranger, dave, daveKeys, 'carol');
    const actor = (await (
      await fetch(aliceUri, { headers: { accept: 'application/activity+json' } })
    ).json()) as {
      publicKey: { publicKeyPem: string };
    };
    alicePublicKey = actor.publicKey.publicKeyPem;
  });

  afterAll(async () => {
    await followers.stop();
    await stranger.stop();
  });

  const client = () => createRestAPIClient({ url: sut.t.url, accessToken: alice.token });

  /** The activities `peer` received so far, each checked signed by alice's key. */
  const activities = async (peer: Peer): Promise<(Activity & { path: string })[]> =>
    Promise.all(
      peer.received.map(async (delivery) => {
        const verified = await verifySignedRequest(
          {
            method: 'POST',
            url: `${peer.origin}${delivery.path}`,
            headers: delivery.headers,
            body: delivery.body,
            now: new Date(),
          },
          (keyId) =>
            Promise.resolve(
              keyId === `${aliceUri}#main-key` ? { publicKeyPem: alicePublicKey, ownerId: aliceUri } : null,
            ),
        );
        expect(verified).toMatchObject({ ok: true, ownerId: aliceUri });
        return { path: delivery.path, ...(JSON.parse(delivery.body.toString()) as Activity) };
      }),
    );

  const waitFor = async (peer: Peer, type: string, count = 1): Promise<(Activity & { path: string })[]> => {
    await pollUntil(
      () =>
        Promise.resolve(
          peer.received.filter((item) => (JSON.parse(item.body.toString()) as Activity).type === type),
        ),
      (found) => found.length >= count,
      10_000,
    );
    await settled(sut.t);
    return (await activities(peer)).filter((activity) => activity.type === type);
  };

  const fetchAs = (url: string, accept: string) => fetch(url, { headers: { accept }, redirect: 'manual' });

  let publicNote: Note;
  let publicId: string;
  let privateUri: string;

  it('sends each visibility to the inboxes it should reach, and never a direct status to followers', async () => {
    const dave = `dave@${new URL(stranger.origin).host}`;
    const posted = {
      public: await client().v1.statuses.create({ status: 'hello #fediverse', visibility: 'public' }),
      unlisted: await client().v1.statuses.create({ status: 'quietly', visibility: 'unlisted' }),
      private: await client().v1.statuses.create({ status: 'followers only', visibility: 'private' }),
      direct: await client().v1.statuses.create({ status: `@${dave} just you`, visibility: 'direct' }),
    };
    publicId = posted.public.id;
    privateUri = posted.private.uri;

    const creates = await waitFor(followers, 'Create', 3);
    // bob's server has a shared inbox: everything for its accounts goes there.
    expect(creates.map((create) => [create.path, (create.object as Note).id])).toEqual(
      expect.arrayContaining([
        ['/inbox', posted.public.uri],
        ['/inbox', posted.unlisted.uri],
        ['/inbox', posted.private.uri],
      ]),
    );
    expect(creates).toHaveLength(3);
    const followersUrl = `${aliceUri}/followers`;
    const addressed = Object.fromEntries(
      creates.map((create) => [(create.object as Note).id, { to: create.to, cc: create.cc }]),
    );
    const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';
    expect(addressed[posted.public.uri]).toEqual({ to: [PUBLIC], cc: [followersUrl] });
    expect(addressed[posted.unlisted.uri]).toEqual({ to: [followersUrl], cc: [PUBLIC] });
    expect(addressed[posted.private.uri]).toEqual({ to: [followersUrl], cc: [] });

    // The direct status went to dave's server alone, addressed to him alone.
    const [direct] = await waitFor(stranger, 'Create');
    expect(stranger.received).toHaveLength(1);
    expect(direct).toMatchObject({
      id: `${posted.direct.uri}/activity`,
      actor: aliceUri,
      to: [`${stranger.origin}/users/dave`],
      cc: [],
      object: {
        id: posted.direct.uri,
        tag: [{ type: 'Mention', href: `${stranger.origin}/users/dave`, name: `@${dave}` }],
      },
    });

    const create = creates.find((item) => (item.object as Note).id === posted.public.uri);
    publicNote = create?.object as Note;
    expect(create).toMatchObject({ id: `${posted.public.uri}/activity`, actor: aliceUri });
    expect(publicNote).toMatchObject({
      type: 'Note',
      attributedTo: aliceUri,
      url: posted.public.url,
      summary: null,
      sensitive: false,
      attachment: [],
      tag: [{ type: 'Hashtag', href: `${sut.t.url}/tags/fediverse`, name: '#fediverse' }],
    });
    expect(publicNote.content).toContain('hello');
  });

  it('serves the Note at its id as it was delivered, and the Create at /activity', async () => {
    const response = await fetchAs(publicNote.id, 'application/activity+json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/activity+json');
    expect(response.headers.get('vary')).toBe('Accept');
    const { '@context': context, ...served } = (await response.json()) as Record<string, unknown>;
    expect(served).toEqual(publicNote);
    expect(Array.isArray(context) && context[0]).toBe('https://www.w3.org/ns/activitystreams');

    const activity = await fetchAs(
      `${publicNote.id}/activity`,
      'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    );
    expect(activity.status).toBe(200);
    expect(await activity.json()).toMatchObject({ type: 'Create', object: publicNote });
  });

  it('redirects browsers to the page, and serves nothing of private, unknown or misattributed statuses', async () => {
    const browser = await fetchAs(publicNote.id, 'text/html');
    expect(browser.status).toBe(302);
    expect(browser.headers.get('location')).toBe(publicNote.url);
    expect((await fetchAs(privateUri, 'application/activity+json')).status).toBe(404);
    expect((await fetchAs(privateUri, 'text/html')).status).toBe(404);
    expect((await fetchAs(`${sut.t.url}/users/alice/statuses/1`, 'application/activity+json')).status).toBe(
      404,
    );
    expect(
      (await fetchAs(`${sut.t.url}/users/carol/statuses/${publicId}`, 'application/activity+json')).status,
    ).toBe(404);
    expect(
      (await fetchAs(`${sut.t.url}/users/alice/statuses/not-an-id`, 'application/activity+json')).status,
    ).toBe(404);
  });

  it('sends an edit as Update with the new version', async () => {
    await client().v1.statuses.$select(publicId).update({ status: 'hello again #fediverse' });
    const [update] = await waitFor(followers, 'Update');
    expect(update).toMatchObject({
      type: 'Update',
      actor: aliceUri,
      object: { id: publicNote.id, type: 'Note' },
    });
    expect(update.id).toMatch(new RegExp(`^${publicNote.id}#updates/\\d+$`));
    const note = update.object as Note;
    expect(note.content).toContain('hello again');
    expect(typeof note.updated).toBe('string');
  });

  it('announces a reblog by the status uri, and undoes it when withdrawn', async () => {
    const reblog = await client().v1.statuses.$select(publicId).reblog();
    const [announce] = await waitFor(followers, 'Announce');
    expect(announce).toMatchObject({
      id: reblog.uri,
      actor: aliceUri,
      object: publicNote.id,
      to: ['https://www.w3.org/ns/activitystreams#Public'],
    });
    expect(announce.cc).toEqual(expect.arrayContaining([aliceUri, `${aliceUri}/followers`]));

    await client().v1.statuses.$select(publicId).unreblog();
    const [undo] = await waitFor(followers, 'Undo');
    expect(undo).toMatchObject({
      id: `${aliceUri}#announces/${reblog.id}/undo`,
      actor: aliceUri,
      object: { id: reblog.uri, type: 'Announce', object: publicNote.id },
    });
  });

  it('deletes with a Tombstone to the same inboxes, and stops serving the status', async () => {
    await client().v1.statuses.$select(publicId).remove();
    const [deleted] = await waitFor(followers, 'Delete');
    expect(deleted).toMatchObject({
      id: `${publicNote.id}#delete`,
      path: '/inbox',
      actor: aliceUri,
      object: { id: publicNote.id, type: 'Tombstone' },
    });
    expect((await fetchAs(publicNote.id, 'application/activity+json')).status).toBe(404);
    // dave's server never had it, and hears nothing of its deletion.
    expect(stranger.received).toHaveLength(1);
  });

  it("likes a remote status at its author's own inbox only, and undoes the Like when unfavourited", async () => {
    const bobUri = `${followers.origin}/users/bob`;
    const noteUri = `${followers.origin}/users/bob/statuses/1`;
    // Written straight to the statuses schema, as the inbox will store a remote Create: bob's
    // server has no way in for statuses yet.
    const { rows } = await sut.db.query<{ id: string }>(
      `INSERT INTO statuses.statuses (uri, url, account_id, local, content, visibility)
       SELECT $1, $1, a.id, false, '<p>from bob</p>', 'public' FROM accounts.accounts a WHERE a.uri = $2
       RETURNING id::text`,
      [noteUri, bobUri],
    );
    const statusId = rows[0].id;
    followers.received.length = 0;

    await client().v1.statuses.$select(statusId).favourite();
    const [like] = await waitFor(followers, 'Like');
    expect(like).toMatchObject({ path: '/users/bob/inbox', type: 'Like', actor: aliceUri, object: noteUri });
    expect(like.id).toMatch(new RegExp(`^${aliceUri}#likes/\\d+$`));
    expect(like).not.toHaveProperty('to');

    await client().v1.statuses.$select(statusId).unfavourite();
    const [undo] = await waitFor(followers, 'Undo');
    expect(undo).toMatchObject({
      path: '/users/bob/inbox',
      id: `${like.id}/undo`,
      actor: aliceUri,
      object: { id: like.id, type: 'Like', actor: aliceUri, object: noteUri },
    });
    expect(followers.received).toHaveLength(2);
  });

  it('sends a public reply to the server of the author replied to, naming the status it answers', async () => {
    const daveUri = `${stranger.origin}/users/dave`;
    const noteUri = `${stranger.origin}/users/dave/statuses/1`;
    // As above: a remote status as the inbox will store it.
    const { rows } = await sut.db.query<{ id: string }>(
      `INSERT INTO statuses.statuses (uri, url, account_id, local, content, visibility)
       SELECT $1, $1, a.id, false, '<p>from dave</p>', 'public' FROM accounts.accounts a WHERE a.uri = $2
       RETURNING id::text`,
      [noteUri, daveUri],
    );
    stranger.received.length = 0;
    followers.received.length = 0;

    const reply = await client().v1.statuses.create({ status: 'agreed', inReplyToId: rows[0].id });
    const [create] = await waitFor(stranger, 'Create');
    expect(create).toMatchObject({
      path: '/inbox',
      object: { id: reply.uri, inReplyTo: noteUri, inReplyToAtomUri: noteUri },
    });
    const [toFollowers] = await waitFor(followers, 'Create');
    expect(toFollowers.object).toEqual(create.object);
  });

  it('sends a status with a poll as a Question, served at its id as delivered', async () => {
    followers.received.length = 0;
    const posted = await client().v1.statuses.create({
      status: 'tea or coffee?',
      poll: { options: ['tea', 'coffee'], expiresIn: 3600 },
    });
    const [create] = await waitFor(followers, 'Create');
    const question = create.object as Note;
    expect(question).toMatchObject({
      id: posted.uri,
      type: 'Question',
      oneOf: [
        { type: 'Note', name: 'tea', replies: { type: 'Collection', totalItems: 0 } },
        { type: 'Note', name: 'coffee', replies: { type: 'Collection', totalItems: 0 } },
      ],
      votersCount: 0,
    });
    expect(Date.parse(question.endTime as string)).toBe(
      Math.floor(Date.parse(posted.poll?.expiresAt ?? '') / 1000) * 1000,
    );
    const { '@context': _context, ...served } = (await (
      await fetchAs(posted.uri, 'application/activity+json')
    ).json()) as Record<string, unknown>;
    expect(served).toEqual(question);
  });
});
