import { randomUUID } from 'node:crypto';
import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';
import { deliverSigned, keyPair, Peer } from './support/peer';

jest.setTimeout(90_000);

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';

/**
 * Remote notes into statuses: the remote bob (known from his first signed delivery) posts to local
 * alice, and what Mastodon would store shows through the client API (sanitized, threaded, edited,
 * deleted for good); what relates to nobody here, or fails the origin rules, is not stored, and
 * nothing a peer sends makes the inbox answer 500.
 */
describe('remote notes in', () => {
  const sut = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });
  const peer = new Peer();
  const bobKeys = keyPair();
  let alice: SeededUser;
  let bobId: string;
  let aliceUri: string;
  let client: mastodon.rest.Client;
  /** bob's account id here, learned from his first stored note. */
  let bobAccountId: string;
  /** The uri and local id of the note every later step works on. */
  let noteUri: string;
  let noteId: string;

  beforeAll(async () => {
    await peer.start();
    bobId = peer.person('bob', bobKeys.publicKey);
    [alice] = await seedUsers(sut.t, ['alice']);
    aliceUri = `${sut.t.url}/users/alice`;
    client = createRestAPIClient({ url: sut.t.url, accessToken: alice.token });
  });

  afterAll(async () => {
    await peer.stop();
  });

  /** Delivers to alice's inbox, signed by bob; once taken, waits until it is applied. */
  const deliver = async (activity: unknown): Promise<Response> => {
    const response = await deliverSigned(`${sut.t.url}/users/alice/inbox`, JSON.stringify(activity), {
      keyId: `${bobId}#main-key`,
      privateKeyPem: bobKeys.privateKey,
    });
    if (response.status === 202) await settled(sut.t);
    return response;
  };

  /** A note by bob mentioning alice, shaped as Mastodon serializes one. */
  const note = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
    id: `${bobId}/statuses/${randomUUID()}`,
    type: 'Note',
    attributedTo: bobId,
    published: new Date().toISOString(),
    url: `${peer.origin}/@bob/1`,
    to: [PUBLIC],
    cc: [`${bobId}/followers`, aliceUri],
    summary: 'spoiler here',
    sensitive: false,
    content:
      `<p onclick="steal()"><span class="h-card"><a href="${sut.t.url}/@alice" class="u-url mention">@<span>alice</span></a></span> ` +
      `look <a href="${peer.origin}/tags/cats" class="mention hashtag" rel="tag">#<span>cats</span></a><script>alert(1)</script></p>`,
    tag: [
      { type: 'Mention', href: aliceUri, name: `@alice@${sut.t.domain}` },
      { type: 'Hashtag', href: `${peer.origin}/tags/cats`, name: '#Cats' },
    ],
    ...fields,
  });

  const activity = (type: string, object: unknown, id = `${bobId}#${randomUUID()}`) => ({
    '@context': 'https://www.w3.org/ns/activitystreams',
    id,
    type,
    actor: bobId,
    object,
  });

  const bobStatuses = async (): Promise<string[]> =>
    (await client.v1.accounts.$select(bobAccountId).statuses.list()).map((status) => status.uri);

  it('stores a Create that mentions alice: she is notified, and sees it sanitized, with its spoiler and visibility', async () => {
    const created = note();
    noteUri = created.id as string;
    expect((await deliver(activity('Create', created))).status).toBe(202);
    const mentions = await pollUntil(
      async () => await client.v1.notifications.list({ types: ['mention'] }),
      (list) => list.some((n) => n.status?.uri === noteUri),
      10_000,
    );
    const mention = mentions.find((n) => n.status?.uri === noteUri);
    expect(mention?.account.acct).toBe(`bob@${new URL(peer.origin).host}`);
    noteId = mention?.status?.id ?? '';
    bobAccountId = mention?.account.id ?? '';
    const status = await client.v1.statuses.$select(noteId).fetch();
    expect(status.account.acct).toBe(`bob@${new URL(peer.origin).host}`);
    expect(status.spoilerText).toBe('spoiler here');
    expect(status.sensitive).toBe(true);
    expect(status.visibility).toBe('public');
    expect(status.url).toBe(`${peer.origin}/@bob/1`);
    expect(status.content).not.toMatch(/script|onclick|alert/);
    expect(status.content).toContain('class="u-url mention"');
    expect(status.content).toContain('class="mention hashtag"');
    expect(status.mentions.map((m) => m.acct)).toEqual(['alice']);
    expect(status.tags.map((t) => t.name)).toEqual(['cats']);
  });

  it('threads alice’s reply under it', async () => {
    const reply = await client.v1.statuses.create({ status: '@bob hello back', inReplyToId: noteId });
    expect(reply.inReplyToId).toBe(noteId);
    const context = await client.v1.statuses.$select(noteId).context.fetch();
    expect(context.descendants.map((s) => s.id)).toEqual([reply.id]);
  });

  it('edits it on an Update with a newer `updated`, keeping the history', async () => {
    const edited = note({
      id: noteUri,
      content: '<p>edited text</p>',
      updated: new Date(Date.now() + 1000).toISOString(),
    });
    expect((await deliver(activity('Update', edited))).status).toBe(202);
    const status = await client.v1.statuses.$select(noteId).fetch();
    expect(status.content).toBe('<p>edited text</p>');
    expect(status.editedAt).not.toBeNull();
    const history = await client.v1.statuses.$select(noteId).history.list();
    expect(history.map((version) => version.content)).toEqual([
      expect.stringContaining('look'),
      '<p>edited text</p>',
    ]);
  });

  it('removes it on a Delete, and a replayed Create leaves it deleted', async () => {
    const tombstone = { id: noteUri, type: 'Tombstone' };
    expect((await deliver(activity('Delete', tombstone))).status).toBe(202);
    await expect(client.v1.statuses.$select(noteId).fetch()).rejects.toMatchObject({ statusCode: 404 });
    expect((await deliver(activity('Create', note({ id: noteUri })))).status).toBe(202);
    await settled(sut.t);
    expect(await bobStatuses()).not.toContain(noteUri);
  });

  it('does not resurrect a note whose Delete came before its Create', async () => {
    const early = note();
    expect((await deliver(activity('Delete', early.id))).status).toBe(202);
    expect((await deliver(activity('Create', early))).status).toBe(202);
    await settled(sut.t);
    expect(await bobStatuses()).not.toContain(early.id);
  });

  it('does not store a note that relates to nobody here', async () => {
    const unrelated = note({ cc: [`${bobId}/followers`], tag: [], content: '<p>just me</p>' });
    expect((await deliver(activity('Create', unrelated))).status).toBe(202);
    await settled(sut.t);
    expect(await bobStatuses()).not.toContain(unrelated.id);
  });

  it('refuses a note on another host than the actor, or attributed to another actor, and fetches a note given by id', async () => {
    const elsewhere = note({ id: `http://elsewhere.invalid/notes/${randomUUID()}` });
    const someoneElse = note({ attributedTo: `${peer.origin}/users/carol` });
    const byId = note();
    peer.actors.set(new URL(byId.id as string).pathname, {
      '@context': 'https://www.w3.org/ns/activitystreams',
      ...byId,
    });
    for (const object of [elsewhere, someoneElse, byId.id])
      expect((await deliver(activity('Create', object))).status).toBe(202);
    await settled(sut.t);
    const stored = await bobStatuses();
    expect(stored).toContain(byId.id);
    expect(stored).not.toContain(elsewhere.id);
    expect(stored).not.toContain(someoneElse.id);
  });

  it('never answers 500 to an oversize or garbage object', async () => {
    const garbage = [
      note({ content: 'x'.repeat(600_000) }),
      { type: 'Note' },
      { id: 42, type: 'Note', content: 'x' },
      note({ tag: 'nonsense', to: 7, published: 'yesterday', url: { href: 'javascript:alert(1)' } }),
      'not even an object',
      [note()],
    ];
    for (const object of garbage) {
      const response = await deliver(activity('Create', object));
      expect(response.status).toBeLessThan(500);
    }
    const oversize = await deliver(activity('Create', note({ content: 'x'.repeat(1_100_000) })));
    expect(oversize.status).toBe(413);
  });
});
