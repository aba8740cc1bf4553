import { contracts } from '@mammut/contracts';
import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers } from './support/factories';
import { deliverSigned, keyPair, Peer } from './support/peer';
import { pollUntil } from './support/poll';
import { useTestSystem } from './support/system';

jest.setTimeout(60_000);

/**
 * A domain blocked with `reject_media` (here with severity noop) keeps its accounts, without their
 * avatar, header and custom emoji, as Mastodon downloads none of them; the same actor shape on a
 * server not blocked keeps them all.
 */
describe('a domain whose media is rejected', () => {
  const sut = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });
  const blocked = new Peer();
  const open = new Peer();
  let client: mastodon.rest.Client;
  const keys = keyPair();

  /** Serves `pat` on `peer` with an avatar, a header and a custom emoji in the display name. */
  const pat = (peer: Peer): void => {
    const id = peer.person('pat', keys.publicKey);
    const document = peer.actors.get('/users/pat') as Record<string, unknown>;
    peer.serve('/users/pat', {
      ...document,
      name: 'Pat :wave:',
      icon: { type: 'Image', mediaType: 'image/png', url: `${peer.origin}/files/pat.png` },
      image: { type: 'Image', mediaType: 'image/png', url: `${peer.origin}/files/pat-header.png` },
      tag: [
        {
          type: 'Emoji',
          id: `${peer.origin}/emojis/wave`,
          name: ':wave:',
          icon: { type: 'Image', mediaType: 'image/png', url: `${peer.origin}/emojis/wave.png` },
        },
      ],
    });
    peer.webfinger('pat', id);
  };

  const resolve = async (peer: Peer): Promise<mastodon.v1.Account> => {
    const { accounts } = await client.v2.search.list({
      q: `@pat@${new URL(peer.origin).host}`,
      resolve: true,
      type: 'accounts',
    });
    expect(accounts).toHaveLength(1);
    return accounts[0];
  };

  beforeAll(async () => {
    await blocked.start();
    await open.start();
    pat(blocked);
    pat(open);
    const [alice] = await seedUsers(sut.t, ['alice']);
    client = createRestAPIClient({ url: sut.t.url, accessToken: alice.token });
    await sut.t.system.runtime.bus.request(contracts.federation.domainBlocks.create, {
      domain: new URL(blocked.origin).host,
      severity: 'noop',
      rejectMedia: true,
    });
  });

  afterAll(async () => {
    await blocked.stop();
    await open.stop();
  });

  /** The images the account's copy names on its server: what the media service will fetch. */
  const remoteImages = async (account: mastodon.v1.Account) => {
    const { actors } = await sut.t.system.runtime.bus.request(contracts.accounts.remote.getActors, {
      ids: [account.id],
    });
    return { avatar: actors[0]?.avatarRemoteUrl, header: actors[0]?.headerRemoteUrl };
  };

  it('keeps the account without its avatar, header and custom emoji', async () => {
    const account = await resolve(blocked);
    expect(account).toMatchObject({ displayName: 'Pat :wave:', emojis: [] });
    expect(await remoteImages(account)).toEqual({ avatar: null, header: null });
  });

  /** pat on `peer` mentions alice in a public note with the :wave: emoji; the status as alice sees it. */
  const waveFrom = async (peer: Peer, n: number): Promise<mastodon.v1.Status> => {
    const actor = `${peer.origin}/users/pat`;
    const id = `${actor}/statuses/${n}`;
    const alice = `${sut.t.url}/users/alice`;
    const create = {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${id}/activity`,
      type: 'Create',
      actor,
      to: ['https://www.w3.org/ns/activitystreams#Public'],
      cc: [alice],
      object: {
        id,
        type: 'Note',
        attributedTo: actor,
        content: `<p><a href="${sut.t.url}/@alice" class="mention">@alice</a> hello :wave:</p>`,
        published: new Date().toISOString(),
        to: ['https://www.w3.org/ns/activitystreams#Public'],
        cc: [alice],
        tag: [
          { type: 'Mention', href: alice, name: '@alice' },
          {
            type: 'Emoji',
            id: `${peer.origin}/emojis/wave`,
            name: ':wave:',
            icon: { type: 'Image', mediaType: 'image/png', url: `${peer.origin}/emojis/wave.png` },
          },
        ],
      },
    };
    const response = await deliverSigned(`${sut.t.url}/inbox`, JSON.stringify(create), {
      keyId: `${actor}#main-key`,
      privateKeyPem: keys.privateKey,
    });
    expect(response.status).toBe(202);
    const mentions = await pollUntil(
      async () => await client.v1.notifications.list({ types: ['mention'] }),
      (list) => list.some((notification) => notification.status?.uri === id),
      10_000,
    );
    return mentions.find((notification) => notification.status?.uri === id)?.status as mastodon.v1.Status;
  };

  it('keeps its statuses without custom emoji, and an open server’s with them', async () => {
    expect((await waveFrom(blocked, 1)).emojis).toEqual([]);
    expect((await waveFrom(open, 1)).emojis.map((emoji) => emoji.shortcode)).toEqual(['wave']);
  });

  it('keeps them all for the same account on a server not blocked', async () => {
    const account = await resolve(open);
    expect(account.emojis.map((emoji) => emoji.shortcode)).toEqual(['wave']);
    expect(await remoteImages(account)).toEqual({
      avatar: `${open.origin}/files/pat.png`,
      header: `${open.origin}/files/pat-header.png`,
    });
  });
});
