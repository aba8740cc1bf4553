import { z } from 'zod';
import { defineEvent, defineRequest } from '../define';
import { accountRecord, id, isoDate, pageRequest, relationshipRecord } from './records';

/** Limits the accounts service enforces; the gateway reads them for nothing but documentation. */
export const RELATIONSHIP_LIMITS = {
  noteLength: 2000,
  endorsements: 40,
  /** Familiar followers returned per target account. */
  familiarFollowers: 40,
} as const;

/** A viewer acting on one target account. */
const action = z.object({ viewerId: id, targetId: id });

/** One row of a paged account list: its cursor is the row id of the follow, block, mute …, not the account id. */
export const accountPageItem = z.object({ cursor: id, account: accountRecord });
export type AccountPageItem = z.infer<typeof accountPageItem>;
const accountPage = z.object({ items: z.array(accountPageItem) });

export const mutePageItem = accountPageItem.extend({ muteExpiresAt: isoDate.nullable() });
export type MutePageItem = z.infer<typeof mutePageItem>;

export const domainBlockPageItem = z.object({ cursor: id, domain: z.string() });

export const familiarFollowersRecord = z.object({ id, accounts: z.array(accountRecord) });
export type FamiliarFollowersRecord = z.infer<typeof familiarFollowersRecord>;

/** An account's own list, as seen by a viewer (null when signed out). */
const publicList = z.object({ accountId: id, viewerId: id.nullable(), page: pageRequest });
const ownList = z.object({ viewerId: id, page: pageRequest });

const pair = { accountId: id, targetAccountId: id };
/**
 * The Follow activity's id of a follow or follow request: minted here for a local follower, the
 * remote Follow's id for a remote one. Federation sends it in Follow, Undo, Accept and Reject, and
 * a remote Accept or Reject names it. Absent from events written before remote follows; null for
 * rows older than that.
 */
const followUri = { uri: z.string().nullable().optional() };

/** The aggregate of a relationship event: one edge of one kind, from the actor to the target. */
const edge =
  (kind: 'follow' | 'block' | 'mute') =>
  (p: { accountId: string; targetAccountId: string }): string =>
    `${kind}:${p.accountId}:${p.targetAccountId}`;

/**
 * Facts about the follow graph, written to the accounts outbox in the transaction that changed
 * it, and only when a row really changed. `accountId` is always the actor of the relationship
 * (the follower, the blocker, the muter), whoever caused the change. When either account is
 * remote, federation delivers them: to a remote account, follow_request.created is the Follow
 * (it stays requested until its Accept) and follow_request.withdrawn or follow.removed the Undo;
 * to a remote follower, follow.created of a direct follow and follow_request.authorized are the
 * Accept, follow_request.rejected and follow.removed the Reject.
 */
export const relationshipEvents = {
  followCreated: defineEvent('events.accounts.follow.created', {
    version: 1,
    aggregate: edge('follow'),
    payload: z.object({ followId: id, ...pair, ...followUri }),
  }),
  followRemoved: defineEvent('events.accounts.follow.removed', {
    version: 1,
    aggregate: edge('follow'),
    payload: z.object({
      ...pair,
      reason: z.enum([
        'unfollowed',
        'removed',
        'blocked',
        'domain_blocked',
        'account_deleted',
        'domain_suspended',
      ]),
      ...followUri,
    }),
  }),
  followRequestCreated: defineEvent('events.accounts.follow_request.created', {
    version: 1,
    aggregate: edge('follow'),
    payload: z.object({ requestId: id, ...pair, ...followUri }),
  }),
  followRequestAuthorized: defineEvent('events.accounts.follow_request.authorized', {
    version: 1,
    aggregate: edge('follow'),
    payload: z.object({ followId: id, ...pair, ...followUri }),
  }),
  followRequestRejected: defineEvent('events.accounts.follow_request.rejected', {
    version: 1,
    aggregate: edge('follow'),
    payload: z.object({
      ...pair,
      reason: z.enum(['rejected', 'blocked', 'domain_blocked', 'account_deleted', 'domain_suspended']),
      ...followUri,
    }),
  }),
  followRequestWithdrawn: defineEvent('events.accounts.follow_request.withdrawn', {
    version: 1,
    aggregate: edge('follow'),
    payload: z.object({
      ...pair,
      reason: z.enum(['unfollowed', 'blocked', 'account_deleted', 'domain_suspended']),
      ...followUri,
    }),
  }),
  blockCreated: defineEvent('events.accounts.block.created', {
    version: 1,
    aggregate: edge('block'),
    payload: z.object({ blockId: id, ...pair }),
  }),
  /** `blockId` names the Block federation sent; absent from events written before it was added. */
  blockRemoved: defineEvent('events.accounts.block.removed', {
    version: 1,
    aggregate: edge('block'),
    payload: z.object({ ...pair, blockId: id.optional() }),
  }),
  muteCreated: defineEvent('events.accounts.mute.created', {
    version: 1,
    aggregate: edge('mute'),
    payload: z.object({ ...pair, hideNotifications: z.boolean(), expiresAt: isoDate.nullable() }),
  }),
  /** `reason` is absent from events written before timed mutes were swept (read it as `unmuted`). */
  muteRemoved: defineEvent('events.accounts.mute.removed', {
    version: 1,
    aggregate: edge('mute'),
    payload: z.object({ ...pair, reason: z.enum(['unmuted', 'expired', 'account_deleted']).optional() }),
  }),
  domainBlockCreated: defineEvent('events.accounts.domain_block.created', {
    version: 1,
    aggregate: (p) => `domain_block:${p.accountId}:${p.domain}`,
    payload: z.object({ accountId: id, domain: z.string() }),
  }),
  domainBlockRemoved: defineEvent('events.accounts.domain_block.removed', {
    version: 1,
    aggregate: (p) => `domain_block:${p.accountId}:${p.domain}`,
    payload: z.object({ accountId: id, domain: z.string() }),
  }),
};

export const accountsRelationships = {
  getRelationships: defineRequest('accounts.relationship.get', {
    request: z.object({
      viewerId: id,
      ids: z.array(id).max(200),
      withSuspended: z.boolean().default(false),
    }),
    response: z.object({ relationships: z.array(relationshipRecord), missing: z.array(id) }),
  }),
  /**
   * The local accounts that follow an account, in pages of the follow rows' order: what a home
   * feed fan-out delivers a status to. Remote followers are federation's to deliver to.
   */
  listLocalFollowers: defineRequest('accounts.local_follower.list', {
    request: z.object({ accountId: id, after: id.nullable(), limit: z.number().int().min(1).max(1000) }),
    response: z.object({
      followers: z.array(
        z.object({
          cursor: id,
          accountId: id,
          /** Whether the follower wants this account's reblogs in its home feed. */
          reblogs: z.boolean().default(true),
        }),
      ),
    }),
  }),
  /**
   * The local accounts that follow an account asking to be notified of its new statuses
   * (`notify=true`), in pages of the follow rows' order: who gets its `status` notifications.
   */
  listNotifiedFollowers: defineRequest('accounts.notified_follower.list', {
    request: z.object({ accountId: id, after: id.nullable(), limit: z.number().int().min(1).max(1000) }),
    response: z.object({ followers: z.array(z.object({ cursor: id, accountId: id })) }),
  }),
  /**
   * The accounts an account follows, by account id after `after`: what rebuilding its home feed
   * reads from, with what the feed keeps of each (its reblogs; nothing when the follower keeps it
   * in an exclusive list, whose statuses stay out of home).
   */
  listFollowedAccounts: defineRequest('accounts.followed_account.list', {
    request: z.object({ accountId: id, after: id.nullable(), limit: z.number().int().min(1).max(1000) }),
    response: z.object({
      followed: z.array(z.object({ accountId: id, reblogs: z.boolean(), exclusive: z.boolean() })),
    }),
  }),
  getFamiliarFollowers: defineRequest('accounts.familiar_followers.get', {
    request: z.object({ viewerId: id, ids: z.array(id).max(200) }),
    response: z.object({ items: z.array(familiarFollowersRecord) }),
  }),

  follow: defineRequest('accounts.follow.create', {
    request: action.extend({
      /** Absent: keep what an existing follow has (true for a new one). */
      reblogs: z.boolean().optional(),
      notify: z.boolean().optional(),
      /** Absent: keep; null or empty: every language. */
      languages: z.array(z.string().max(16)).max(100).nullable().optional(),
      /**
       * The Follow activity's id, when federation records a remote account's Follow (required
       * then, refused for a local follower, whose Follow id is minted here). Following a remote
       * account always makes a request that stays pending until its Accept.
       */
      uri: z.string().min(1).max(2048).optional(),
    }),
    response: relationshipRecord,
  }),
  unfollow: defineRequest('accounts.follow.delete', { request: action, response: relationshipRecord }),
  removeFromFollowers: defineRequest('accounts.follower.remove', {
    request: action,
    response: relationshipRecord,
  }),
  listFollowers: defineRequest('accounts.follower.list', { request: publicList, response: accountPage }),
  listFollowing: defineRequest('accounts.following.list', { request: publicList, response: accountPage }),

  listFollowRequests: defineRequest('accounts.follow_request.list', {
    request: ownList,
    response: accountPage,
  }),
  /** `targetId` is the requester; the viewer is the account that was asked. */
  authorizeFollowRequest: defineRequest('accounts.follow_request.authorize', {
    request: action,
    response: relationshipRecord,
  }),
  rejectFollowRequest: defineRequest('accounts.follow_request.reject', {
    request: action,
    response: relationshipRecord,
  }),

  block: defineRequest('accounts.block.create', { request: action, response: relationshipRecord }),
  unblock: defineRequest('accounts.block.delete', { request: action, response: relationshipRecord }),
  listBlocks: defineRequest('accounts.block.list', { request: ownList, response: accountPage }),

  mute: defineRequest('accounts.mute.create', {
    request: action.extend({
      notifications: z.boolean().default(true),
      /** Seconds; 0 mutes forever. */
      durationSeconds: z
        .number()
        .int()
        .min(0)
        .max(10 * 366 * 24 * 3600)
        .default(0),
    }),
    response: relationshipRecord,
  }),
  unmute: defineRequest('accounts.mute.delete', { request: action, response: relationshipRecord }),
  listMutes: defineRequest('accounts.mute.list', {
    request: ownList,
    response: z.object({ items: z.array(mutePageItem) }),
  }),

  listDomainBlocks: defineRequest('accounts.domain_block.list', {
    request: ownList,
    response: z.object({ items: z.array(domainBlockPageItem) }),
  }),
  blockDomain: defineRequest('accounts.domain_block.create', {
    request: z.object({ viewerId: id, domain: z.string().max(1000) }),
    response: z.object({ domain: z.string() }),
  }),
  unblockDomain: defineRequest('accounts.domain_block.delete', {
    request: z.object({ viewerId: id, domain: z.string().max(1000) }),
    response: z.object({ domain: z.string() }),
  }),

  setNote: defineRequest('accounts.note.set', {
    request: action.extend({ comment: z.string().max(100_000) }),
    response: relationshipRecord,
  }),

  endorse: defineRequest('accounts.endorsement.create', { request: action, response: relationshipRecord }),
  unendorse: defineRequest('accounts.endorsement.delete', {
    request: action,
    response: relationshipRecord,
  }),
  listEndorsements: defineRequest('accounts.endorsement.list', {
    request: publicList,
    response: accountPage,
  }),
  /** Events sit in a nested namespace: handler maps and `bus.serve` only look at requests. */
  events: relationshipEvents,
};
