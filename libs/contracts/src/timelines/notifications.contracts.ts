import { z } from 'zod';
import { defineRequest } from '../define';
import { id, isoDate, pageRequest } from '../accounts/records';

/** Mastodon's notification types (those Mammut makes today and those it will). */
export const notificationType = z.enum([
  'mention',
  'status',
  'reblog',
  'follow',
  'follow_request',
  'favourite',
  'poll',
  'update',
  'admin.sign_up',
  'admin.report',
]);
export type NotificationType = z.infer<typeof notificationType>;

export const notificationRecord = z.object({
  id,
  type: notificationType,
  createdAt: isoDate,
  /** Who is notified. */
  accountId: id,
  /** Who did it. */
  fromAccountId: id,
  statusId: id.nullable(),
  /** The report an `admin.report` notification is about. */
  reportId: id.nullable(),
  /**
   * Mastodon 4.3's group: favourites and reblogs of one status, or follows, within a span of hours
   * share one; null for the kinds never grouped and for filtered ones.
   */
  groupKey: z.string().nullable(),
  /** Held back by the account's notification policy: out of the normal list and of streams. */
  filtered: z.boolean(),
});
export type NotificationRecord = z.infer<typeof notificationRecord>;

export const markerTimeline = z.enum(['home', 'notifications']);
export const markerRecord = z.object({
  timeline: markerTimeline,
  lastReadId: id,
  version: z.number().int(),
  updatedAt: isoDate,
});
export type MarkerRecord = z.infer<typeof markerRecord>;

const owner = { accountId: id };

export const timelinesNotifications = {
  listNotifications: defineRequest('timelines.notification.list', {
    request: z.object({
      ...owner,
      types: z.array(notificationType).nullable(),
      excludeTypes: z.array(notificationType),
      fromAccountId: id.nullable(),
      /** Filtered ones too (they are always included when `fromAccountId` is given, as in Mastodon). */
      includeFiltered: z.boolean(),
      page: pageRequest,
    }),
    response: z.object({ notifications: z.array(notificationRecord) }),
  }),
  getNotification: defineRequest('timelines.notification.get', {
    request: z.object({ ...owner, id }),
    response: notificationRecord,
  }),
  dismissNotification: defineRequest('timelines.notification.dismiss', {
    request: z.object({ ...owner, id }),
    response: z.object({}),
  }),
  clearNotifications: defineRequest('timelines.notification.clear', {
    request: z.object(owner),
    response: z.object({}),
  }),
  /** Notifications newer than the notifications marker, at most `limit`; filtered ones are not counted. */
  countUnread: defineRequest('timelines.unread_notification.count', {
    request: z.object({
      ...owner,
      types: z.array(notificationType).nullable(),
      limit: z.number().int().min(1).max(1000),
    }),
    response: z.object({ count: z.number().int() }),
  }),
  getMarkers: defineRequest('timelines.marker.get', {
    request: z.object({ ...owner, timelines: z.array(markerTimeline) }),
    response: z.object({ markers: z.array(markerRecord) }),
  }),
  saveMarkers: defineRequest('timelines.marker.save', {
    request: z.object({ ...owner, home: id.nullable(), notifications: id.nullable() }),
    response: z.object({ markers: z.array(markerRecord) }),
  }),
};
