import { z } from 'zod';
import { defineRequest } from '../define';
import { id, isoDate, pageRequest } from '../accounts/records';

/** What a policy does with a notification its condition catches (Mastodon 4.3). */
export const notificationPolicyAction = z.enum(['accept', 'filter', 'drop']);
export type NotificationPolicyAction = z.infer<typeof notificationPolicyAction>;

/** An account's policy, one action per condition on the sender. */
export const notificationPolicyRules = z.object({
  /** Senders the account does not follow. */
  forNotFollowing: notificationPolicyAction,
  /** Senders that do not follow the account. */
  forNotFollowers: notificationPolicyAction,
  /** Senders whose account is younger than 30 days. */
  forNewAccounts: notificationPolicyAction,
  /** Private mentions that do not answer one of the account's own private mentions of the sender. */
  forPrivateMentions: notificationPolicyAction,
  /** Senders limited by a moderator. */
  forLimitedAccounts: notificationPolicyAction,
});
export type NotificationPolicyRules = z.infer<typeof notificationPolicyRules>;

export const notificationPolicyRecord = notificationPolicyRules.extend({
  /** Requests waiting (at most 100 counted). */
  pendingRequestsCount: z.number().int(),
  /** Filtered notifications in those requests. */
  pendingNotificationsCount: z.number().int(),
});
export type NotificationPolicyRecord = z.infer<typeof notificationPolicyRecord>;

/** The filtered mentions of one sender, waiting for the account to accept or dismiss them. */
export const notificationRequestRecord = z.object({
  id,
  createdAt: isoDate,
  updatedAt: isoDate,
  /** The account notified. */
  accountId: id,
  /** The sender whose notifications were filtered. */
  fromAccountId: id,
  notificationsCount: z.number().int(),
  lastStatusId: id.nullable(),
});
export type NotificationRequestRecord = z.infer<typeof notificationRequestRecord>;

const owner = { accountId: id };
/** The requests an action applied to: those of `ids` that were the account's. */
const applied = z.object({ ids: z.array(id) });

export const timelinesNotificationPolicy = {
  /** The account's policy (Mastodon's defaults until it changes one) and what it holds back. */
  getPolicy: defineRequest('timelines.notification_policy.get', {
    request: z.object(owner),
    response: notificationPolicyRecord,
  }),
  /** Changes the conditions given, keeps the others. */
  updatePolicy: defineRequest('timelines.notification_policy.update', {
    request: z.object({ ...owner, changes: notificationPolicyRules.partial() }),
    response: notificationPolicyRecord,
  }),
  listRequests: defineRequest('timelines.notification_request.list', {
    request: z.object({ ...owner, page: pageRequest }),
    response: z.object({ requests: z.array(notificationRequestRecord) }),
  }),
  getRequest: defineRequest('timelines.notification_request.get', {
    request: z.object({ ...owner, id }),
    response: notificationRequestRecord,
  }),
  /**
   * Accepts requests: their notifications join the normal list and later ones from the same
   * senders are never filtered.
   */
  acceptRequests: defineRequest('timelines.notification_request.accept', {
    request: z.object({ ...owner, ids: z.array(id).max(200) }),
    response: applied,
  }),
  /** Dismisses requests and the filtered notifications they held. */
  dismissRequests: defineRequest('timelines.notification_request.dismiss', {
    request: z.object({ ...owner, ids: z.array(id).max(200) }),
    response: applied,
  }),
};
