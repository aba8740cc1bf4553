import type {
  ActorRecord,
  MediaAttachmentRecord,
  PollRecord,
  StatusRecord,
  Visibility,
} from '@mammut/contracts';
import { contentTypeOfKey } from '@mammut/platform';

export const ACTIVITY_STREAMS = 'https://www.w3.org/ns/activitystreams';
export const PUBLIC_COLLECTION = `${ACTIVITY_STREAMS}#Public`;

/**
 * The `@context` Mastodon gives statuses and the activities carrying them: ActivityStreams plus the
 * terms its NoteSerializer uses outside AS (OStatus-era `atomUri`, `sensitive`, `Hashtag`).
 */
export const NOTE_CONTEXT = [
  ACTIVITY_STREAMS,
  {
    ostatus: 'http://ostatus.org#',
    atomUri: 'ostatus:atomUri',
    inReplyToAtomUri: 'ostatus:inReplyToAtomUri',
    conversation: 'ostatus:conversation',
    sensitive: 'as:sensitive',
    toot: 'http://joinmastodon.org/ns#',
    votersCount: 'toot:votersCount',
    blurhash: 'toot:blurhash',
    focalPoint: { '@container': '@list', '@id': 'toot:focalPoint' },
    Hashtag: 'as:Hashtag',
  },
] as const;

export interface NoteHost {
  /** `https://example.com`: hashtags link to `<origin>/tags/<name>`. */
  readonly publicOrigin: string;
}

/** A local status with what its Note names besides itself. */
export interface NoteSubject {
  readonly status: StatusRecord;
  readonly author: ActorRecord;
  /** The accounts it mentions, in the order the status lists them (missing ones left out). */
  readonly mentions: readonly ActorRecord[];
  /** The ActivityPub id of the status it replies to; null when none, or when that one is gone. */
  readonly inReplyToUri: string | null;
  /** Its poll (read without a viewer): the status is then a Question. */
  readonly poll: PollRecord | null;
  /** Its media attachments, in the status's order (missing ones left out). */
  readonly media?: readonly MediaAttachmentRecord[];
}

export interface Addressing {
  readonly to: string[];
  readonly cc: string[];
}

type Json = Record<string, unknown>;

/** Mastodon's timestamps: ISO 8601 in UTC, whole seconds. */
const timestamp = (iso: string): string => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The followers collection of a local actor (its actor document publishes it there). */
export const followersOf = (actor: ActorRecord): string => `${actor.uri}/followers`;

/**
 * `to`/`cc` by visibility, as Mastodon's TagManager addresses them: public to everyone with
 * followers copied, unlisted the other way round, private to followers, direct to the mentioned
 * only; the mentioned (and the followers of a mentioned group) are copied on any other.
 */
export function addressing(
  visibility: Visibility,
  followers: string,
  mentions: readonly ActorRecord[],
): Addressing {
  const mentioned = [
    ...new Set(
      mentions.flatMap((actor) =>
        actor.actorType === 'Group' && actor.followersUrl ? [actor.uri, actor.followersUrl] : [actor.uri],
      ),
    ),
  ];
  switch (visibility) {
    case 'public':
      return { to: [PUBLIC_COLLECTION], cc: [followers, ...mentioned] };
    case 'unlisted':
      return { to: [followers], cc: [PUBLIC_COLLECTION, ...mentioned] };
    case 'private':
      return { to: [followers], cc: mentioned };
    case 'direct':
      return { to: mentioned, cc: [] };
  }
}

/** `@user` for a local account, `@user@domain` for a remote one, as Mention tags name them. */
const handleOf = (actor: ActorRecord): string =>
  actor.domain === null ? `@${actor.username}` : `@${actor.username}@${actor.domain}`;

/**
 * The Note (a Question when it has a poll) of a local status, as Mastodon's NoteSerializer gives
 * it, without `@context`.
 */
export function noteOf(
  { status, author, mentions, inReplyToUri, poll, media = [] }: NoteSubject,
  host: NoteHost,
): Json {
  const { to, cc } = addressing(status.visibility, followersOf(author), mentions);
  return {
    id: status.uri,
    type: poll ? 'Question' : 'Note',
    summary: status.spoilerText || null,
    inReplyTo: inReplyToUri,
    published: timestamp(status.createdAt),
    ...(status.editedAt ? { updated: timestamp(status.editedAt) } : {}),
    url: status.url ?? status.uri,
    attributedTo: author.uri,
    to,
    cc,
    sensitive: status.sensitive,
    atomUri: status.uri,
    inReplyToAtomUri: inReplyToUri,
    content: status.content,
    ...(status.language ? { contentMap: { [status.language]: status.content } } : {}),
    attachment: media.flatMap(documentOf),
    tag: [
      ...mentions.map((actor) => ({ type: 'Mention', href: actor.uri, name: handleOf(actor) })),
      ...status.tags.map((name) => ({
        type: 'Hashtag',
        href: `${host.publicOrigin}/tags/${encodeURIComponent(name)}`,
        name: `#${name}`,
      })),
    ],
    ...(poll ? question(poll) : {}),
  };
}

/**
 * An attachment as Mastodon's NoteSerializer::MediaAttachmentSerializer gives it: a Document with
 * its type, the original's URL, alt text as `name`, blurhash, focal point and size when known.
 * One not processed (no URL yet) is left out, as Mastodon leaves out what it cannot link.
 */
function documentOf(attachment: MediaAttachmentRecord): Json[] {
  if (!attachment.url) return [];
  const original = attachment.meta.original;
  const focus = attachment.meta.focus;
  return [
    {
      type: 'Document',
      mediaType: contentTypeOfKey(new URL(attachment.url).pathname),
      url: attachment.url,
      name: attachment.description,
      blurhash: attachment.blurhash,
      ...(focus ? { focalPoint: [focus.x, focus.y] } : {}),
      ...(original ? { width: original.width, height: original.height } : {}),
    },
  ];
}

/**
 * A poll's part of a Question: its options with their votes (null while the author hides them,
 * as Mastodon hides them), when it ends, `closed` once it has.
 */
const question = (poll: PollRecord): Json => {
  const showTotals = !poll.hideTotals || poll.expired;
  return {
    [poll.multiple ? 'anyOf' : 'oneOf']: poll.options.map((name, n) => ({
      type: 'Note',
      name,
      replies: { type: 'Collection', totalItems: showTotals ? (poll.tallies[n] ?? 0) : null },
    })),
    ...(poll.expiresAt ? { endTime: timestamp(poll.expiresAt) } : {}),
    ...(poll.expired && poll.expiresAt ? { closed: timestamp(poll.expiresAt) } : {}),
    votersCount: poll.votersCount,
  };
};

/** The Note as a document of its own, served at its id. */
export const noteDocument = (subject: NoteSubject, host: NoteHost): Json => ({
  '@context': NOTE_CONTEXT,
  ...noteOf(subject, host),
});

/** `Create{Note}` at `<note>/activity`, addressed as the note, the note inline. */
export function createOf(subject: NoteSubject, host: NoteHost): Json {
  const note = noteOf(subject, host);
  return {
    '@context': NOTE_CONTEXT,
    id: `${subject.status.uri}/activity`,
    type: 'Create',
    actor: subject.author.uri,
    published: note.published,
    to: note.to,
    cc: note.cc,
    object: note,
  };
}

/** `Update{Note}` after an edit: the whole new version, its id unique per edit (`#updates/<epoch>`). */
export function updateOf(subject: NoteSubject, host: NoteHost): Json {
  const note = noteOf(subject, host);
  const editedAt = subject.status.editedAt ?? subject.status.createdAt;
  return {
    '@context': NOTE_CONTEXT,
    id: `${subject.status.uri}#updates/${Math.floor(Date.parse(editedAt) / 1000)}`,
    type: 'Update',
    actor: subject.author.uri,
    published: timestamp(editedAt),
    to: note.to,
    cc: note.cc,
    object: note,
  };
}

/**
 * `Update{Question}` when a local poll's counts change or it closes, as Mastodon's
 * UpdatePollSerializer: the whole Question, its `updated` unchanged (so receivers refresh the
 * counts without taking it for an edit), its id unique per state of the counts.
 */
export function pollUpdateOf(subject: NoteSubject & { poll: PollRecord }, host: NoteHost): Json {
  const note = noteOf(subject, host);
  const { votesCount, votersCount, expired } = subject.poll;
  return {
    '@context': NOTE_CONTEXT,
    id: `${subject.status.uri}#updates/poll-${votesCount}-${votersCount}${expired ? '-closed' : ''}`,
    type: 'Update',
    actor: subject.author.uri,
    to: note.to,
    cc: note.cc,
    object: note,
  };
}

/** A local account's vote on a remote poll: one per option chosen. */
export interface VoteSubject {
  readonly voteId: string;
  readonly voterUri: string;
  /** The option's title. */
  readonly name: string;
  readonly statusUri: string;
  readonly pollAuthorUri: string;
}

/**
 * `Create{Note}` of a vote, as Mastodon's VoteSerializer: a Note naming the option, in reply to
 * the poll's status, addressed to the poll's author alone, and sent to that author's inbox only.
 */
export function voteOf(vote: VoteSubject): Json {
  const id = `${vote.voterUri}#votes/${vote.voteId}`;
  return {
    '@context': ACTIVITY_STREAMS,
    id: `${id}/activity`,
    type: 'Create',
    actor: vote.voterUri,
    to: vote.pollAuthorUri,
    object: {
      id,
      type: 'Note',
      name: vote.name,
      attributedTo: vote.voterUri,
      inReplyTo: vote.statusUri,
      to: vote.pollAuthorUri,
    },
  };
}

/** `Delete{Tombstone}` of a status, to everyone as Mastodon sends it (receivers know whom it reached). */
export const deleteOf = (uri: string, authorUri: string): Json => ({
  '@context': NOTE_CONTEXT,
  id: `${uri}#delete`,
  type: 'Delete',
  actor: authorUri,
  to: [PUBLIC_COLLECTION],
  object: { id: uri, type: 'Tombstone', atomUri: uri },
});

/** A local reblog as its Announce names it. */
export interface ReblogSubject {
  /** The reblog's own id and uri (`<booster>/statuses/<id>/activity`). */
  readonly id: string;
  readonly uri: string;
  readonly visibility: Visibility;
  /** When it was made; null when no longer known (an Undo names the Announce by id). */
  readonly createdAt: string | null;
  readonly booster: ActorRecord;
  /** The ActivityPub ids of the status shared and of its author. */
  readonly originalUri: string;
  readonly originalAuthorUri: string;
}

const announceObject = (reblog: ReblogSubject): Json => {
  const { to, cc } = addressing(reblog.visibility, followersOf(reblog.booster), []);
  return {
    id: reblog.uri,
    type: 'Announce',
    actor: reblog.booster.uri,
    ...(reblog.createdAt ? { published: timestamp(reblog.createdAt) } : {}),
    to,
    // The author of the shared status hears of it (Mastodon's TagManager#cc puts it first).
    cc: [reblog.originalAuthorUri, ...cc.filter((uri) => uri !== reblog.originalAuthorUri)],
    object: reblog.originalUri,
  };
};

/** `Announce` of a reblog: the shared status by its uri, addressed by the reblog's visibility. */
export const announceOf = (reblog: ReblogSubject): Json => ({
  '@context': ACTIVITY_STREAMS,
  ...announceObject(reblog),
});

/** `Undo{Announce}` when a reblog is withdrawn, the Announce inline. */
export const undoAnnounceOf = (reblog: ReblogSubject): Json => ({
  '@context': ACTIVITY_STREAMS,
  id: `${reblog.booster.uri}#announces/${reblog.id}/undo`,
  type: 'Undo',
  actor: reblog.booster.uri,
  to: [PUBLIC_COLLECTION],
  object: announceObject(reblog),
});

/** A local account's favourite of a remote status. */
export interface LikeSubject {
  readonly favouriteId: string;
  readonly actorUri: string;
  readonly statusUri: string;
}

const likeObject = ({ favouriteId, actorUri, statusUri }: LikeSubject): Json => ({
  id: `${actorUri}#likes/${favouriteId}`,
  type: 'Like',
  actor: actorUri,
  object: statusUri,
});

/** `Like`: unaddressed, as Mastodon sends it only to the author's inbox. */
export const likeOf = (like: LikeSubject): Json => ({ '@context': ACTIVITY_STREAMS, ...likeObject(like) });

/** `Undo{Like}` when the favourite is withdrawn, the Like inline. */
export const undoLikeOf = (like: LikeSubject): Json => ({
  '@context': ACTIVITY_STREAMS,
  id: `${like.actorUri}#likes/${like.favouriteId}/undo`,
  type: 'Undo',
  actor: like.actorUri,
  object: likeObject(like),
});
