import type { AccountRecord, PollRecord, StatusEditRecord, StatusRecord } from '@mammut/contracts';
import { serializeAccount } from './accounts.serializer';
import type { SerializeContext } from './context';
import { serializeEmojis } from './emojis.serializer';
import { serializePoll, serializeStatusEdit } from './polls.serializer';
import { type MStatus, type StatusContext, serializeStatus, statusJsonText } from './statuses.serializer';

const ctx: SerializeContext = { origin: 'https://example.test', localDomain: 'example.test' };

const emoji = (shortcode: string) => ({ shortcode, url: `https://remote.example/emoji/${shortcode}.png` });
const entity = (shortcode: string) => ({
  shortcode,
  url: `https://remote.example/emoji/${shortcode}.png`,
  static_url: `https://remote.example/emoji/${shortcode}.png`,
  visible_in_picker: false,
});
const carried = ['blobcat', 'party', 'unused', 'wave', 'ok_hand'].map(emoji);

const bob: AccountRecord = Object.freeze({
  id: '2',
  username: 'bob',
  domain: 'remote.example',
  displayName: 'Bob :blobcat:',
  note: '<p>I like :party: hats</p>',
  noteSource: '',
  uri: 'https://remote.example/users/bob',
  url: null,
  avatarUrl: null,
  headerUrl: null,
  locked: false,
  bot: false,
  group: false,
  discoverable: null,
  indexable: false,
  hideCollections: null,
  fields: [{ name: 'Mood :wave:', value: 'fine', valueSource: '', verifiedAt: null }],
  createdAt: '2026-01-01T00:00:00.000Z',
  lastStatusAt: null,
  statusesCount: 1,
  followersCount: 0,
  followingCount: 0,
  suspended: false,
  limited: false,
  memorial: false,
  movedToAccountId: null,
  emojis: carried,
});

const poll: PollRecord = {
  id: '50',
  statusId: '10',
  accountId: '2',
  options: ['yes :ok_hand:', 'no'],
  tallies: [1, 0],
  multiple: false,
  hideTotals: false,
  expiresAt: null,
  expired: false,
  votesCount: 1,
  votersCount: 1,
  voted: false,
  ownVotes: [],
};

const status: StatusRecord = Object.freeze({
  id: '10',
  uri: 'https://remote.example/users/bob/statuses/10',
  url: null,
  accountId: '2',
  local: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  editedAt: null,
  text: '',
  content: '<p>hello :blobcat: and 12:30:45 and a:wave:b</p>',
  spoilerText: 'cw :party:',
  sensitive: true,
  language: 'en',
  visibility: 'public' as const,
  inReplyToId: null,
  inReplyToAccountId: null,
  reblogOfId: null,
  applicationId: null,
  pollId: '50',
  mediaIds: [],
  mentions: [],
  tags: [],
  repliesCount: 0,
  reblogsCount: 0,
  favouritesCount: 0,
  emojis: carried,
});

const parsed = (text: string): MStatus => JSON.parse(text) as MStatus;

const context = (extra: Partial<StatusContext> = {}): StatusContext => ({
  accounts: new Map([[bob.id, bob]]),
  viewerId: null,
  polls: new Map([[poll.id, poll]]),
  ...extra,
});

describe('custom emoji of remote objects', () => {
  it('lists those a text uses as Mastodon finds :shortcode:, in the order they came', () => {
    expect(serializeEmojis(carried, ['<p>:wave::blobcat:</p>', ':party:x', 'x:unused:'])).toEqual([]);
    expect(serializeEmojis(carried, ['<p>:wave: :blobcat:</p>', ':party:\n'])).toEqual([
      entity('blobcat'),
      entity('party'),
      entity('wave'),
    ]);
    expect(serializeEmojis(undefined, [':blobcat:'])).toEqual([]);
  });

  it('shows on a status only those its content, spoiler text and poll options use', () => {
    const expected = [entity('blobcat'), entity('party'), entity('ok_hand')];
    expect(serializeStatus(status, context(), ctx).emojis).toEqual(expected);
    expect(parsed(statusJsonText(status, context(), ctx)).emojis).toEqual(expected);
    // The poll did not come along: its options are not searched.
    expect(serializeStatus(status, context({ polls: new Map() }), ctx).emojis).toEqual(expected.slice(0, 2));
    expect(parsed(statusJsonText(status, context({ polls: new Map() }), ctx)).emojis).toEqual(
      expected.slice(0, 2),
    );
    expect(serializeStatus(status, context(), ctx).poll?.emojis).toEqual([entity('ok_hand')]);
  });

  it('shows on an account only those its display name, note and fields use; none when suspended', () => {
    expect(serializeAccount(bob, ctx).emojis).toEqual([entity('blobcat'), entity('party'), entity('wave')]);
    expect(serializeAccount({ ...bob, suspended: true }, ctx).emojis).toEqual([]);
    expect(serializeAccount({ ...bob, emojis: [] }, ctx).emojis).toEqual([]);
  });

  it('shows on a version of a status those that version uses', () => {
    const edit: StatusEditRecord = {
      accountId: '2',
      text: '',
      content: '<p>now :wave:</p>',
      spoilerText: '',
      sensitive: false,
      createdAt: '2026-01-02T00:00:00.000Z',
      pollOptions: [':ok_hand:', 'no'],
      emojis: carried,
      mediaIds: [],
    };
    expect(serializeStatusEdit(edit, new Map([[bob.id, bob]]), ctx).emojis).toEqual([
      entity('wave'),
      entity('ok_hand'),
    ]);
    expect(serializePoll(poll, null).emojis).toEqual([]);
  });
});
