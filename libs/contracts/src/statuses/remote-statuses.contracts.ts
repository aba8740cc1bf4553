import { z } from 'zod';
import { defineRequest } from '../define';
import { id, isoDate, remoteEmojis, visibility } from '../accounts/records';
import { statusRecord } from './statuses.contracts';

const uri = z.string().min(1).max(2048);

/**
 * The poll of a remote Question as its server counts it (Mastodon's PollParser): the options in
 * order with their votes, when it ends (or ended, once `closed`), how many accounts voted.
 */
export const remotePoll = z.object({
  options: z.array(z.string().min(1).max(10_000)).min(1).max(100),
  tallies: z.array(z.number().int().min(0)).max(100),
  multiple: z.boolean(),
  /** `closed`, else `endTime`; null for a poll that names no end. */
  expiresAt: isoDate.nullable(),
  votersCount: z.number().int().min(0).nullable(),
});
export type RemotePoll = z.infer<typeof remotePoll>;

/**
 * A remote status as federation read it from its Note (or a converted Article, Page…), in domain
 * names. `content` and `spoilerText` arrive as the remote server wrote them and are sanitized
 * here; federation has already bounded them (content 500 KB, spoiler text 50 KB) and checked the
 * origin (the uri is on the author's host).
 */
export const remoteStatusDescription = z.object({
  /** The object id: the key of the status. */
  uri,
  /** Its HTML page (http(s) only), null without one. */
  url: uri.nullable(),
  /** The remote author, a known account. */
  accountId: id,
  content: z.string().max(500_000),
  spoilerText: z.string().max(50_000),
  sensitive: z.boolean(),
  language: z.string().max(16).nullable(),
  visibility,
  /** `published`: the status's creation time, and the time its id is made from. */
  published: isoDate,
  /** `updated`: an edit applies only when this is newer than the stored version. */
  updated: isoDate.nullable(),
  /** `inReplyTo`: linked when that status is known here, else the status stands alone. */
  inReplyToUri: uri.nullable(),
  /** Accounts (local or known remote) its Mention tags name, in order. */
  mentions: z.array(id).max(200),
  /** Its Hashtag tags, normalised (lower-cased, without `#`). */
  tags: z.array(z.string().min(1).max(100)).max(100),
  /**
   * Whether an unknown uri may be created (a Create, or an Update of a recent note Mastodon takes
   * as a Create); false only edits a status already stored.
   */
  mayCreate: z.boolean().default(true),
  /**
   * Its poll (a Question): stored with the status; on a stored status, its counts and closing are
   * refreshed by an Update (`fromUpdate`), its options changed only by an edit.
   */
  poll: remotePoll.nullable().default(null),
  /** Its Emoji tags (kept with the status and each version of it). */
  emojis: remoteEmojis,
  /** Its attachments (`media.remote.save` made them), in order. */
  mediaIds: z.array(id).max(4).default([]),
  /**
   * It comes from an Update: only then does a stored status that is not edited take its poll's
   * counts (a Create processed after the Updates that followed it would bring older ones back).
   */
  fromUpdate: z.boolean().default(false),
});
export type RemoteStatusDescription = z.infer<typeof remoteStatusDescription>;

/**
 * What federation asks of statuses for the Notes remote servers send: storing, editing and deleting
 * them by uri, for the author that vouched for them.
 */
export const statusesRemote = {
  /**
   * Creates the status (id from `published`, event status.created), or edits a stored one when
   * `updated` is newer than its last version (history kept, event status.updated); anything else
   * changes nothing (`outcome` says which). A uri deleted before stays deleted (`gone`), even when
   * the Delete came before the Create. `conflict` when the uri belongs to another author.
   */
  saveRemoteStatus: defineRequest('statuses.remote_status.save', {
    request: remoteStatusDescription,
    response: z.object({
      outcome: z.enum(['created', 'updated', 'unchanged', 'gone', 'ignored']),
      status: statusRecord.nullable(),
    }),
  }),
  /**
   * A remote author deletes a status: it goes as a local one does (event status.deleted), and its
   * uri is kept as a tombstone so a later Create cannot bring it back, also when the status was
   * never stored here. Another author's status is left alone (`deleted` false).
   */
  deleteRemoteStatus: defineRequest('statuses.remote_status.delete', {
    request: z.object({ uri, accountId: id }),
    response: z.object({ deleted: z.boolean() }),
  }),
};
