import { ContractError, type RemoteActorDescription } from '@mammut/contracts';
import { generateKeyPairSync } from 'node:crypto';
import { asciiDomain, splitAcct } from './domains';
import { checkRemoteActor } from './remote-actor';

const LOCAL = 'social.example:3000';
const publicKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;

/** A Mastodon-shaped actor on `domain`, its handle confirmed through WebFinger. */
function remoteActor(
  username: string,
  domain: string,
  overrides: Partial<RemoteActorDescription> = {},
): RemoteActorDescription {
  const uri = `https://${domain}/users/${username}`;
  return {
    uri,
    username,
    domain,
    actorType: 'Person',
    url: `https://${domain}/@${username}`,
    displayName: username,
    note: '',
    avatarRemoteUrl: null,
    headerRemoteUrl: null,
    locked: false,
    discoverable: true,
    indexable: true,
    memorial: false,
    hideCollections: false,
    fields: [],
    inboxUrl: `${uri}/inbox`,
    sharedInboxUrl: null,
    outboxUrl: null,
    followersUrl: null,
    followingUrl: null,
    featuredCollectionUrl: null,
    publicKey,
    publicKeyId: `${uri}#main-key`,
    alsoKnownAs: [],
    movedToUri: null,
    published: null,
    emojis: [],
    webfingeredAt: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

/** The field names a refused description was refused for. */
function refusedFields(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ContractError && error.code === 'unprocessable')
      return Object.keys(error.details ?? {});
    throw error;
  }
  throw new Error('not refused');
}

describe('domains', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['example.com.', 'example.com'],
    ['127.0.0.1:3001', '127.0.0.1:3001'],
    [' peer.test:0443 ', 'peer.test:443'],
  ])('normalises %s to %s', (input, expected) => {
    expect(asciiDomain(input)).toBe(expected);
  });

  it.each([
    'https://example.com',
    'example.com/path',
    'user@example.com',
    '*.example.com',
    'a..b',
    'x:99999',
    '',
  ])('refuses %s', (input) => {
    expect(asciiDomain(input)).toBeNull();
  });

  it('splits accts as Mastodon does: the local domain is local, other domains normalised', () => {
    expect(splitAcct('@Bob', LOCAL)).toEqual({ username: 'Bob', domain: null });
    expect(splitAcct('bob@SOCIAL.example:3000', LOCAL)).toEqual({ username: 'bob', domain: null });
    expect(splitAcct('bob@Bücher.Example', LOCAL)).toEqual({
      username: 'bob',
      domain: 'xn--bcher-kva.example',
    });
    expect(splitAcct('@bob@peer.test@extra', LOCAL)).toEqual({ username: 'bob', domain: 'peer.test' });
  });
});

describe('checkRemoteActor', () => {
  it('normalises the domain, keeps URLs as given, derives bot and group from the actor type', () => {
    const actor = checkRemoteActor(
      remoteActor('Robot', 'Bücher.Example', {
        uri: 'https://xn--bcher-kva.example/users/Robot',
        actorType: 'Service',
      }),
      LOCAL,
    );
    expect(actor.domain).toBe('xn--bcher-kva.example');
    expect(actor.uri).toBe('https://xn--bcher-kva.example/users/Robot');
    expect(actor.username).toBe('Robot');
    expect(actor).toMatchObject({ bot: true, group: false, actorType: 'Service' });
    expect(checkRemoteActor(remoteActor('club', 'peer.test', { actorType: 'Group' }), LOCAL)).toMatchObject({
      bot: false,
      group: true,
    });
  });

  it('sanitizes the note and field values, and keeps field verification times', () => {
    const actor = checkRemoteActor(
      remoteActor('alice', 'peer.test', {
        note: '<p>Hi<script>alert(1)</script> <img src=x onerror=alert(1)><b>there</b></p>',
        fields: [
          {
            name: ' Site ',
            value: '<a href="https://alice.example" rel="me">alice.example</a><img src=x onerror=alert(1)>',
            verifiedAt: '2024-01-02T03:04:05Z',
          },
        ],
      }),
      LOCAL,
    );
    expect(actor.noteHtml).toBe('<p>Hi <b>there</b></p>');
    expect(actor.fields).toEqual([
      {
        name: 'Site',
        value: '<a href="https://alice.example" rel="nofollow noopener" target="_blank">alice.example</a>',
        valueSource: '',
        verifiedAt: '2024-01-02T03:04:05.000Z',
      },
    ]);
  });

  it('falls back to the uri for a profile URL on another host, as Mastodon does', () => {
    const elsewhere = checkRemoteActor(
      remoteActor('alice', 'peer.test', { url: 'https://evil.test/@alice' }),
      LOCAL,
    );
    expect(elsewhere.url).toBe('https://peer.test/users/alice');
    const none = checkRemoteActor(remoteActor('alice', 'peer.test', { url: null }), LOCAL);
    expect(none.url).toBe('https://peer.test/users/alice');
  });

  it('accepts a uri on another host than the handle only when WebFinger confirmed the handle', () => {
    const split = remoteActor('alice', 'example.org', { uri: 'https://social.example.org/users/alice' });
    expect(checkRemoteActor(split, LOCAL).domain).toBe('example.org');
    expect(refusedFields(() => checkRemoteActor({ ...split, webfingeredAt: undefined }, LOCAL))).toEqual([
      'uri',
    ]);
  });

  it('refuses the local domain, a uri on this server, and malformed domains, usernames, URLs and keys', () => {
    expect(refusedFields(() => checkRemoteActor(remoteActor('alice', 'Social.Example:3000'), LOCAL))).toEqual(
      ['domain', 'uri'],
    );
    expect(
      refusedFields(() =>
        checkRemoteActor(
          remoteActor('alice', 'peer.test', { uri: 'http://social.example:3000/users/alice' }),
          LOCAL,
        ),
      ),
    ).toEqual(['uri']);
    expect(refusedFields(() => checkRemoteActor(remoteActor('alice', 'peer.test/x'), LOCAL))).toContain(
      'domain',
    );
    expect(refusedFields(() => checkRemoteActor(remoteActor('-alice', 'peer.test'), LOCAL))).toEqual([
      'username',
    ]);
    expect(
      refusedFields(() =>
        checkRemoteActor(
          remoteActor('alice', 'peer.test', {
            uri: 'ftp://peer.test/alice',
            inboxUrl: 'javascript:alert(1)',
          }),
          LOCAL,
        ),
      ),
    ).toEqual(['uri', 'inbox_url']);
    expect(
      refusedFields(() =>
        checkRemoteActor(remoteActor('alice', 'peer.test', { publicKey: 'not a key' }), LOCAL),
      ),
    ).toEqual(['public_key']);
    expect(
      refusedFields(() =>
        checkRemoteActor(remoteActor('alice', 'peer.test', { published: 'yesterday' }), LOCAL),
      ),
    ).toEqual(['published']);
  });
});
