import { z } from 'zod';
import { defineEvent, defineRequest } from '../define';
import { id, isoDate, pageRequest, remoteEmojis, visibility } from '../accounts/records';
import { mediaAttributes } from '../media/media.contracts';
import { pollInput } from './polls.contracts';

/** Limits the statuses service enforces (Mastodon's defaults; `/api/v2/instance` advertises them). */
export const STATUS_LIMITS = {
  characters: 500,
  /** What a link counts towards `characters`, however long it is. */
  charactersReservedPerUrl: 23,
  spoilerText: 500,
  /** Statuses fetched in one batch (`GET /api/v1/statuses?id[]=`). */
  batch: 40,
  /** Statuses an account may pin to its profile (Mastodon's MAX_PINNED_TOOTS default). */
  pins: 5,
} as const;

/**
 * One status as the statuses service stores it, local or remote: who wrote it, what it says
 * (rendered HTML and, for local ones, the source text), whom it mentions and addresses. Viewer
 * rules (who may see it) are applied by whoever presents it; counts are the stored counters.
 */
export const statusRecord = z.object({
  id,
  /** The ActivityPub object id. */
  uri: z.string(),
  /** Its HTML page, null for a remote status without one. */
  url: z.string().nullable(),
  accountId: id,
  local: z.boolean(),
  createdAt: isoDate,
  editedAt: isoDate.nullable(),
  /** The source text of a local status ('' for remote ones). */
  text: z.string(),
  content: z.string(),
  spoilerText: z.string(),
  sensitive: z.boolean(),
  language: z.string().nullable(),
  visibility,
  inReplyToId: id.nullable(),
  inReplyToAccountId: id.nullable(),
  /** Set on a reblog (a boost): the status it shares. A reblog has no text of its own. */
  reblogOfId: id.nullable().default(null),
  /** The application a local status was posted with. */
  applicationId: id.nullable(),
  /** Its poll, if it has one (`statuses.poll.get` reads it with a viewer's votes). */
  pollId: id.nullable().default(null),
  /** Its media attachments, in order (the media service holds them: `media.attachment.list`). */
  mediaIds: z.array(id).default([]),
  /** The accounts it mentions, in order of first mention. */
  mentions: z.array(id),
  /** Its hashtags, lower-cased, in order of first use. */
  tags: z.array(z.string()),
  repliesCount: z.number().int(),
  reblogsCount: z.number().int(),
  favouritesCount: z.number().int(),
  /**
   * A remote status's custom emoji (its Note's Emoji tags); presenters show those its content,
   * spoiler text and poll options use. Local statuses have none yet.
   */
  emojis: remoteEmojis,
});
export type StatusRecord = z.infer<typeof statusRecord>;

/** Which of one author's statuses a viewer may list (the presenter decides, from the relationship). */
const authorStatuses = z.object({
  accountId: id,
  /** The visibilities the viewer may see outright. */
  visibilities: z.array(visibility).min(1),
  /** Statuses of other visibilities are listed too when they mention this account (the viewer). */
  mentioning: id.nullable(),
  excludeReplies: z.boolean(),
  /** Leave reblogs out (absent: keep them, as a profile lists them). */
  excludeReblogs: z.boolean().optional(),
  /** Only the statuses the author pinned, most recently pinned first (cursored by pin). */
  pinned: z.boolean().optional(),
  /** Only statuses with this hashtag (lower-cased). */
  tagged: z.string().max(200).nullable(),
  /** Only statuses with media attachments (Mastodon's `only_media`). */
  onlyMedia: z.boolean().optional(),
  page: pageRequest,
});

const byStatus = (p: { statusId: string }): string => `status:${p.statusId}`;

export const statusEvents = {
  statusCreated: defineEvent('events.statuses.status.created', {
    version: 1,
    aggregate: (p: { status: { id: string } }) => `status:${p.status.id}`,
    payload: z.object({
      status: statusRecord,
      /** For a reblog, the status it shares (as it was then). */
      reblogged: statusRecord.nullable().default(null),
    }),
  }),
  /**
   * A local status was edited (Mastodon's UpdateStatusService): streams show the new version to
   * whoever holds it, accounts mentioned for the first time are notified, rebloggers get `update`.
   */
  statusUpdated: defineEvent('events.statuses.status.updated', {
    version: 1,
    aggregate: (p: { status: { id: string } }) => `status:${p.status.id}`,
    payload: z.object({
      status: statusRecord,
      /** Accounts the edit mentions that the status did not mention before. */
      addedMentions: z.array(id),
    }),
  }),
  statusDeleted: defineEvent('events.statuses.status.deleted', {
    version: 1,
    aggregate: byStatus,
    payload: z.object({
      statusId: id,
      accountId: id,
      uri: z.string(),
      visibility,
      inReplyToId: id.nullable(),
      mentions: z.array(id),
      /** Its hashtags (hashtag streams and followers' feeds drop it). */
      tags: z.array(z.string()).default([]),
      local: z.boolean().default(true),
      /** Set when a reblog was withdrawn (or went with the status it shared). */
      reblogOfId: id.nullable().default(null),
      /** The author of the status a withdrawn reblog shared. */
      reblogOfAccountId: id.nullable().default(null),
      /**
       * Deleted by its author through the API without `delete_media` (delete and redraft): its
       * media stay, unattached, for the status that takes their place.
       */
      keepMedia: z.boolean().default(false),
    }),
  }),
};

/** One version of a status, as its history lists it (Mastodon's StatusEdit). */
export const statusEditRecord = z.object({
  /** Who made this version (the author). */
  accountId: id,
  text: z.string(),
  content: z.string(),
  spoilerText: z.string(),
  sensitive: z.boolean(),
  /** When this version was made: the status's creation for the first. */
  createdAt: isoDate,
  /** The poll's options in this version, null without a poll. */
  pollOptions: z.array(z.string()).nullable(),
  /** The custom emoji the status carried in this version (remote statuses). */
  emojis: remoteEmojis,
  /** The media attachments of this version, in order. */
  mediaIds: z.array(id).default([]),
});
export type StatusEditRecord = z.infer<typeof statusEditRecord>;

/** A list of statuses and, for the reblogs among them, the statuses they share (gone ones absent). */
const statusList = z.object({ statuses: z.array(statusRecord), reblogged: z.array(statusRecord) });

export const statusesStatuses = {
  /** A local status, rendered and stored; an `idempotencyKey` repeated within an hour gets the first one back. */
  createStatus: defineRequest('statuses.status.create', {
    request: z.object({
      accountId: id,
      applicationId: id.nullable(),
      text: z.string(),
      spoilerText: z.string(),
      sensitive: z.boolean(),
      language: z.string().max(16).nullable(),
      visibility,
      /** Checked visible to the author by the caller; must exist and not be deleted. */
      inReplyToId: id.nullable(),
      idempotencyKey: z.string().min(1).max(256).nullable(),
      poll: pollInput.nullable().default(null),
      /** Attachments of the author's, checked and attached by the media service; one past four is refused. */
      mediaIds: z.array(id).max(5).default([]),
    }),
    response: statusRecord,
  }),
  /**
   * Edits the author's own status (not a reblog), as Mastodon's PUT does: text, spoiler text and
   * sensitivity replace the old ones, `language` null keeps it, `poll` null removes any (a poll
   * whose options or multiplicity change loses its votes). The same validation as a new status.
   * The first edit also keeps the original as the first version of its history; an edit that
   * changes nothing records nothing. Someone else's status, or a missing one, is `not_found`.
   */
  updateStatus: defineRequest('statuses.status.update', {
    request: z.object({
      accountId: id,
      statusId: id,
      text: z.string(),
      spoilerText: z.string(),
      sensitive: z.boolean(),
      language: z.string().max(16).nullable(),
      poll: pollInput.nullable(),
      /** The attachments the status now has, in order; absent keeps them as they are. */
      mediaIds: z.array(id).max(5).optional(),
      /** Alt text and focus of those attachments (only with `mediaIds`, as Mastodon reads them). */
      mediaAttributes: z.array(mediaAttributes).max(5).default([]),
    }),
    response: statusRecord,
  }),
  /**
   * A status's versions, oldest first, the original included; a status never edited answers its
   * one version. The caller checked that the viewer may see it.
   */
  listStatusEdits: defineRequest('statuses.status_edit.list', {
    request: z.object({ statusId: id }),
    response: z.object({ edits: z.array(statusEditRecord) }),
  }),
  /** Statuses by id, deleted ones `missing`; the order of `ids` is kept. */
  getStatuses: defineRequest('statuses.status.get', {
    request: z.object({ ids: z.array(id).max(200) }),
    response: statusList.extend({ missing: z.array(id) }),
  }),
  /**
   * Statuses by the URLs that name them (a search by URL): their uri, or their page where Mastodon
   * puts it (`…/@user/<id>` for the uri `…/users/user/statuses/<id>`), guessed as Mastodon guesses
   * it, since pages are not indexed. Deleted ones are not found; the order is the statuses'.
   */
  lookupStatuses: defineRequest('statuses.status.lookup', {
    request: z.object({ urls: z.array(z.string().min(1).max(2048)).max(20) }),
    response: statusList,
  }),
  /**
   * Deletes the author's own status; answers it as it was (with its source, for redrafting). Its
   * media stay for the redraft unless `deleteMedia` (Mastodon's `delete_media`).
   */
  deleteStatus: defineRequest('statuses.status.delete', {
    request: z.object({ accountId: id, statusId: id, deleteMedia: z.boolean().optional() }),
    response: statusRecord,
  }),
  /** One author's statuses, newest first, as far as `authorStatuses` lets the viewer see. */
  listAuthorStatuses: defineRequest('statuses.author_status.list', {
    request: authorStatuses,
    response: statusList,
  }),
  /**
   * The newest statuses of several authors together, newest first, at most `limit` in all: what
   * rebuilding a home feed reads (Mastodon's FeedManager#populate_home). Only what a feed stores
   * (ids, the author, the shared status of a reblog); `sinceId` skips what is older than a page
   * the caller already holds, so a later batch of authors stops early.
   */
  listStatusesByAuthors: defineRequest('statuses.authors_status.list', {
    request: z.object({
      accountIds: z.array(id).max(1000),
      /** The visibilities listed outright. */
      visibilities: z.array(visibility).min(1),
      /** Statuses of other visibilities are listed too when they mention this account. */
      mentioning: id.nullable(),
      /** Authors whose reblogs are left out (a follower who turned them off). */
      withoutReblogsBy: z.array(id).max(1000).default([]),
      sinceId: id.nullable(),
      limit: z.number().int().min(1).max(1000),
    }),
    response: z.object({
      statuses: z.array(z.object({ id, accountId: id, reblogOfId: id.nullable() })),
    }),
  }),
  /**
   * The public timeline: public statuses that are not replies to someone else, newest first;
   * `local` true for this server's only, false for other servers' only, null for both.
   */
  listPublicStatuses: defineRequest('statuses.public_status.list', {
    request: z.object({
      local: z.boolean().nullable(),
      /** Only statuses with media attachments (Mastodon's `only_media`). */
      onlyMedia: z.boolean().optional(),
      page: pageRequest,
    }),
    response: z.object({ statuses: z.array(statusRecord) }),
  }),
  /**
   * A status's thread: the statuses it replies to, oldest first, and the replies below it depth
   * first (each reply followed by the replies to it), within the limits given. Deleted statuses are left out (and end the walk up).
   */
  getContext: defineRequest('statuses.context.get', {
    request: z.object({
      statusId: id,
      ancestors: z.number().int().min(0).max(4096),
      descendants: z.number().int().min(0).max(4096),
      depth: z.number().int().min(1).max(4096),
    }),
    response: z.object({ ancestors: z.array(statusRecord), descendants: z.array(statusRecord) }),
  }),
  /**
   * This server's posting figures: its live statuses (as the authors' statuses counts count them:
   * reblogs in, direct ones out) and, for each week asked (its start), the statuses posted in it
   * (not reblogs; deleted ones still count, as Mastodon's activity tracker counts them).
   */
  getStatistics: defineRequest('statuses.statistics.get', {
    request: z.object({ weekStarts: z.array(isoDate).max(52) }),
    response: z.object({ localPosts: z.number().int(), weeks: z.array(z.number().int()) }),
  }),
  events: statusEvents,
};
