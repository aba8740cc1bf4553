import type { ActorRecord, MediaAttachmentRecord, PollRecord, StatusRecord } from '@mammut/contracts';
import {
  announceOf,
  createOf,
  deleteOf,
  likeOf,
  NOTE_CONTEXT,
  pollUpdateOf,
  noteDocument,
  type NoteSubject,
  type ReblogSubject,
  undoAnnounceOf,
  undoLikeOf,
  updateOf,
  voteOf,
} from './note-documents';
import { parsePoll } from '../remote/note-parser';

const host = { publicOrigin: 'https://here.example' };
const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';

const actor = (id: string, username: string, domain: string | null, uri: string): ActorRecord => ({
  id,
  username,
  domain,
  displayName: '',
  note: '',
  noteSource: '',
  uri,
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
  statusesCount: 0,
  followersCount: 0,
  followingCount: 0,
  suspended: false,
  limited: false,
  memorial: false,
  movedToAccountId: null,
  emojis: [],
  actorType: 'Person',
  inboxUrl: domain ? `${uri}/inbox` : null,
  sharedInboxUrl: null,
  outboxUrl: null,
  followersUrl: domain ? `${uri}/followers` : null,
  followingUrl: null,
  featuredCollectionUrl: null,
  publicKey: null,
  publicKeyId: null,
  alsoKnownAs: [],
  movedToUri: null,
  avatarRemoteUrl: null,
  headerRemoteUrl: null,
  lastWebfingeredAt: null,
  fetchedAt: null,
});

const alice = actor('1', 'alice', null, 'https://here.example/users/alice');
const carol = actor('2', 'carol', null, 'https://here.example/users/carol');
const bob = actor('3', 'bob', 'remote.example', 'https://remote.example/users/bob');
const club = {
  ...actor('4', 'club', 'remote.example', 'https://remote.example/groups/club'),
  actorType: 'Group' as const,
};

const aliceStatus = 'https://here.example/users/alice/statuses/110';

const status = (overrides: Partial<StatusRecord> = {}): StatusRecord => ({
  id: '110',
  uri: aliceStatus,
  url: 'https://here.example/@alice/110',
  accountId: '1',
  local: true,
  createdAt: '2026-11-30T12:34:56.789Z',
  editedAt: null,
  text: 'hi @bob@remote.example @carol #Cats',
  content: '<p>hi …</p>',
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
  mentions: ['3', '2'],
  tags: ['cats'],
  repliesCount: 0,
  reblogsCount: 0,
  favouritesCount: 0,
  emojis: [],
  ...overrides,
});

const subject = (overrides: Partial<StatusRecord> = {}, mentions = [bob, carol]): NoteSubject => ({
  status: status(overrides),
  author: alice,
  mentions,
  inReplyToUri: null,
  poll: null,
});

describe('the Note of a local status', () => {
  it('is the document Mastodon serves for a public status', () => {
    expect(noteDocument(subject(), host)).toEqual({
      '@context': NOTE_CONTEXT,
      id: aliceStatus,
      type: 'Note',
      summary: null,
      inReplyTo: null,
      published: '2026-11-30T12:34:56Z',
      url: 'https://here.example/@alice/110',
      attributedTo: 'https://here.example/users/alice',
      to: [PUBLIC],
      cc: ['https://here.example/users/alice/followers', 'https://remote.example/users/bob', carol.uri],
      sensitive: false,
      atomUri: aliceStatus,
      inReplyToAtomUri: null,
      content: '<p>hi …</p>',
      contentMap: { en: '<p>hi …</p>' },
      attachment: [],
      tag: [
        { type: 'Mention', href: 'https://remote.example/users/bob', name: '@bob@remote.example' },
        { type: 'Mention', href: 'https://here.example/users/carol', name: '@carol' },
        { type: 'Hashtag', href: 'https://here.example/tags/cats', name: '#cats' },
      ],
    });
  });

  it('addresses each visibility as Mastodon does, a mentioned group with its followers', () => {
    const followers = 'https://here.example/users/alice/followers';
    const address = (visibility: StatusRecord['visibility'], mentions = [bob]) => {
      const note = noteDocument(subject({ visibility }, mentions), host);
      return { to: note.to, cc: note.cc };
    };
    expect(address('unlisted')).toEqual({ to: [followers], cc: [PUBLIC, bob.uri] });
    expect(address('private')).toEqual({ to: [followers], cc: [bob.uri] });
    expect(address('direct')).toEqual({ to: [bob.uri], cc: [] });
    expect(address('direct', [bob, club])).toEqual({
      to: [bob.uri, club.uri, 'https://remote.example/groups/club/followers'],
      cc: [],
    });
  });

  it('carries its warning, its parent, its edit time, and no contentMap without a language', () => {
    const note = noteDocument(
      {
        ...subject({
          spoilerText: 'spoilers',
          sensitive: true,
          language: null,
          editedAt: '2026-11-30T13:00:00.000Z',
          tags: [],
        }),
        mentions: [],
        inReplyToUri: 'https://remote.example/notes/9',
      },
      host,
    );
    expect(note).toMatchObject({
      summary: 'spoilers',
      sensitive: true,
      inReplyTo: 'https://remote.example/notes/9',
      inReplyToAtomUri: 'https://remote.example/notes/9',
      updated: '2026-11-30T13:00:00Z',
      tag: [],
    });
    expect(note).not.toHaveProperty('contentMap');
  });
});

describe('the attachments of a local status', () => {
  const media = (id: string, overrides: Partial<MediaAttachmentRecord> = {}): MediaAttachmentRecord => ({
    id,
    accountId: '1',
    statusId: '110',
    type: 'image',
    processing: 'complete',
    processingError: null,
    url: `https://here.example/system/media_attachments/files/000/000/000/000/000/${id}/original/abcdef0123456789.png`,
    previewUrl: `https://here.example/system/media_attachments/files/000/000/000/000/000/${id}/small/abcdef0123456789.png`,
    meta: {
      original: { width: 1200, height: 800, size: '1200x800', aspect: 1.5 },
      small: { width: 480, height: 320, size: '480x320', aspect: 1.5 },
      focus: { x: 0.5, y: -0.25 },
    },
    description: 'a red and a blue half',
    blurhash: 'UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH',
    remoteUrl: null,
    createdAt: '2026-11-30T12:34:00.000Z',
    ...overrides,
  });

  it('are Documents in order, as Mastodon sends them: type, URL, alt text, blurhash, focal point, size', () => {
    const note = noteDocument(
      {
        ...subject({ mediaIds: ['222', '111'] }, []),
        media: [
          media('222', { url: media('222').url!.replace('.png', '.jpg'), meta: {}, description: null }),
          media('111'),
        ],
      },
      host,
    );
    expect(note['@context']).toEqual(NOTE_CONTEXT);
    expect(NOTE_CONTEXT[1]).toMatchObject({
      blurhash: 'toot:blurhash',
      focalPoint: { '@container': '@list', '@id': 'toot:focalPoint' },
    });
    expect(note.attachment).toEqual([
      {
        type: 'Document',
        mediaType: 'image/jpeg',
        url: 'https://here.example/system/media_attachments/files/000/000/000/000/000/222/original/abcdef0123456789.jpg',
        name: null,
        blurhash: 'UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH',
      },
      {
        type: 'Document',
        mediaType: 'image/png',
        url: 'https://here.example/system/media_attachments/files/000/000/000/000/000/111/original/abcdef0123456789.png',
        name: 'a red and a blue half',
        blurhash: 'UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH',
        focalPoint: [0.5, -0.25],
        width: 1200,
        height: 800,
      },
    ]);
  });

  it('leaves out one not processed', () => {
    const note = noteDocument(
      { ...subject({}, []), media: [media('1', { url: null, processing: 'failed' })] },
      host,
    );
    expect(note.attachment).toEqual([]);
  });
});

describe('the Question of a local status with a poll', () => {
  const poll: PollRecord = {
    id: '140',
    statusId: '110',
    accountId: '1',
    options: ['tea', 'coffee'],
    tallies: [3, 1],
    multiple: false,
    hideTotals: false,
    expiresAt: '2026-12-01T12:00:00.000Z',
    expired: false,
    votesCount: 4,
    votersCount: 4,
    voted: true,
    ownVotes: [],
  };
  const questionOf = (overrides: Partial<typeof poll>) =>
    noteDocument({ ...subject({ pollId: '140' }, []), poll: { ...poll, ...overrides } }, host);

  it('lists a single-choice poll as oneOf with its votes, and when it ends', () => {
    expect(questionOf({})).toMatchObject({
      type: 'Question',
      oneOf: [
        { type: 'Note', name: 'tea', replies: { type: 'Collection', totalItems: 3 } },
        { type: 'Note', name: 'coffee', replies: { type: 'Collection', totalItems: 1 } },
      ],
      endTime: '2026-12-01T12:00:00Z',
      votersCount: 4,
    });
    expect(questionOf({})).not.toHaveProperty('closed');
  });

  it('lists a multiple-choice poll as anyOf, hides hidden totals until it closes, then says when it did', () => {
    const hidden = questionOf({ multiple: true, hideTotals: true });
    expect(hidden).not.toHaveProperty('oneOf');
    expect(hidden.anyOf).toEqual([
      { type: 'Note', name: 'tea', replies: { type: 'Collection', totalItems: null } },
      { type: 'Note', name: 'coffee', replies: { type: 'Collection', totalItems: null } },
    ]);
    const closed = questionOf({ multiple: true, hideTotals: true, expired: true });
    expect(closed).toMatchObject({
      anyOf: [{ replies: { totalItems: 3 } }, { replies: { totalItems: 1 } }],
      closed: '2026-12-01T12:00:00Z',
    });
  });

  it('names no end for a poll without one', () => {
    const endless = questionOf({ expiresAt: null });
    expect(endless).not.toHaveProperty('endTime');
    expect(endless).not.toHaveProperty('closed');
  });

  it('sends new counts as an Update of the Question, its id per state, not dated as an edit', () => {
    const update = pollUpdateOf(
      { ...subject({ pollId: '140' }, []), poll: { ...poll, expired: true } },
      host,
    );
    expect(update).toMatchObject({
      '@context': NOTE_CONTEXT,
      id: `${aliceStatus}#updates/poll-4-4-closed`,
      type: 'Update',
      actor: alice.uri,
      to: [PUBLIC],
      object: { id: aliceStatus, type: 'Question', closed: '2026-12-01T12:00:00Z' },
    });
    expect(update.object).not.toHaveProperty('updated');
    // What a receiving server reads back is the poll as it stands.
    expect(parsePoll(update.object as Record<string, unknown>)).toEqual({
      options: ['tea', 'coffee'],
      tallies: [3, 1],
      multiple: false,
      expiresAt: '2026-12-01T12:00:00.000Z',
      votersCount: 4,
    });
  });
});

describe('a vote on a remote poll', () => {
  it('is a Create of a Note naming the option, in reply to the poll, to its author alone', () => {
    const bobPoll = 'https://remote.example/users/bob/statuses/7';
    expect(
      voteOf({ voteId: '55', voterUri: alice.uri, name: 'tea', statusUri: bobPoll, pollAuthorUri: bob.uri }),
    ).toEqual({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${alice.uri}#votes/55/activity`,
      type: 'Create',
      actor: alice.uri,
      to: bob.uri,
      object: {
        id: `${alice.uri}#votes/55`,
        type: 'Note',
        name: 'tea',
        attributedTo: alice.uri,
        inReplyTo: bobPoll,
        to: bob.uri,
      },
    });
  });
});

describe('the activities of a local status', () => {
  it('wraps the Note in a Create at <note>/activity, addressed as the note', () => {
    const create = createOf(subject({ visibility: 'unlisted' }, []), host);
    const { '@context': _context, ...note } = noteDocument(subject({ visibility: 'unlisted' }, []), host);
    expect(create).toEqual({
      '@context': NOTE_CONTEXT,
      id: `${aliceStatus}/activity`,
      type: 'Create',
      actor: alice.uri,
      published: '2026-11-30T12:34:56Z',
      to: ['https://here.example/users/alice/followers'],
      cc: [PUBLIC],
      object: note,
    });
  });

  it('sends an edit as Update, its id unique per edit', () => {
    const update = updateOf(subject({ editedAt: '2026-11-30T13:00:00.000Z' }), host);
    expect(update).toMatchObject({
      id: `${aliceStatus}#updates/1796043600`,
      type: 'Update',
      actor: alice.uri,
      published: '2026-11-30T13:00:00Z',
      to: [PUBLIC],
      object: { id: aliceStatus, type: 'Note', updated: '2026-11-30T13:00:00Z' },
    });
  });

  it('deletes with a Tombstone, to everyone', () => {
    expect(deleteOf(aliceStatus, alice.uri)).toEqual({
      '@context': NOTE_CONTEXT,
      id: `${aliceStatus}#delete`,
      type: 'Delete',
      actor: alice.uri,
      to: [PUBLIC],
      object: { id: aliceStatus, type: 'Tombstone', atomUri: aliceStatus },
    });
  });
});

describe('reblogs and favourites', () => {
  const reblog: ReblogSubject = {
    id: '120',
    uri: 'https://here.example/users/carol/statuses/120/activity',
    visibility: 'public',
    createdAt: '2026-11-30T14:00:00.000Z',
    booster: carol,
    originalUri: 'https://remote.example/notes/9',
    originalAuthorUri: bob.uri,
  };

  it('announces a reblog by the shared status uri, its author copied first', () => {
    expect(announceOf(reblog)).toEqual({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: 'https://here.example/users/carol/statuses/120/activity',
      type: 'Announce',
      actor: carol.uri,
      published: '2026-11-30T14:00:00Z',
      to: [PUBLIC],
      cc: [bob.uri, 'https://here.example/users/carol/followers'],
      object: 'https://remote.example/notes/9',
    });
    expect(announceOf({ ...reblog, visibility: 'private' })).toMatchObject({
      to: ['https://here.example/users/carol/followers'],
      cc: [bob.uri],
    });
  });

  it('undoes an Announce with the Announce inline', () => {
    const undo = undoAnnounceOf({ ...reblog, createdAt: null });
    expect(undo).toEqual({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: 'https://here.example/users/carol#announces/120/undo',
      type: 'Undo',
      actor: carol.uri,
      to: [PUBLIC],
      object: {
        id: reblog.uri,
        type: 'Announce',
        actor: carol.uri,
        to: [PUBLIC],
        cc: [bob.uri, 'https://here.example/users/carol/followers'],
        object: 'https://remote.example/notes/9',
      },
    });
  });

  it('likes unaddressed, and undoes the Like inline', () => {
    const like = { favouriteId: '130', actorUri: alice.uri, statusUri: 'https://remote.example/notes/9' };
    expect(likeOf(like)).toEqual({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: 'https://here.example/users/alice#likes/130',
      type: 'Like',
      actor: alice.uri,
      object: 'https://remote.example/notes/9',
    });
    expect(undoLikeOf(like)).toEqual({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: 'https://here.example/users/alice#likes/130/undo',
      type: 'Undo',
      actor: alice.uri,
      object: {
        id: 'https://here.example/users/alice#likes/130',
        type: 'Like',
        actor: alice.uri,
        object: 'https://remote.example/notes/9',
      },
    });
  });
});
