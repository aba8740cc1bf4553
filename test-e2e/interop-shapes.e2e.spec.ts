import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';
import { deliverSigned, keyPair, Peer } from './support/peer';

jest.setTimeout(120_000);

const FIXTURES = join(__dirname, 'fixtures', 'interop');

/** How a server signs its deliveries: Mastodon's draft-cavage, or GoToSocial's hs2019. */
type Signing = 'cavage' | 'hs2019';

/** A remote server's actor as its fixtures describe it, with the key it signs with. */
interface Style {
  /** The fixtures' prefix: `<fixture>.actor.json`, `<fixture>.create.json`. */
  fixture: string;
  /** The actor fixture when not `<fixture>.actor`. */
  actorFixture?: string;
  username: string;
  /** The actor's id path on the peer. */
  path: string;
  /** The keyId's suffix to the actor id. */
  keySuffix: string;
  signing: Signing;
  keys: ReturnType<typeof keyPair>;
}

const style = (
  fixture: string,
  username: string,
  path: string,
  options: { keySuffix?: string; signing?: Signing; actorFixture?: string } = {},
): Style => ({
  fixture,
  actorFixture: options.actorFixture,
  username,
  path,
  keySuffix: options.keySuffix ?? '#main-key',
  signing: options.signing ?? 'cavage',
  keys: keyPair(),
});

/**
 * Actors and notes in the shapes Mastodon 4.x, GoToSocial, Misskey, Akkoma, PeerTube and
 * Pixelfed emit (recorded fixtures, quirks included), served by one loopback peer and delivered
 * signed to local alice as each server signs: what she sees through the client API is what
 * Mastodon shows for the same input (handle, profile url, sanitized profile and fields, bot and
 * group flags, status url, spoiler, visibility, threading, custom emoji). The `emojis` of an
 * account or status are those its texts use, their images still on the remote server.
 */
describe('interop shapes: other servers’ actors and notes as Mastodon shows them', () => {
  const sut = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });
  const peer = new Peer();
  const styles = {
    mastodon: style('mastodon', 'mona', '/users/mona'),
    gotosocial: style('gotosocial', 'goose', '/users/goose', { keySuffix: '/main-key', signing: 'hs2019' }),
    misskey: style('misskey', 'kitty', '/users/9xkitty0001'),
    akkoma: style('akkoma', 'lain', '/users/lain'),
    peertube: style('peertube', 'tusk', '/accounts/tusk', { actorFixture: 'peertube.account' }),
    pixelfed: style('pixelfed', 'snapper', '/users/snapper'),
  };
  const channel = style('peertube', 'mammoth_docs', '/video-channels/mammoth_docs', {
    actorFixture: 'peertube.channel',
  });
  let alice: SeededUser;
  let client: mastodon.rest.Client;
  /** alice's public status, which remote actors reply to and react to. */
  let aliceStatus: mastodon.v1.Status;
  let host: string;

  const idOf = (s: Style): string => `${peer.origin}${s.path}`;

  /** A fixture with its placeholders filled; values are JSON-escaped so a PEM fits in a string. */
  const fixture = (name: string, s: Style): Record<string, unknown> => {
    const values: Record<string, string> = {
      origin: peer.origin,
      host,
      localHost: sut.t.domain,
      alice: `${sut.t.url}/users/alice`,
      aliceUrl: `${sut.t.url}/@alice`,
      aliceStatus: aliceStatus.uri,
      publicKeyPem: s.keys.publicKey,
    };
    const text = readFileSync(join(FIXTURES, `${name}.json`), 'utf8').replace(
      /\{\{(\w+)\}\}/g,
      (_, key: string) => {
        if (values[key] === undefined) throw new Error(`no value for {{${key}}} in ${name}`);
        return JSON.stringify(values[key]).slice(1, -1);
      },
    );
    return JSON.parse(text) as Record<string, unknown>;
  };

  /** Serves the actor document (and WebFinger for its handle), as its server would. */
  const serveActor = (s: Style): void => {
    peer.serve(s.path, fixture(s.actorFixture ?? `${s.fixture}.actor`, s));
    peer.webfinger(s.username, idOf(s));
  };

  /** Delivers to alice's inbox, signed by the style's actor as its server signs; waits until applied. */
  const deliver = async (
    s: Style,
    activity: unknown,
    keyId = `${idOf(s)}${s.keySuffix}`,
  ): Promise<number> => {
    const response = await deliverSigned(
      `${sut.t.url}/users/alice/inbox`,
      JSON.stringify(activity),
      { keyId, privateKeyPem: s.keys.privateKey },
      s.signing,
    );
    if (response.status === 202) await settled(sut.t);
    return response.status;
  };

  /**
   * Delivers the style's recorded Create; answers the status, found among its author's statuses,
   * after checking alice was notified when the note mentions her (only Mention tags notify).
   */
  const created = async (s: Style, mentionsAlice = true): Promise<mastodon.v1.Status> => {
    const create = fixture(`${s.fixture}.create`, s);
    expect(await deliver(s, create)).toBe(202);
    const uri = (create.object as { id: string }).id;
    const author = await client.v1.accounts.lookup({ acct: `${s.username}@${host}` });
    const statuses = await pollUntil(
      async () => await client.v1.accounts.$select(author.id).statuses.list(),
      (list) => list.some((status) => status.uri === uri),
      10_000,
    );
    const status = statuses.find((candidate) => candidate.uri === uri);
    if (!status) throw new Error(`${uri} not stored`);
    const mentions = await client.v1.notifications.list({ types: ['mention'], limit: 40 });
    expect(mentions.some((n) => n.status?.id === status.id)).toBe(mentionsAlice);
    return client.v1.statuses.$select(status.id).fetch();
  };

  /** A remote custom emoji as masto presents Mastodon's CustomEmoji entity. */
  const emoji = (shortcode: string, path: string) => ({
    shortcode,
    url: `${peer.origin}${path}`,
    staticUrl: `${peer.origin}${path}`,
    visibleInPicker: false,
  });

  /** The fields compared with what Mastodon shows (masto's Account type lacks Mastodon 4.2's `uri`). */
  const accountShape = (account: mastodon.v1.Account & { uri?: string }) => ({
    acct: account.acct,
    url: account.url,
    uri: account.uri,
    displayName: account.displayName,
    locked: account.locked,
    bot: account.bot,
    group: account.group,
    emojis: account.emojis,
  });

  beforeAll(async () => {
    await peer.start();
    host = new URL(peer.origin).host;
    [alice] = await seedUsers(sut.t, ['alice']);
    client = createRestAPIClient({ url: sut.t.url, accessToken: alice.token });
    aliceStatus = await client.v1.statuses.create({ status: 'mammoths or elephants?', visibility: 'public' });
    for (const s of [...Object.values(styles), channel]) serveActor(s);
    peer.serve('/users/goose/main-key', fixture('gotosocial.main-key', styles.gotosocial));
  });

  afterAll(async () => {
    await peer.stop();
  });

  it('Mastodon 4.x: the account and status as Mastodon itself shows them', async () => {
    const s = styles.mastodon;
    const status = await created(s);
    expect(accountShape(status.account)).toEqual({
      acct: `mona@${host}`,
      url: `${peer.origin}/@mona`,
      uri: idOf(s),
      displayName: 'Mona :verified:',
      locked: false,
      bot: false,
      group: false,
      emojis: [emoji('verified', '/system/custom_emojis/verified.png')],
    });
    expect(status.account.note).toContain('class="mention hashtag"');
    expect(status.account.fields.map((field) => field.name)).toEqual(['Website', 'Pronouns']);
    expect(status.account.fields[1].value).toBe('she/her');
    expect(status.account.fields[0].value).toMatch(/^<a href="https:\/\/mona\.example\/"/);
    expect({
      uri: status.uri,
      url: status.url,
      spoilerText: status.spoilerText,
      sensitive: status.sensitive,
      visibility: status.visibility,
      inReplyToId: status.inReplyToId,
      tags: status.tags.map((tag) => tag.name),
      mentions: status.mentions.map((mention) => mention.acct),
    }).toEqual({
      uri: `${idOf(s)}/statuses/113400000000000001`,
      url: `${peer.origin}/@mona/113400000000000001`,
      spoilerText: 'elephant facts',
      sensitive: true,
      visibility: 'public',
      inReplyToId: null,
      tags: ['elephants'],
      mentions: ['alice'],
    });
    expect(status.content).toContain('class="u-url mention"');
    // Of the note's two Emoji tags, the one its content uses; the shortcode stays in the text.
    expect(status.content).toContain(':trunk:');
    expect(status.emojis).toEqual([emoji('trunk', '/system/custom_emojis/trunk.png')]);
    // Notes without Emoji tags have none.
    expect(aliceStatus.emojis).toEqual([]);
  });

  it('GoToSocial: a keyId without fragment, hs2019, signed GETs; a followers-only reply threads under alice’s status', async () => {
    const s = styles.gotosocial;
    const status = await created(s);
    expect(accountShape(status.account)).toEqual({
      acct: `goose@${host}`,
      url: `${peer.origin}/@goose`,
      uri: idOf(s),
      displayName: 'Honk Goose',
      locked: true,
      bot: false,
      group: false,
      emojis: [],
    });
    expect(status.account.note).toBe('<p>peace was never an option</p>');
    expect(status.account.fields.map((field) => field.name)).toEqual(['Home']);
    expect({
      url: status.url,
      spoilerText: status.spoilerText,
      visibility: status.visibility,
      inReplyToId: status.inReplyToId,
    }).toEqual({
      url: `${peer.origin}/@goose/statuses/01JDGOOSEREPLY000000000000`,
      spoilerText: '',
      visibility: 'private',
      inReplyToId: aliceStatus.id,
    });
    const context = await client.v1.statuses.$select(aliceStatus.id).context.fetch();
    expect(context.descendants.map((reply) => reply.id)).toContain(status.id);
    // The key document was fetched signed, as GoToSocial requires.
    const keyFetches = peer.gets.filter((get) => get.path === '/users/goose/main-key');
    expect(keyFetches.length).toBe(1);
    expect(keyFetches[0].headers.signature).toMatch(/keyId="/);
  });

  it('GoToSocial: a known actor’s next delivery is verified without fetching its key again', async () => {
    const s = styles.gotosocial;
    expect(await deliver(s, fixture('gotosocial.create', s))).toBe(202);
    expect(peer.gets.filter((get) => get.path === '/users/goose/main-key').length).toBe(1);
  });

  it('GoToSocial: a keyId whose document names an actor that does not list it is refused', async () => {
    const s = styles.gotosocial;
    const stub = fixture('gotosocial.main-key', s);
    peer.serve('/users/goose/stray-key', {
      ...stub,
      publicKey: { ...(stub.publicKey as object), id: `${idOf(s)}/stray-key` },
    });
    expect(await deliver(s, fixture('gotosocial.create', s), `${idOf(s)}/stray-key`)).toBe(401);
  });

  it('Misskey: a Service is a bot; a quote shows as a link; a reaction (Like with _misskey_reaction) is a favourite', async () => {
    const s = styles.misskey;
    const status = await created(s);
    expect(accountShape(status.account)).toEqual({
      acct: `kitty@${host}`,
      url: `${peer.origin}/@kitty`,
      uri: idOf(s),
      displayName: 'Kitty Bot :cat_blep:',
      locked: false,
      bot: true,
      group: false,
      emojis: [emoji('cat_blep', '/files/cat_blep.png')],
    });
    expect(status.account.fields.map((field) => field.name)).toEqual(['Source']);
    expect({ url: status.url, spoilerText: status.spoilerText, visibility: status.visibility }).toEqual({
      // Misskey names no page for a note: its id stands in, as Mastodon stores it.
      url: `${peer.origin}/notes/9xnote00001`,
      spoilerText: 'cat fact',
      visibility: 'public',
    });
    expect(status.content).toContain(`href="${peer.origin}/notes/9xquoted001"`);

    expect(await deliver(s, fixture('misskey.like-reaction', s))).toBe(202);
    const favouritedBy = await client.v1.statuses.$select(aliceStatus.id).favouritedBy.list();
    expect(favouritedBy.map((account) => account.acct)).toEqual([`kitty@${host}`]);
  });

  it('Misskey: a poll (Question) shows its options, counts and the custom emoji they use', async () => {
    const s = styles.misskey;
    const actor = idOf(s);
    const id = `${peer.origin}/notes/9xpoll00001`;
    const question = {
      id,
      type: 'Question',
      attributedTo: actor,
      // Addressed to alice: a server takes a post from someone nobody here follows only then.
      content: `<p><a href="${sut.t.url}/@alice" class="u-url mention">@alice@${sut.t.domain}</a> best animal?</p>`,
      published: '2026-11-30T12:05:00.000Z',
      to: ['https://www.w3.org/ns/activitystreams#Public'],
      cc: [`${actor}/followers`, `${sut.t.url}/users/alice`],
      endTime: '2099-01-01T00:00:00.000Z',
      oneOf: [
        { type: 'Note', name: 'cats :cat_blep:', replies: { type: 'Collection', totalItems: 3 } },
        { type: 'Note', name: 'dogs', replies: { type: 'Collection', totalItems: 1 } },
      ],
      tag: [
        { type: 'Mention', href: `${sut.t.url}/users/alice`, name: `@alice@${sut.t.domain}` },
        {
          id: `${peer.origin}/emojis/cat_blep`,
          type: 'Emoji',
          name: ':cat_blep:',
          updated: '2026-11-30T12:00:00.000Z',
          icon: { type: 'Image', mediaType: 'image/png', url: `${peer.origin}/files/cat_blep.png` },
        },
      ],
    };
    const create = {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${id}/activity`,
      type: 'Create',
      actor,
      object: question,
      to: question.to,
      cc: question.cc,
    };
    expect(await deliver(s, create)).toBe(202);
    const author = await client.v1.accounts.lookup({ acct: `${s.username}@${host}` });
    const statuses = await pollUntil(
      async () => await client.v1.accounts.$select(author.id).statuses.list(),
      (list) => list.some((status) => status.uri === id),
      10_000,
    );
    const status = statuses.find((candidate) => candidate.uri === id);
    const expected = {
      options: [
        { title: 'cats :cat_blep:', votesCount: 3 },
        { title: 'dogs', votesCount: 1 },
      ],
      multiple: false,
      expired: false,
      votesCount: 4,
      emojis: [emoji('cat_blep', '/files/cat_blep.png')],
    };
    expect(status?.poll).toMatchObject(expected);
    expect(await client.v1.polls.$select(status?.poll?.id ?? '0').fetch()).toMatchObject(expected);
  });

  it('Akkoma: litepub shapes; a profile sanitized; an unlisted note; an EmojiReact ignored as Mastodon does', async () => {
    const s = styles.akkoma;
    const status = await created(s);
    expect(accountShape(status.account)).toEqual({
      acct: `lain@${host}`,
      url: idOf(s),
      uri: idOf(s),
      displayName: 'lain :blobcat:',
      locked: true,
      bot: false,
      group: false,
      emojis: [emoji('blobcat', '/emoji/blobcat.png')],
    });
    expect(status.account.note).not.toMatch(/javascript/);
    expect(status.account.fields.map((field) => [field.name, field.value])).toEqual([
      ['matrix', '<b>@lain:matrix.example</b> '],
    ]);
    expect({ url: status.url, spoilerText: status.spoilerText, visibility: status.visibility }).toEqual({
      url: `${peer.origin}/objects/5e1a7a3c-0000-4000-8000-000000000003`,
      spoilerText: '',
      visibility: 'unlisted',
    });

    expect(await deliver(s, fixture('akkoma.emoji-react', s))).toBe(202);
    const favourited = await client.v1.statuses.$select(aliceStatus.id).fetch();
    expect(favourited.favouritesCount).toBe(1);
  });

  it('PeerTube: a Video becomes its title and a link to its page; a channel is a Group', async () => {
    const s = styles.peertube;
    // Addressed to alice but with no Mention tag: stored, yet no notification, as in Mastodon.
    const status = await created(s, false);
    expect(accountShape(status.account)).toEqual({
      acct: `tusk@${host}`,
      url: idOf(s),
      uri: idOf(s),
      displayName: 'Tusk Films',
      locked: false,
      bot: false,
      group: false,
      emojis: [],
    });
    const page = `${peer.origin}/w/8ZNA7ghtpJpVDkJ6vvZ5nC`;
    expect({ url: status.url, spoilerText: status.spoilerText, visibility: status.visibility }).toEqual({
      url: page,
      spoilerText: '',
      visibility: 'public',
    });
    expect(status.content).toContain('Woolly mammoths &amp; the last ice age');
    expect(status.content).toContain(`href="${page}"`);

    const { accounts } = await client.v2.search.list({ q: idOf(channel), resolve: true, type: 'accounts' });
    expect(accounts.map(accountShape)).toEqual([
      {
        acct: `mammoth_docs@${host}`,
        url: idOf(channel),
        uri: idOf(channel),
        displayName: 'Mammoth Documentaries',
        locked: false,
        bot: false,
        group: true,
        emojis: [],
      },
    ]);
  });

  it('Pixelfed: the account and photo post as Mastodon shows them', async () => {
    const s = styles.pixelfed;
    const status = await created(s);
    expect(accountShape(status.account)).toEqual({
      acct: `snapper@${host}`,
      url: `${peer.origin}/snapper`,
      uri: idOf(s),
      displayName: 'Snapper',
      locked: false,
      bot: false,
      group: false,
      emojis: [],
    });
    expect({
      url: status.url,
      visibility: status.visibility,
      tags: status.tags.map((tag) => tag.name),
    }).toEqual({
      url: `${peer.origin}/p/snapper/731000000000000001`,
      visibility: 'public',
      tags: ['elephant'],
    });
  });
});
