import type { AccountRecord, MediaAttachmentRecord, PollRecord, StatusRecord } from '@mammut/contracts';
import { localAccountUrl, serializeAccount } from './accounts.serializer';
import type { SerializeContext } from './context';
import { serializeEmojis } from './emojis.serializer';
import type { MAccount, MCustomEmoji } from './entities';
import type { FilterMatch } from './filters';
import { type MFilterResult, serializeFilterResult } from './filters.serializer';
import { type MMediaAttachment, serializeMediaAttachment } from './media.serializer';
import { type MPoll, serializePoll } from './polls.serializer';

export interface MMention {
  id: string;
  username: string;
  url: string;
  acct: string;
}

export interface MStatusTag {
  name: string;
  url: string;
}

/** Mastodon's Status entity, as far as Mammut fills it today (no cards or quotes yet). */
export interface MStatus {
  id: string;
  created_at: string;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  sensitive: boolean;
  spoiler_text: string;
  visibility: StatusRecord['visibility'];
  language: string | null;
  uri: string;
  url: string | null;
  replies_count: number;
  reblogs_count: number;
  favourites_count: number;
  quotes_count: number;
  edited_at: string | null;
  favourited?: boolean;
  reblogged?: boolean;
  muted?: boolean;
  bookmarked?: boolean;
  pinned?: boolean;
  content: string;
  filtered?: MFilterResult[];
  reblog: MStatus | null;
  application?: { name: string; website: string | null } | null;
  account: MAccount;
  media_attachments: unknown[];
  mentions: MMention[];
  tags: MStatusTag[];
  emojis: MCustomEmoji[];
  card: null;
  poll: MPoll | null;
  /** The source text: only in the answer to DELETE, for delete-and-redraft. */
  text?: string;
}

/** What a status is presented with: its author and mentioned accounts, and what the viewer did to it. */
export interface StatusContext {
  readonly accounts: ReadonlyMap<string, AccountRecord>;
  /** Present with a user token: the viewer-relative flags are then part of the entity. */
  readonly viewerId: string | null;
  /** Whether to include the source text (DELETE). */
  readonly withText?: boolean;
  /** Of the statuses presented, those the viewer favourited, bookmarked, reblogged and pinned. */
  readonly favourited?: ReadonlySet<string>;
  readonly bookmarked?: ReadonlySet<string>;
  readonly reblogged?: ReadonlySet<string>;
  readonly pinned?: ReadonlySet<string>;
  /** Of the statuses presented, those of threads the viewer muted. */
  readonly muted?: ReadonlySet<string>;
  /** The statuses reblogs share, by id (a reblog is presented with the status it shares inside). */
  readonly shared?: ReadonlyMap<string, StatusRecord>;
  /** Of the statuses presented, the viewer's filters each matches (by status id). */
  readonly filtered?: ReadonlyMap<string, readonly FilterMatch[]>;
  /** The polls of the statuses presented, by poll id, with the viewer's votes. */
  readonly polls?: ReadonlyMap<string, PollRecord>;
  /** The media attachments of the statuses presented, by attachment id. */
  readonly media?: ReadonlyMap<string, MediaAttachmentRecord>;
}

/** A status's attachments in its order, those that came with the page (a deleted one is left out). */
function attachmentsOf(record: StatusRecord, status: StatusContext): MediaAttachmentRecord[] {
  // Absent in a record cached before statuses carried media.
  const ids: readonly string[] | undefined = record.mediaIds;
  if (!ids?.length || !status.media) return [];
  return ids.flatMap((id) => status.media?.get(id) ?? []);
}

/** The same as entities. */
function mediaOf(record: StatusRecord, status: StatusContext): MMediaAttachment[] {
  return attachmentsOf(record, status).map(serializeMediaAttachment);
}

export function serializeMention(account: AccountRecord, ctx: SerializeContext): MMention {
  return {
    id: account.id,
    username: account.username,
    url: account.url ?? (account.domain ? account.uri : localAccountUrl(ctx, account.username)),
    acct: account.domain ? `${account.username}@${account.domain}` : account.username,
  };
}

/** A status's poll, when it has one and it came with the page. */
function pollOf(record: StatusRecord, status: StatusContext): MPoll | null {
  const poll = record.pollId === null ? undefined : status.polls?.get(record.pollId);
  return poll ? serializePoll(poll, status.viewerId, record.emojis) : null;
}

/** Whether the status's poll came with the page (its options are then searched for emoji). */
const pollShown = (record: StatusRecord, status: StatusContext): boolean =>
  record.pollId !== null && status.polls?.has(record.pollId) === true;

/** The custom emoji its spoiler text, content and poll options use (Mastodon's Status#emojis). */
function statusEmojis(record: StatusRecord, status: StatusContext): MCustomEmoji[] {
  // Absent in a record cached before emoji were stored.
  const emojis: StatusRecord['emojis'] | undefined = record.emojis;
  if (!emojis?.length) return [];
  const poll = record.pollId === null ? undefined : status.polls?.get(record.pollId);
  return serializeEmojis(emojis, [record.spoilerText, record.content, ...(poll?.options ?? [])]);
}

/** The fields of a status that are the same for every viewer: all but the reblog, poll and viewer's. */
type SharedFields = Omit<
  MStatus,
  'reblog' | 'poll' | 'favourited' | 'reblogged' | 'muted' | 'bookmarked' | 'pinned' | 'filtered' | 'text'
>;

function authorOf(record: StatusRecord, status: StatusContext): AccountRecord {
  const author = status.accounts.get(record.accountId);
  if (!author) throw new Error(`status ${record.id} presented without its author`);
  return author;
}

function sharedOf(record: StatusRecord, status: StatusContext): StatusRecord | undefined {
  const shared = record.reblogOfId === null ? undefined : status.shared?.get(record.reblogOfId);
  if (record.reblogOfId !== null && !shared)
    throw new Error(`reblog ${record.id} presented without its status`);
  return shared;
}

function sharedFields(
  record: StatusRecord,
  author: AccountRecord,
  status: StatusContext,
  ctx: SerializeContext,
): SharedFields {
  return {
    id: record.id,
    created_at: record.createdAt,
    in_reply_to_id: record.inReplyToId,
    in_reply_to_account_id: record.inReplyToAccountId,
    sensitive: record.sensitive,
    spoiler_text: record.spoilerText,
    visibility: record.visibility,
    language: record.language,
    uri: record.uri,
    url: record.url,
    replies_count: record.repliesCount,
    reblogs_count: record.reblogsCount,
    favourites_count: record.favouritesCount,
    quotes_count: 0,
    edited_at: record.editedAt,
    content: record.content,
    account: serializeAccount(author, ctx),
    media_attachments: mediaOf(record, status),
    mentions: record.mentions.flatMap((id) => {
      const account = status.accounts.get(id);
      return account ? [serializeMention(account, ctx)] : [];
    }),
    tags: record.tags.map((name) => ({ name, url: `${ctx.origin}/tags/${encodeURIComponent(name)}` })),
    emojis: statusEmojis(record, status),
    card: null,
  };
}

/** Only one's own statuses can be pinned, and only they say whether they are. */
const saysPinned = (record: StatusRecord, status: StatusContext): boolean =>
  record.accountId === status.viewerId && record.reblogOfId === null;

/** The viewer's flags of a status (none without a user token). */
function viewerFields(record: StatusRecord, status: StatusContext): Partial<MStatus> {
  if (status.viewerId === null) return {};
  return {
    favourited: status.favourited?.has(record.id) ?? false,
    reblogged: status.reblogged?.has(record.id) ?? false,
    muted: status.muted?.has(record.id) ?? false,
    bookmarked: status.bookmarked?.has(record.id) ?? false,
    ...(saysPinned(record, status) ? { pinned: status.pinned?.has(record.id) ?? false } : {}),
    filtered: (status.filtered?.get(record.id) ?? []).map(serializeFilterResult),
  };
}

/**
 * One status as Mastodon's entity; its author must be in `status.accounts` and, for a reblog, the
 * status it shares in `status.shared` (with its author).
 */
export function serializeStatus(record: StatusRecord, status: StatusContext, ctx: SerializeContext): MStatus {
  const author = authorOf(record, status);
  const shared = sharedOf(record, status);
  return {
    ...sharedFields(record, author, status, ctx),
    reblog: shared ? serializeStatus(shared, { ...status, withText: false }, ctx) : null,
    poll: pollOf(record, status),
    ...viewerFields(record, status),
    ...(status.withText ? { text: record.text } : {}),
  };
}

/** A status's text for every viewer, with what it was rendered from (compared by identity). */
interface SharedText {
  readonly author: AccountRecord;
  readonly mentioned: readonly (AccountRecord | undefined)[];
  readonly ctx: SerializeContext;
  /** Whether the poll came with it (its options may use emoji). */
  readonly polled: boolean;
  /** The JSON object without its closing brace. */
  readonly open: string;
  /** The attachments it was rendered with (the media service's cache serves the same objects). */
  readonly media: readonly MediaAttachmentRecord[];
}

/** Whether two lists hold the very same objects, in order. */
const sameObjects = <T>(a: readonly T[], b: readonly T[]): boolean =>
  a.length === b.length && a.every((item, i) => item === b[i]);

const sharedTexts = new WeakMap<StatusRecord, SharedText>();

/**
 * What `serializeStatus` makes, as JSON text, rendering the part every viewer shares once per
 * change: records served from in-process caches are frozen and stay the same objects until a
 * change replaces them, so the text kept beside a status (weakly) holds while the status, its
 * author and the accounts it mentions are the very objects it was rendered from. The reblog,
 * the poll (it carries the viewer's votes) and the viewer's flags are added to it each time.
 * Records that crossed NATS are new objects each time: simply rendered.
 */
export function statusJsonText(record: StatusRecord, status: StatusContext, ctx: SerializeContext): string {
  const author = authorOf(record, status);
  const shared = sharedOf(record, status);
  const mentioned = record.mentions.map((id) => status.accounts.get(id));
  const polled = pollShown(record, status);
  const media = attachmentsOf(record, status);
  let held = sharedTexts.get(record);
  if (
    !held ||
    held.author !== author ||
    held.ctx !== ctx ||
    held.polled !== polled ||
    !sameObjects(held.media, media) ||
    !sameObjects(held.mentioned, mentioned)
  ) {
    held = {
      author,
      mentioned,
      ctx,
      polled,
      media,
      open: JSON.stringify(sharedFields(record, author, status, ctx)).slice(0, -1),
    };
    if (Object.isFrozen(record) && Object.isFrozen(author)) sharedTexts.set(record, held);
  }
  const reblog = shared ? statusJsonText(shared, { ...status, withText: false }, ctx) : 'null';
  const poll = pollOf(record, status);
  const text = status.withText ? `,"text":${JSON.stringify(record.text)}` : '';
  return `${held.open},"reblog":${reblog},"poll":${poll ? JSON.stringify(poll) : 'null'}${viewerJson(record, status)}${text}}`;
}

/** viewerFields as JSON members, each after a comma (none without a user token). */
function viewerJson(record: StatusRecord, status: StatusContext): string {
  if (status.viewerId === null) return '';
  const has = (ids: ReadonlySet<string> | undefined): boolean => ids?.has(record.id) ?? false;
  const pinned = saysPinned(record, status) ? `,"pinned":${has(status.pinned)}` : '';
  const filtered = status.filtered?.get(record.id);
  return `,"favourited":${has(status.favourited)},"reblogged":${has(status.reblogged)},"muted":${has(status.muted)},"bookmarked":${has(status.bookmarked)}${pinned},"filtered":${filtered?.length ? JSON.stringify(filtered.map(serializeFilterResult)) : '[]'}`;
}
