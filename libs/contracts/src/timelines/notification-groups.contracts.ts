import { z } from 'zod';
import { defineRequest } from '../define';
import { id, isoDate, pageRequest } from '../accounts/records';
import { notificationRecord, notificationType } from './notifications.contracts';

/** The kinds Mastodon 4.3 groups; others are alone in a group keyed `ungrouped-<id>`. */
export const GROUPABLE_NOTIFICATION_TYPES = ['favourite', 'reblog', 'follow'] as const;

/**
 * A group of notifications as one page shows it: its newest notification within the page, how
 * many it holds and who most recently caused them.
 */
export const notificationGroupRecord = z.object({
  groupKey: z.string(),
  /** The group's newest notification within the page (its type and status are the group's). */
  notification: notificationRecord,
  notificationsCount: z.number().int(),
  mostRecentNotificationId: id,
  /** Newest first, at most 8. */
  sampleAccountIds: z.array(id),
  /** Only when listed by pages: the group's oldest and newest notification on this page. */
  page: z.object({ minId: id, maxId: id, latestNotificationAt: isoDate }).nullable(),
});
export type NotificationGroupRecord = z.infer<typeof notificationGroupRecord>;

const owner = { accountId: id };
const selection = {
  types: z.array(notificationType).nullable(),
  excludeTypes: z.array(notificationType),
  /** Types that may group; null for all that Mammut groups. */
  groupedTypes: z.array(notificationType).nullable(),
  includeFiltered: z.boolean(),
};

export const timelinesNotificationGroups = {
  /**
   * A page of groups, newest first: at most `page.limit` groups, each shown once, by the newest of
   * its notifications that the page reaches.
   */
  listGroups: defineRequest('timelines.notification_group.list', {
    request: z.object({ ...owner, ...selection, fromAccountId: id.nullable(), page: pageRequest }),
    response: z.object({ groups: z.array(notificationGroupRecord) }),
  }),
  /** One group, whole (no page); `not_found` when the account has none by that key. */
  getGroup: defineRequest('timelines.notification_group.get', {
    request: z.object({ ...owner, groupKey: z.string().max(200) }),
    response: notificationGroupRecord,
  }),
  /** Removes every notification of the group (none is no error, as in Mastodon). */
  dismissGroup: defineRequest('timelines.notification_group.dismiss', {
    request: z.object({ ...owner, groupKey: z.string().max(200) }),
    response: z.object({}),
  }),
  /** Who caused a group's notifications, newest first, cursored by notification id. */
  listGroupAccounts: defineRequest('timelines.notification_group_account.list', {
    request: z.object({ ...owner, groupKey: z.string().max(200), page: pageRequest }),
    response: z.object({ items: z.array(z.object({ cursor: id, accountId: id })) }),
  }),
  /** Groups newer than the notifications marker, at most `limit`. */
  countUnreadGroups: defineRequest('timelines.unread_notification_group.count', {
    request: z.object({ ...owner, ...selection, limit: z.number().int().min(1).max(1000) }),
    response: z.object({ count: z.number().int() }),
  }),
};
