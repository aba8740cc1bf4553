import { parseActorDocument } from './actor-document-parser';

const ID = 'https://gts.example/users/goose';

const document = (fields: Record<string, unknown>) => ({
  '@context': ['https://w3id.org/security/v1', 'https://www.w3.org/ns/activitystreams'],
  id: ID,
  type: 'Person',
  preferredUsername: 'goose',
  inbox: `${ID}/inbox`,
  publicKey: { id: `${ID}/main-key`, owner: ID, publicKeyPem: 'PEM' },
  ...fields,
});

const urlOf = (fields: Record<string, unknown>): string | null => {
  const parsed = parseActorDocument(document(fields), ID);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.actor.url;
};

describe('parseActorDocument', () => {
  it('keeps a profile page on the actor’s own host, the text/html link of several', () => {
    expect(urlOf({ url: 'https://gts.example/@goose' })).toBe('https://gts.example/@goose');
    expect(
      urlOf({
        url: [
          { type: 'Link', mediaType: 'application/activity+json', href: ID },
          { type: 'Link', mediaType: 'text/html', href: 'https://gts.example/@goose' },
        ],
      }),
    ).toBe('https://gts.example/@goose');
  });

  it('drops a profile page that is not a http(s) link', () => {
    expect(urlOf({ url: 'javascript:alert(1)' })).toBeNull();
    expect(urlOf({ url: 42 })).toBeNull();
    expect(urlOf({})).toBeNull();
  });

  it('takes the first of several icons, as PeerTube sends them, and keys without a fragment', () => {
    const parsed = parseActorDocument(
      document({
        icon: [
          { type: 'Image', url: 'https://gts.example/a-48.png' },
          { type: 'Image', url: 'https://gts.example/a-120.png' },
        ],
      }),
      ID,
    );
    expect(parsed.ok && parsed.actor.avatarRemoteUrl).toBe('https://gts.example/a-48.png');
    expect(parsed.ok && parsed.keys.map((key) => key.id)).toEqual([`${ID}/main-key`]);
  });

  it('keeps the custom emoji of its Emoji tags, skipping bad ones', () => {
    const parsed = parseActorDocument(
      document({
        name: 'Goose :honk:',
        tag: [
          { type: 'Hashtag', name: '#birds' },
          {
            type: 'Emoji',
            name: ':honk:',
            icon: { type: 'Image', mediaType: 'image/png', url: 'https://cdn.example/honk.png' },
          },
          { type: 'Emoji', name: ':bad:', icon: { type: 'Image', url: 'ftp://gts.example/bad.png' } },
        ],
      }),
      ID,
    );
    expect(parsed.ok && parsed.actor.emojis).toEqual([
      { shortcode: 'honk', url: 'https://cdn.example/honk.png' },
    ]);
    const without = parseActorDocument(document({ tag: 'nonsense' }), ID);
    expect(without.ok && without.actor.emojis).toEqual([]);
  });
});
