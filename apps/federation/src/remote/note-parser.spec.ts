import {
  normalizeHashtag,
  parseEmojiTags,
  parseNote,
  parsePoll,
  parseVote,
  type ParsedNote,
  POLL_BOUNDS,
  visibilityOf,
} from './note-parser';

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';
const now = new Date('2026-12-01T10:00:00.000Z');

/** Shaped as Mastodon's NoteSerializer writes a public reply with a mention, a hashtag and a CW. */
const mastodonNote = {
  id: 'https://mastodon.example/users/bob/statuses/1',
  type: 'Note',
  summary: 'cw',
  inReplyTo: 'https://here.example/users/alice/statuses/9',
  published: '2026-11-30T12:00:00Z',
  url: 'https://mastodon.example/@bob/1',
  attributedTo: 'https://mastodon.example/users/bob',
  to: [PUBLIC],
  cc: ['https://mastodon.example/users/bob/followers', 'https://here.example/users/alice'],
  sensitive: true,
  content:
    '<p><span class="h-card"><a href="https://here.example/@alice" class="u-url mention">@<span>alice</span></a></span> hi <a href="https://mastodon.example/tags/Caf%C3%A9" class="mention hashtag" rel="tag">#<span>Café</span></a></p>',
  contentMap: { en: '<p>ignored, content wins</p>' },
  attachment: [],
  tag: [
    { type: 'Mention', href: 'https://here.example/users/alice', name: '@alice@here.example' },
    { type: 'Hashtag', href: 'https://mastodon.example/tags/caf%C3%A9', name: '#Café' },
    { type: 'Emoji', id: 'https://mastodon.example/emojis/1', name: ':blob:' },
  ],
};

/** GoToSocial: a followers-only post, contentMap beside content, url as a string. */
const goToSocialNote = {
  id: 'https://gts.example/users/kim/statuses/01HX',
  type: 'Note',
  attributedTo: 'https://gts.example/users/kim',
  to: ['https://gts.example/users/kim/followers'],
  cc: ['https://here.example/users/alice'],
  content: '<p>followers only</p>',
  contentMap: { de: '<p>followers only</p>' },
  published: '2026-11-30T12:00:00Z',
  url: 'https://gts.example/@kim/statuses/01HX',
  sensitive: false,
  tag: { type: 'Mention', href: 'https://here.example/users/alice', name: '@alice@here.example' },
};

/** Misskey: MFM source beside the HTML, a quote, `as:Public` in cc. */
const misskeyNote = {
  id: 'https://misskey.example/notes/9abc',
  type: 'Note',
  attributedTo: 'https://misskey.example/users/9x',
  content: '<p><span>look</span></p>',
  _misskey_content: 'look',
  _misskey_quote: 'https://misskey.example/notes/8zzz',
  quoteUrl: 'https://misskey.example/notes/8zzz',
  published: '2026-11-30T12:00:00.000Z',
  to: ['https://misskey.example/users/9x/followers'],
  cc: ['as:Public'],
  tag: [],
};

/** Pleroma: a direct message, the Link-typed url, no `cc`. */
const pleromaNote = {
  id: 'https://pleroma.example/objects/5d2',
  type: 'Note',
  actor: 'https://pleroma.example/users/lain',
  attributedTo: 'https://pleroma.example/users/lain',
  content: 'psst',
  to: ['https://here.example/users/alice'],
  published: '2026-11-30T12:00:00.000000Z',
  url: [
    { type: 'Link', mediaType: 'application/json', href: 'https://pleroma.example/objects/5d2.json' },
    { type: 'Link', mediaType: 'text/html', href: 'https://pleroma.example/notice/5d2' },
  ],
  tag: [{ type: 'Mention', href: 'https://here.example/users/alice', name: '@alice@here.example' }],
};

const parsed = (value: unknown, activity = {}): ParsedNote => {
  const result = parseNote(value, activity, now);
  if (!result.ok) throw new Error(result.error);
  return result.note;
};

describe('parseNote', () => {
  it('reads a Mastodon note: content over contentMap, CW, sensitivity, reply, url, mentions, hashtags', () => {
    const note = parsed(mastodonNote);
    expect(note).toMatchObject({
      id: mastodonNote.id,
      attributedTo: 'https://mastodon.example/users/bob',
      content: mastodonNote.content,
      spoilerText: 'cw',
      sensitive: true,
      language: 'en',
      published: '2026-11-30T12:00:00.000Z',
      updated: null,
      inReplyTo: 'https://here.example/users/alice/statuses/9',
      url: 'https://mastodon.example/@bob/1',
      mentions: ['https://here.example/users/alice'],
      tags: ['cafe'],
    });
    expect(visibilityOf(note, 'https://mastodon.example/users/bob/followers')).toBe('public');
  });

  it('reads a GoToSocial followers-only note as private, and a single tag object', () => {
    const note = parsed(goToSocialNote);
    expect(note.mentions).toEqual(['https://here.example/users/alice']);
    expect(note.language).toBe('de');
    expect(visibilityOf(note, 'https://gts.example/users/kim/followers')).toBe('private');
  });

  it('reads a Misskey note: as:Public in cc is unlisted, its quote shown as a link', () => {
    const note = parsed(misskeyNote);
    expect(visibilityOf(note, 'https://misskey.example/users/9x/followers')).toBe('unlisted');
    expect(note.content).toBe(
      '<p><span>look</span></p><p class="quote-inline">RE: <a href="https://misskey.example/notes/8zzz">https://misskey.example/notes/8zzz</a></p>',
    );
  });

  it('reads a Pleroma direct message, preferring the text/html url', () => {
    const note = parsed(pleromaNote);
    expect(note.url).toBe('https://pleroma.example/notice/5d2');
    expect(visibilityOf(note, 'https://pleroma.example/users/lain/followers')).toBe('direct');
  });

  it('takes the first contentMap value and the activity’s addressing when the note has none', () => {
    const note = parsed(
      { id: 'https://p.example/n/1', type: 'Note', contentMap: { fr: '<p>salut</p>' } },
      { to: ['Public'] },
    );
    expect(note).toMatchObject({ content: '<p>salut</p>', language: 'fr', to: ['Public'] });
    expect(visibilityOf(note, null)).toBe('public');
  });

  it('converts an Article as Mastodon does: title, summary and a link, no content warning', () => {
    const note = parsed({
      id: 'https://blog.example/posts/1',
      type: 'Article',
      name: 'A <title>',
      summary: 'About things',
      content: '<p>the long body is not shown</p>',
      url: 'https://blog.example/2026/posts/1',
    });
    expect(note.content).toBe(
      '<p>A &lt;title&gt;</p><p>About things</p><p><a href="https://blog.example/2026/posts/1">https://blog.example/2026/posts/1</a></p>',
    );
    expect(note.spoilerText).toBe('');
  });

  it('keeps a Question as it is', () => {
    expect(parsed({ id: 'https://p.example/q/1', type: 'Question', content: 'which?' }).type).toBe(
      'Question',
    );
  });

  it('replaces an insane published year with now, and drops non-http urls (the id stands in) and replies', () => {
    const note = parsed({
      id: 'https://p.example/n/2',
      type: 'Note',
      content: 'x',
      published: '+010000-01-01T00:00:00Z',
      url: 'javascript:alert(1)',
      inReplyTo: 'ftp://p.example/n/1',
    });
    expect(note).toMatchObject({
      published: now.toISOString(),
      url: 'https://p.example/n/2',
      inReplyTo: null,
    });
  });

  it.each([
    ['another type', { id: 'https://p.example/n/3', type: 'Follow', content: 'x' }],
    ['a non-http id', { id: 'urn:x:1', type: 'Note', content: 'x' }],
    ['oversize content', { id: 'https://p.example/n/4', type: 'Note', content: 'x'.repeat(500_001) }],
    ['nothing to show', { id: 'https://p.example/n/5', type: 'Note', content: '   ' }],
    ['garbage', 'just a string'],
    ['an array', [1, 2]],
  ])('refuses %s', (_, value) => {
    expect(parseNote(value, {}, now).ok).toBe(false);
  });
});

describe('parseEmojiTags', () => {
  const emoji = (name: unknown, url: unknown, extra: Record<string, unknown> = {}) => ({
    id: `https://remote.example/emojis/${String(name)}`,
    type: 'Emoji',
    name,
    updated: '2026-11-01T00:00:00Z',
    icon: { type: 'Image', mediaType: 'image/png', url },
    ...extra,
  });

  it('reads an Emoji tag as Mastodon sends it: the shortcode without colons, the icon on any host', () => {
    expect(
      parseEmojiTags([
        { type: 'Mention', href: 'https://here.example/users/alice' },
        emoji(':blobcat:', 'https://files.cdn.example/emoji/blobcat.png'),
        { type: 'Hashtag', name: '#cats' },
        emoji('Party_Parrot_2', 'http://remote.example/parrot.gif'),
      ]),
    ).toEqual([
      { shortcode: 'blobcat', url: 'https://files.cdn.example/emoji/blobcat.png' },
      { shortcode: 'Party_Parrot_2', url: 'http://remote.example/parrot.gif' },
    ]);
  });

  it('takes an icon given as several images, or with a Link as its url', () => {
    expect(
      parseEmojiTags([
        emoji(':a1:', null, { icon: [{ type: 'Image', url: 'https://remote.example/a1.png' }] }),
        emoji(':b2:', { type: 'Link', href: 'https://remote.example/b2.png' }),
      ]),
    ).toEqual([
      { shortcode: 'a1', url: 'https://remote.example/a1.png' },
      { shortcode: 'b2', url: 'https://remote.example/b2.png' },
    ]);
  });

  it('skips an emoji without an http(s) icon URL', () => {
    expect(
      parseEmojiTags([
        emoji(':js:', 'javascript:alert(1)'),
        emoji(':data:', 'data:image/png;base64,AAAA'),
        emoji(':rel:', '/emoji/rel.png'),
        emoji(':num:', 42),
        emoji(':long:', `https://remote.example/${'x'.repeat(2100)}.png`),
        { type: 'Emoji', name: ':noicon:' },
        emoji(':ok:', 'https://remote.example/ok.png'),
      ]),
    ).toEqual([{ shortcode: 'ok', url: 'https://remote.example/ok.png' }]);
  });

  it('skips a bad shortcode, and the second of a repeated one', () => {
    const url = 'https://remote.example/e.png';
    expect(
      parseEmojiTags([
        emoji(':x:', url),
        emoji(':blob-cat:', url),
        emoji(':blöb:', url),
        emoji('::', url),
        emoji(':a b:', url),
        emoji(`:${'a'.repeat(101)}:`, url),
        emoji(7, url),
        emoji(':fine:', url),
        emoji('fine', 'https://remote.example/other.png'),
      ]),
    ).toEqual([{ shortcode: 'fine', url }]);
  });

  it('keeps at most 50 of them', () => {
    const many = Array.from({ length: 80 }, (_, i) => emoji(`:e${i}:`, `https://remote.example/${i}.png`));
    const kept = parseEmojiTags(many);
    expect(kept).toHaveLength(50);
    expect(kept[49]).toEqual({ shortcode: 'e49', url: 'https://remote.example/49.png' });
  });

  it('reads a single tag object, and nothing out of other values', () => {
    expect(parseEmojiTags(emoji(':solo:', 'https://remote.example/solo.png'))).toEqual([
      { shortcode: 'solo', url: 'https://remote.example/solo.png' },
    ]);
    for (const tag of [undefined, null, 'tag', 42, true, [null, 'x', 1, []], { type: 'Emoji' }])
      expect(parseEmojiTags(tag)).toEqual([]);
  });

  it('is what parseNote keeps with the note', () => {
    const note = parsed({
      ...mastodonNote,
      content: '<p>hi :blob: :blobcat:</p>',
      tag: [...mastodonNote.tag, emoji(':blobcat:', 'https://mastodon.example/e/blobcat.png')],
    });
    // Mastodon's note names an Emoji without an icon: skipped.
    expect(note.emojis).toEqual([{ shortcode: 'blobcat', url: 'https://mastodon.example/e/blobcat.png' }]);
    expect(parsed(goToSocialNote).emojis).toEqual([]);
  });
});

describe('visibilityOf', () => {
  it('reads followers in cc only as direct (Mastodon checks `to`)', () => {
    const note = parsed({
      ...goToSocialNote,
      to: ['https://here.example/users/alice'],
      cc: [goToSocialNote.to[0]],
    });
    expect(visibilityOf(note, goToSocialNote.to[0])).toBe('direct');
  });
});

describe('normalizeHashtag', () => {
  it('folds to ASCII, lower-cases and drops what is not a word character', () => {
    expect(normalizeHashtag('#Ünïcödé-Tag!')).toBe('unicodetag');
    expect(normalizeHashtag('#日本語')).toBe('日本語');
  });
});

/** Shaped as Mastodon's NoteSerializer writes a Question. */
const mastodonQuestion = {
  id: 'https://mastodon.example/users/bob/statuses/2',
  type: 'Question',
  attributedTo: 'https://mastodon.example/users/bob',
  to: [PUBLIC],
  cc: ['https://mastodon.example/users/bob/followers'],
  published: '2026-11-30T12:00:00Z',
  content: '<p>Tea or coffee?</p>',
  endTime: '2026-12-02T12:00:00Z',
  votersCount: 5,
  oneOf: [
    { type: 'Note', name: 'tea', replies: { type: 'Collection', totalItems: 3 } },
    { type: 'Note', name: 'coffee', replies: { type: 'Collection', totalItems: 2 } },
  ],
};

describe('parsePoll', () => {
  it('reads a single-choice Question: options, counts, end and voters', () => {
    expect(parsePoll(mastodonQuestion, now)).toEqual({
      options: ['tea', 'coffee'],
      tallies: [3, 2],
      multiple: false,
      expiresAt: '2026-12-02T12:00:00.000Z',
      votersCount: 5,
    });
    expect(parsed(mastodonQuestion).poll).toMatchObject({ options: ['tea', 'coffee'] });
  });

  it('reads anyOf as multiple choice, content when an option has no name, and bad counts as 0', () => {
    const { oneOf: _, ...rest } = mastodonQuestion;
    const poll = parsePoll(
      {
        ...rest,
        votersCount: -1,
        anyOf: [
          { type: 'Note', name: 'a', replies: { totalItems: 1.5 } },
          { type: 'Note', content: 'b', replies: { totalItems: 10 ** 12 } },
          { type: 'Note', name: '' },
          'garbage',
        ],
      },
      now,
    );
    expect(poll).toEqual({
      options: ['a', 'b'],
      tallies: [0, POLL_BOUNDS.tally],
      multiple: true,
      expiresAt: '2026-12-02T12:00:00.000Z',
      votersCount: null,
    });
  });

  it('ends a closed poll when it closed (now when `closed` says only that), an endless one never', () => {
    expect(parsePoll({ ...mastodonQuestion, closed: '2026-12-01T09:00:00Z' }, now)?.expiresAt).toBe(
      '2026-12-01T09:00:00.000Z',
    );
    expect(parsePoll({ ...mastodonQuestion, closed: true }, now)?.expiresAt).toBe(now.toISOString());
    expect(parsePoll({ ...mastodonQuestion, endTime: undefined }, now)?.expiresAt).toBeNull();
  });

  it('keeps a Question with content but an unusable poll as a note without one', () => {
    const many = Array.from({ length: POLL_BOUNDS.options + 1 }, (_, n) => ({ type: 'Note', name: `o${n}` }));
    for (const broken of [
      { oneOf: [] },
      { oneOf: many },
      { oneOf: 'tea' },
      { oneOf: [{ name: 'x'.repeat(10_001) }] },
    ])
      expect(parsed({ ...mastodonQuestion, ...broken }).poll).toBeNull();
    expect(parsePoll({ ...mastodonQuestion, type: 'Note' }, now)).toBeNull();
  });

  it('takes a Question with a poll and no content, refuses one with neither', () => {
    expect(parseNote({ ...mastodonQuestion, content: '' }, {}, now).ok).toBe(true);
    expect(parseNote({ ...mastodonQuestion, content: '', oneOf: [] }, {}, now).ok).toBe(false);
  });
});

describe('parseVote', () => {
  /** Shaped as Mastodon's VoteSerializer writes one. */
  const vote = {
    id: 'https://mastodon.example/users/bob#votes/12',
    type: 'Note',
    name: 'tea',
    attributedTo: 'https://mastodon.example/users/bob',
    inReplyTo: 'https://here.example/users/alice/statuses/9',
    to: 'https://here.example/users/alice',
  };

  it('reads a Note with a name, no content, in reply to a status', () => {
    expect(parseVote(vote)).toEqual({
      id: vote.id,
      name: 'tea',
      inReplyTo: vote.inReplyTo,
      attributedTo: vote.attributedTo,
      addressed: ['https://here.example/users/alice'],
    });
  });

  it.each([
    ['a reply with content', { ...vote, content: '<p>tea</p>' }],
    ['a reply with a contentMap', { ...vote, contentMap: { en: '<p>tea</p>' } }],
    ['no name', { ...vote, name: '' }],
    ['no inReplyTo', { ...vote, inReplyTo: null }],
    ['another type', { ...vote, type: 'Question' }],
    ['a non-http id', { ...vote, id: 'urn:x:1' }],
    ['garbage', 'tea'],
  ])('is no vote: %s', (_, value) => {
    expect(parseVote(value)).toBeNull();
  });
});
