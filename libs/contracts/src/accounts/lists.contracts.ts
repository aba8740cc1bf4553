import { z } from 'zod';
import { defineEvent, defineRequest } from '../define';
import { id, pageRequest } from './records';
import { accountPageItem } from './relationships.contracts';

/** Mastodon's limits on lists (List::PER_ACCOUNT_LIMIT), and what one request may name. */
export const LIST_LIMITS = {
  perAccount: 50,
  titleLength: 256,
  /** Accounts added or removed in one request. */
  accountsPerRequest: 250,
} as const;

/**
 * Which replies a list shows, besides replies to the list's owner and to the author's own
 * statuses (always shown): `followed` replies to accounts the owner follows, `list` replies to
 * the list's members, `none` no other replies.
 */
export const repliesPolicy = z.enum(['followed', 'list', 'none']);
export type RepliesPolicy = z.infer<typeof repliesPolicy>;

export const listRecord = z.object({
  id,
  /** The owner. */
  accountId: id,
  title: z.string(),
  repliesPolicy,
  /** Members' statuses stay out of the owner's home feed. */
  exclusive: z.boolean(),
});
export type ListRecord = z.infer<typeof listRecord>;

/**
 * One list that has an author among its members, with what the timelines service needs to
 * decide whether a status of that author goes into its feed: whether the owner follows, and
 * whether the list holds, the account the status replies to.
 */
export const listMembershipRecord = z.object({
  /** The membership row: pages go on after it. */
  cursor: id,
  listId: id,
  ownerId: id,
  repliesPolicy,
  exclusive: z.boolean(),
  ownerFollowsReplyTarget: z.boolean(),
  replyTargetListed: z.boolean(),
});
export type ListMembershipRecord = z.infer<typeof listMembershipRecord>;

const title = z.string().max(100_000);
const ownList = { viewerId: id, listId: id };
const members = z.object({
  ...ownList,
  accountIds: z.array(id).min(1).max(LIST_LIMITS.accountsPerRequest),
});
const memberPayload = z.object({ listId: id, ownerId: id, accountId: id });
/** Every event of a list, its members' included, is one aggregate: a feed applies them in order. */
const byList = (p: { listId: string }): string => `list:${p.listId}`;

/**
 * Lists and their members, written to the accounts outbox in the changing transaction: the
 * timelines service keeps each list's feed by them. A member leaves every list of an owner whose
 * follow of it ends (unfollow, block, domain block, deletion); `reason` says which.
 */
export const listEvents = {
  listMemberAdded: defineEvent('events.accounts.list_member.added', {
    version: 1,
    aggregate: byList,
    payload: memberPayload,
  }),
  listMemberRemoved: defineEvent('events.accounts.list_member.removed', {
    version: 1,
    aggregate: byList,
    payload: memberPayload.extend({ reason: z.enum(['removed', 'unfollowed']) }),
  }),
  listDeleted: defineEvent('events.accounts.list.deleted', {
    version: 1,
    aggregate: byList,
    payload: z.object({ listId: id, ownerId: id }),
  }),
};

export const accountsLists = {
  /** The viewer's lists, by title as Mastodon orders them. */
  getLists: defineRequest('accounts.list.list', {
    request: z.object({ viewerId: id }),
    response: z.object({ lists: z.array(listRecord) }),
  }),
  /** One of the viewer's own lists; someone else's is `not_found`. */
  getList: defineRequest('accounts.list.get', {
    request: z.object(ownList),
    response: listRecord,
  }),
  /** A blank title, an unknown policy or the 51st list is `unprocessable`. */
  createList: defineRequest('accounts.list.create', {
    request: z.object({
      viewerId: id,
      title,
      repliesPolicy: z.string().max(100).optional(),
      exclusive: z.boolean().optional(),
    }),
    response: listRecord,
  }),
  /** Absent fields keep their value. */
  updateList: defineRequest('accounts.list.update', {
    request: z.object({
      ...ownList,
      title: title.optional(),
      repliesPolicy: z.string().max(100).optional(),
      exclusive: z.boolean().optional(),
    }),
    response: listRecord,
  }),
  deleteList: defineRequest('accounts.list.delete', {
    request: z.object(ownList),
    response: z.object({}),
  }),
  /** The members of one of the viewer's lists, paged by membership row; `page` null: all of them. */
  listMembers: defineRequest('accounts.list_member.list', {
    request: z.object({ ...ownList, page: pageRequest.nullable() }),
    response: z.object({ items: z.array(accountPageItem) }),
  }),
  /**
   * Adds accounts the owner follows (or the owner itself), all or none: an unknown account is
   * `not_found`, one not followed or already listed `unprocessable`.
   */
  addMembers: defineRequest('accounts.list_member.create', { request: members, response: z.object({}) }),
  /** Removes those that are members; the others are ignored. */
  removeMembers: defineRequest('accounts.list_member.delete', {
    request: members,
    response: z.object({}),
  }),
  /** The viewer's lists that hold an account (`GET /api/v1/accounts/:id/lists`). */
  getListsWithMember: defineRequest('accounts.member_list.get', {
    request: z.object({ viewerId: id, accountId: id }),
    response: z.object({ lists: z.array(listRecord) }),
  }),
  /**
   * Every list that holds an author, in pages of membership rows after `after`: where a new
   * status of the author may go. `replyTargetId` is the account the status replies to, if any.
   */
  listMemberships: defineRequest('accounts.list_membership.list', {
    request: z.object({
      accountId: id,
      replyTargetId: id.nullable(),
      after: id.nullable(),
      limit: z.number().int().min(1).max(1000),
    }),
    response: z.object({ memberships: z.array(listMembershipRecord) }),
  }),
  /** Of `ownerIds`, those with the author in one of their exclusive lists: their home feed goes without it. */
  filterExclusiveOwners: defineRequest('accounts.exclusive_list_owner.filter', {
    request: z.object({ accountId: id, ownerIds: z.array(id).max(1000) }),
    response: z.object({ ownerIds: z.array(id) }),
  }),
  /**
   * One list (null when it is gone) and, of several accounts that statuses reply to, those its
   * owner follows and those it holds: what merging a new member's statuses asks to apply the
   * list's replies policy.
   */
  getReplyTargets: defineRequest('accounts.list_reply_target.get', {
    request: z.object({ listId: id, accountIds: z.array(id).max(200) }),
    response: z.object({ list: listRecord.nullable(), followed: z.array(id), listed: z.array(id) }),
  }),
  /** Events sit in a nested namespace: handler maps and `bus.serve` only look at requests. */
  events: listEvents,
};
