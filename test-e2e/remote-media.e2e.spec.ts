import { contracts } from '@mammut/contracts';
import { randomUUID } from 'node:crypto';
import type { mastodon } from 'masto';
import sharp from 'sharp';
import { twoToneImage } from '../apps/media/src/attachments/test-images';
import { animatedGif } from '../apps/media/src/attachments/test-media';
import { withMediaCleanup } from '../apps/media/src/cleanup/media-cleanup';
import { seedUsers, type SeededUser } from './support/factories';
import { clientOf, followAcross } from './support/federation';
import { deliverSigned, keyPair, Peer } from './support/peer';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';

jest.setTimeout(120_000);

const FEDERATING = { FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' };
const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';
const BLURHASH = 'LEHV6nWB2yk8pyo0adR*.7kCMdnj';

/**
 * Media across servers: a local status's attachments leave as Documents (type, URL, alt text,
 * blurhash, focal point, size), and a remote status's attachments arrive as attachments of their
 * own, fetched through the guarded client into the local cache (the bytes decide what they are),
 * linked through the media proxy until then; a domain whose media is rejected keeps them as links
 * that fetch nothing; deleting the status takes the cache along.
 */
describe('remote media', () => {
  const a = useTestSystem(FEDERATING);
  const b = useTestSystem(FEDERATING);
  const peer = new Peer();
  const blocked = new Peer();
  const keys = keyPair();
  let alice: SeededUser;
  let bob: SeededUser;
  let bobClient: mastodon.rest.Client;

  beforeAll(async () => {
    await peer.start();
    await blocked.start();
    [alice] = await seedUsers(a.t, ['alice']);
    [bob] = await seedUsers(b.t, ['bob']);
    bobClient = clientOf(b.t, bob);
    await followAcross(b.t, bob, `alice@${a.t.domain}`);
    await b.t.system.runtime.bus.request(contracts.federation.domainBlocks.create, {
      domain: new URL(blocked.origin).host,
      severity: 'noop',
      rejectMedia: true,
    });
  });

  afterAll(async () => {
    await peer.stop();
    await blocked.stop();
  });

  /** bob's view of the status with `uri`, once it arrived. */
  const seenByBob = async (uri: string): Promise<mastodon.v1.Status> => {
    const { statuses } = await bobClient.v2.search.list({ q: uri, resolve: true, type: 'statuses' });
    expect(statuses).toHaveLength(1);
    return statuses[0];
  };

  it('sends a status’s image to a follower’s server, which caches it and shows it with its alt text', async () => {
    const aliceClient = clientOf(a.t, alice);
    const media = await aliceClient.v1.media.create({
      file: new Blob([await twoToneImage(160, 90, 'png')], { type: 'image/png' }),
      description: 'red and blue',
      focus: '0.25,0.5',
    });
    const posted = await aliceClient.v1.statuses.create({ status: 'a picture', mediaIds: [media.id] });
    const home = await pollUntil(
      async () => await bobClient.v1.timelines.home.list(),
      (statuses) => statuses.some((status) => status.uri === posted.uri),
      20_000,
    );
    const arrived = home.find((status) => status.uri === posted.uri)!;
    expect(arrived.mediaAttachments).toHaveLength(1);
    expect(arrived.mediaAttachments[0]).toMatchObject({
      type: 'image',
      remoteUrl: media.url,
      description: 'red and blue',
      blurhash: media.blurhash,
      meta: { focus: { x: 0.25, y: 0.5 } },
    });

    // Cached by b's media service: served from b, the same picture.
    const cached = await pollUntil(
      async () => (await bobClient.v1.statuses.$select(arrived.id).fetch()).mediaAttachments[0],
      (attachment) => attachment.url?.startsWith(`${b.t.url}/system/media_attachments/`) ?? false,
      20_000,
    );
    const served = await fetch(cached.url!);
    expect(served.headers.get('content-type')).toBe('image/png');
    const meta = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([160, 90]);
    expect(cached.meta?.original).toMatchObject({ width: 160, height: 90 });
    expect(cached.previewUrl).toMatch(new RegExp(`^${b.t.url}/system/media_attachments/.*/small/`));

    // Deleted at its origin: gone from b with its cached files.
    await aliceClient.v1.statuses.$select(posted.id).remove();
    await pollUntil(
      () => fetch(cached.url!).then((response) => response.status),
      (status) => status === 404,
      20_000,
    );
  });

  /** pat on `server` posts a note with `attachment` to bob, who follows nobody there: a mention. */
  const deliverNote = async (server: Peer, attachment: unknown[]): Promise<string> => {
    const pat = server.person('pat', keys.publicKey);
    const uri = `${pat}/statuses/${randomUUID()}`;
    const bobUri = `${b.t.url}/users/bob`;
    const response = await deliverSigned(
      `${b.t.url}/users/bob/inbox`,
      JSON.stringify({
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${uri}/activity`,
        type: 'Create',
        actor: pat,
        object: {
          id: uri,
          type: 'Note',
          attributedTo: pat,
          published: new Date().toISOString(),
          to: [PUBLIC],
          cc: [bobUri],
          content: '',
          tag: [{ type: 'Mention', href: bobUri, name: `@bob@${b.t.domain}` }],
          attachment,
        },
      }),
      { keyId: `${pat}#main-key`, privateKeyPem: keys.privateKey },
    );
    expect(response.status).toBe(202);
    await settled(b.t);
    return uri;
  };

  it('takes a peer’s attachments as Mastodon reads them, fetching the files it may and no more', async () => {
    const picture = await twoToneImage(64, 48, 'jpeg');
    peer.serve('/files/picture.jpg', picture, 'image/jpeg');
    peer.serve('/files/notes.txt', Buffer.from('just words, not media'), 'image/png');
    const uri = await deliverNote(peer, [
      {
        type: 'Document',
        mediaType: 'image/jpeg',
        url: `${peer.origin}/files/picture.jpg`,
        name: 'alt from name',
        summary: 'alt from summary',
        blurhash: BLURHASH,
        focalPoint: [-0.5, 1],
        width: 64,
        height: 48,
      },
      // A Link list, a blurhash no client could read, a focal point out of range.
      {
        type: 'Image',
        url: [{ type: 'Link', mediaType: 'image/png', href: `${peer.origin}/files/notes.txt` }],
        blurhash: 'not a blurhash',
        focalPoint: [3, 0],
      },
      { type: 'PropertyValue', name: 'no url', value: 'skipped' },
      { type: 'Document', mediaType: 'image/png', url: 'ftp://files.example/x.png' },
    ]);
    const status = await seenByBob(uri);
    // The first one's blurhash is the peer's until the file is here, then the one made from it.
    expect(status.mediaAttachments.map((m) => [m.type, m.remoteUrl, m.description, m.blurhash])).toEqual([
      ['image', `${peer.origin}/files/picture.jpg`, 'alt from summary', expect.stringMatching(/^.{28,36}$/)],
      ['image', `${peer.origin}/files/notes.txt`, null, null],
    ]);
    expect(status.mediaAttachments[0].meta?.focus).toEqual({ x: -0.5, y: 1 });
    expect(status.mediaAttachments[1].meta?.focus).toBeUndefined();

    const cached = await pollUntil(
      async () => (await bobClient.v1.statuses.$select(status.id).fetch()).mediaAttachments,
      (media) => media[0].url?.includes('/system/') ?? false,
      20_000,
    );
    expect((await fetch(cached[0].url!)).status).toBe(200);
    // Not media at all: it stays a link through the proxy, which has nothing to redirect to.
    expect(cached[1].url).toBe(`${b.t.url}/media_proxy/${cached[1].id}/original`);
    const proxied = await fetch(cached[1].url!, { redirect: 'manual' });
    expect(proxied.status).toBe(404);
    expect(peer.gets.filter((get) => get.path === '/files/notes.txt').length).toBe(1);

    // The proxy of a cached file redirects to it.
    const redirect = await fetch(`${b.t.url}/media_proxy/${cached[0].id}/original`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(cached[0].url);

    // `mammut media remove` clears the cache; the proxy fetches the file again when someone looks.
    await b.db.query(
      `UPDATE media.media_attachments SET fetched_at = now() - interval '8 days' WHERE id = $1`,
      [cached[0].id],
    );
    expect(
      await withMediaCleanup(b.t.system.runtime.config, (cleanup) => cleanup.removeRemoteCache(7)),
    ).toBeGreaterThanOrEqual(1);
    expect((await fetch(cached[0].url!)).status).toBe(404);
    const uncached = (await bobClient.v1.statuses.$select(status.id).fetch()).mediaAttachments[0];
    expect(uncached.url).toBe(`${b.t.url}/media_proxy/${cached[0].id}/original`);
    const refetched = await fetch(uncached.url!, { redirect: 'manual' });
    expect(refetched.status).toBe(302);
    const location = refetched.headers.get('location')!;
    expect(location).toMatch(new RegExp(`^${b.t.url}/system/media_attachments/`));
    expect((await fetch(location)).status).toBe(200);
    expect(peer.gets.filter((get) => get.path === '/files/picture.jpg').length).toBe(2);

    for (const bad of [
      '/media_proxy/abc/original',
      `/media_proxy/${cached[0].id}/huge`,
      '/media_proxy/1/original',
    ])
      expect((await fetch(`${b.t.url}${bad}`, { redirect: 'manual' })).status).toBe(404);
  });

  it('keeps a rejected domain’s media as links and never fetches them', async () => {
    blocked.serve('/files/picture.png', await twoToneImage(32, 32), 'image/png');
    const uri = await deliverNote(blocked, [
      {
        type: 'Document',
        mediaType: 'image/png',
        url: `${blocked.origin}/files/picture.png`,
        name: 'kept as a link',
      },
    ]);
    const status = await seenByBob(uri);
    const [attachment] = status.mediaAttachments;
    expect(attachment).toMatchObject({
      type: 'unknown',
      remoteUrl: `${blocked.origin}/files/picture.png`,
      description: 'kept as a link',
    });
    expect((await fetch(attachment.url!, { redirect: 'manual' })).status).toBe(404);
    await settled(b.t);
    expect(blocked.gets.filter((get) => get.path.startsWith('/files/'))).toEqual([]);
  });

  it('caches a remote account’s avatar and header here, and never fetches a rejected domain’s', async () => {
    const images = (server: Peer, name: string) => ({
      icon: { type: 'Image', mediaType: 'image/png', url: `${server.origin}/files/${name}-avatar.png` },
      image: { type: 'Image', mediaType: 'image/png', url: `${server.origin}/files/${name}-header.png` },
    });
    for (const [server, name] of [
      [peer, 'ida'],
      [blocked, 'ned'],
    ] as const) {
      server.serve(`/files/${name}-avatar.png`, await twoToneImage(600, 600), 'image/png');
      server.serve(`/files/${name}-header.png`, await twoToneImage(1600, 600), 'image/png');
      server.webfinger(name, server.person(name, keys.publicKey, { extra: images(server, name) }));
    }
    const resolve = async (acct: string): Promise<mastodon.v1.Account> => {
      const { accounts } = await bobClient.v2.search.list({ q: acct, resolve: true, type: 'accounts' });
      expect(accounts).toHaveLength(1);
      return accounts[0];
    };

    const idaAcct = `ida@${new URL(peer.origin).host}`;
    await resolve(idaAcct);
    const ida = await pollUntil(
      () => resolve(idaAcct),
      (account) =>
        account.avatar.includes('/accounts/avatars/') && account.header.includes('/accounts/headers/'),
      20_000,
    );
    // Copies here, sized as Mastodon's styles size them: a client never loads them from ida's server.
    for (const [url, box] of [
      [ida.avatar, { width: 400, height: 400 }],
      [ida.header, { width: 1414, height: 530 }],
    ] as const) {
      expect(url.startsWith(b.t.url)).toBe(true);
      const response = await fetch(url);
      expect(response.status).toBe(200);
      const { width, height } = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      expect({ width, height }).toEqual(box);
    }
    expect(ida.avatarStatic).toBe(ida.avatar);

    // Its server names another avatar, an animated GIF: the new one is fetched and stays animated
    // beside its still first frame, the old copy removed.
    peer.serve('/files/ida-avatar-2.gif', await animatedGif(3), 'image/gif');
    peer.person('ida', keys.publicKey, {
      extra: {
        ...images(peer, 'ida'),
        icon: { type: 'Image', url: `${peer.origin}/files/ida-avatar-2.gif` },
      },
    });
    const update = await deliverSigned(
      `${b.t.url}/inbox`,
      JSON.stringify({
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${peer.origin}/users/ida#updates/${randomUUID()}`,
        type: 'Update',
        actor: `${peer.origin}/users/ida`,
        object: peer.actors.get('/users/ida'),
      }),
      { keyId: `${peer.origin}/users/ida#main-key`, privateKeyPem: keys.privateKey },
    );
    expect(update.status).toBe(202);
    const changed = await pollUntil(
      () => resolve(idaAcct),
      (account) => account.avatar !== ida.avatar && account.avatar.includes('/accounts/avatars/'),
      20_000,
    );
    expect(changed.header).toBe(ida.header);
    expect(changed.avatar).toMatch(/\/original\/[0-9a-f]{16}\.gif$/);
    expect(changed.avatarStatic).toMatch(/\/static\/[0-9a-f]{16}\.png$/);
    for (const [url, type, frames] of [
      [changed.avatar, 'image/gif', 3],
      [changed.avatarStatic, 'image/png', 1],
    ] as const) {
      const response = await fetch(url);
      expect([response.status, response.headers.get('content-type')]).toEqual([200, type]);
      const meta = await sharp(Buffer.from(await response.arrayBuffer()), { animated: true }).metadata();
      expect([meta.pages ?? 1, meta.width]).toEqual([frames, 400]);
    }
    await pollUntil(
      () => fetch(ida.avatar).then((response) => response.status),
      (status) => status === 404,
      20_000,
    );

    // A domain whose media is rejected: the default images, and nothing asked of its server.
    const ned = await resolve(`ned@${new URL(blocked.origin).host}`);
    await settled(b.t);
    expect(ned.avatar).toMatch(/\/avatars\/original\/missing\.png$/);
    expect(blocked.gets.filter((get) => get.path.startsWith('/files/ned'))).toEqual([]);
  });
});
