import type { AccountRecord, MediaAttachmentRecord, PollRecord, StatusRecord } from '@mammut/contracts';
import type { SerializeContext } from './context';
import { type MStatus, type StatusContext, serializeStatus, statusJsonText } from './statuses.serializer';

const parsed = (text: string): MStatus => JSON.parse(text) as MStatus;

const ctx: SerializeContext = { origin: 'https://example.test', localDomain: 'example.test' };

const account = (id: string, username: string, extra: Partial<AccountRecord> = {}): AccountRecord =>
  Object.freeze({
    id,
    username,
    domain: null,
    displayName: username,
    note: '',
    noteSource: '',
    uri: `https://example.test/users/${username}`,
    url: null,
    avatarUrl: null,
    headerUrl: null,
    locked: false,
    bot: false,
    group: false,
    discoverable: null,
    indexable: false,
    hideCollections: null,
    fields: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    lastStatusAt: null,
    statusesCount: 1,
    followersCount: 0,
    followingCount: 0,
    suspended: false,
    limited: false,
    memorial: false,
    movedToAccountId: null,
    emojis: [],
    ...extra,
  });

const status = (id: string, accountId: string, extra: Partial<StatusRecord> = {}): StatusRecord =>
  Object.freeze({
    id,
    uri: `https://example.test/users/x/statuses/${id}`,
    url: null,
    accountId,
    local: true,
    createdAt: '2026-01-02T00:00:00.000Z',
    editedAt: null,
    text: `text of ${id}`,
    content: `<p>text of ${id} "quoted" \u2028</p>`,
    spoilerText: '',
    sensitive: false,
    language: 'en',
    visibility: 'public',
    inReplyToId: null,
    inReplyToAccountId: null,
    reblogOfId: null,
    applicationId: null,
    pollId: null,
    mediaIds: [],
    mentions: [],
    tags: ['cats'],
    repliesCount: 0,
    reblogsCount: 0,
    favouritesCount: 2,
    emojis: [],
    ...extra,
  });

const alice = account('1', 'alice');
const bob = account('2', 'bob');
const poll: PollRecord = {
  id: '50',
  statusId: '12',
  accountId: '2',
  options: ['yes', 'no'],
  tallies: [1, 0],
  multiple: false,
  hideTotals: false,
  expiresAt: '2026-02-01T00:00:00.000Z',
  expired: false,
  votesCount: 1,
  votersCount: 1,
  voted: true,
  ownVotes: [0],
};

const original = status('10', '2', { mentions: ['1'] });
const reblog = status('11', '1', { reblogOfId: '10', content: '', tags: [] });
const withPoll = status('12', '2', { pollId: '50' });

const base = (viewerId: string | null, extra: Partial<StatusContext> = {}): StatusContext => ({
  accounts: new Map([
    [alice.id, alice],
    [bob.id, bob],
  ]),
  viewerId,
  shared: new Map([[original.id, original]]),
  polls: new Map([[poll.id, poll]]),
  ...extra,
});

describe('statuses as JSON text', () => {
  const cases: [string, StatusRecord, StatusContext][] = [
    ['anonymous', original, base(null)],
    [
      'a viewer with flags and a filter',
      original,
      base('1', {
        favourited: new Set(['10']),
        bookmarked: new Set(['10']),
        muted: new Set(['10']),
        filtered: new Map([
          [
            '10',
            [
              {
                filter: {
                  id: '7',
                  title: 'f',
                  context: ['home'],
                  action: 'warn',
                  expiresAt: null,
                  keywords: [],
                  statuses: [],
                },
                keywordMatches: ['text'],
                statusMatches: null,
              },
            ],
          ],
        ]),
      }),
    ],
    ["the author's own, pinned", original, base('2', { pinned: new Set(['10']) })],
    ['a reblog, inside it the status it shares', reblog, base('1', { reblogged: new Set(['10']) })],
    ['with its poll and the viewer’s votes', withPoll, base('1')],
    ['with its source text', original, base('2', { withText: true })],
  ];

  it.each(cases)('says what the entity says: %s', (_name, record, context) => {
    const text = statusJsonText(record, context, ctx);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(serializeStatus(record, context, ctx))));
    // Twice: the second comes from the text kept beside the record.
    expect(statusJsonText(record, context, ctx)).toBe(text);
  });

  it('renders again when the author or a mentioned account is a new record', () => {
    expect(parsed(statusJsonText(original, base(null), ctx)).account.followers_count).toBe(0);
    const followed = account('2', 'bob', { followersCount: 5 });
    const renamed = account('1', 'alice', { username: 'alicia' });
    const changed = base(null, {
      accounts: new Map([
        [renamed.id, renamed],
        [followed.id, followed],
      ]),
    });
    const seen = parsed(statusJsonText(original, changed, ctx));
    expect(seen.account.followers_count).toBe(5);
    expect(seen.mentions[0].acct).toBe('alicia');
  });

  it('renders again when an attachment is a new record (its description edited), not otherwise', () => {
    const attachment = (description: string): MediaAttachmentRecord =>
      Object.freeze({
        id: '50',
        accountId: '1',
        statusId: '30',
        type: 'image' as const,
        processing: 'complete' as const,
        processingError: null,
        url: 'https://example.test/system/50.jpg',
        previewUrl: 'https://example.test/system/50-small.jpg',
        meta: {},
        description,
        blurhash: null,
        remoteUrl: null,
        createdAt: '2026-01-02T00:00:00.000Z',
      });
    const pictured = status('30', '1', { mediaIds: ['50'] });
    const first = attachment('a mammoth');
    const withMedia = (record: MediaAttachmentRecord): StatusContext =>
      base(null, { media: new Map([[record.id, record]]) });
    const text = statusJsonText(pictured, withMedia(first), ctx);
    expect(parsed(text).media_attachments).toMatchObject([{ id: '50', description: 'a mammoth' }]);
    expect(statusJsonText(pictured, withMedia(first), ctx)).toBe(text);
    const described = parsed(statusJsonText(pictured, withMedia(attachment('two mammoths')), ctx));
    expect(described.media_attachments).toMatchObject([{ id: '50', description: 'two mammoths' }]);
    expect(parsed(statusJsonText(pictured, base(null, { media: new Map() }), ctx)).media_attachments).toEqual(
      [],
    );
  });

  it('keeps nothing for a record that is not frozen (one that crossed NATS)', () => {
    const loose = { ...original, favouritesCount: 1 };
    expect(parsed(statusJsonText(loose, base(null), ctx)).favourites_count).toBe(1);
    loose.favouritesCount = 3;
    expect(parsed(statusJsonText(loose, base(null), ctx)).favourites_count).toBe(3);
  });
});
