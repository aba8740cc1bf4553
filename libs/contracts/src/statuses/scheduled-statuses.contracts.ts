import { z } from 'zod';
import { defineRequest } from '../define';
import { id, isoDate, pageRequest, visibility } from '../accounts/records';
import { pollInput } from './polls.contracts';
import { statusesStatuses } from './statuses.contracts';

/** Limits on scheduling (Mastodon's ScheduledStatus::TOTAL_LIMIT, DAILY_LIMIT and MINIMUM_OFFSET). */
export const SCHEDULED_STATUS_LIMITS = {
  /** Statuses one account may have waiting at once. */
  total: 300,
  /** Statuses one account may have waiting for one day (UTC). */
  daily: 25,
  /** Seconds ahead a status must be scheduled at least (a test system may lower it, see `Config.scheduledStatuses`). */
  minOffset: 300,
} as const;

/**
 * What a scheduled status will be posted with: the request to create a status as it was made,
 * kept until the time comes. The reply target was checked visible when it was scheduled.
 */
export const scheduledStatusParams = z.object({
  text: z.string(),
  spoilerText: z.string(),
  sensitive: z.boolean(),
  language: z.string().max(16).nullable(),
  visibility,
  inReplyToId: id.nullable(),
  applicationId: id.nullable(),
  /** The `Idempotency-Key` it was scheduled with. */
  idempotencyKey: z.string().max(256).nullable(),
  poll: pollInput.nullable(),
  /** Uploads it will carry, held for it meanwhile (none in rows stored before it had media). */
  mediaIds: z.array(id).max(5).default([]),
});
export type ScheduledStatusParams = z.infer<typeof scheduledStatusParams>;

/** A status waiting to be posted by its author at `scheduledAt` (Mastodon's ScheduledStatus). */
export const scheduledStatusRecord = z.object({
  id,
  accountId: id,
  scheduledAt: isoDate,
  params: scheduledStatusParams,
});
export type ScheduledStatusRecord = z.infer<typeof scheduledStatusRecord>;

/** One account acting on one of its scheduled statuses; someone else's is `not_found`. */
const own = z.object({ accountId: id, scheduledStatusId: id });

/** Scheduled statuses: posted later by the statuses service's sweep, through the same path as a new status. */
export const statusesScheduledStatuses = {
  /**
   * Schedules a status: checked as a new status is (`unprocessable` with the same messages), then
   * against the schedule: `scheduledAt` at least the minimum ahead, at most SCHEDULED_STATUS_LIMITS
   * waiting in all and on that day. Nothing is stored on any error. An `idempotencyKey` repeated
   * within an hour answers the status it scheduled first, as `statuses.status.create` does.
   */
  createScheduledStatus: defineRequest('statuses.scheduled_status.create', {
    request: statusesStatuses.createStatus.request.extend({ scheduledAt: isoDate }),
    response: scheduledStatusRecord,
  }),
  /** The account's scheduled statuses by id, newest scheduled first (Mastodon pages them by id). */
  listScheduledStatuses: defineRequest('statuses.scheduled_status.list', {
    request: z.object({ accountId: id, page: pageRequest }),
    response: z.object({ scheduledStatuses: z.array(scheduledStatusRecord) }),
  }),
  /** The account's own scheduled statuses among `ids`; others' and unknown ones are left out. */
  getScheduledStatuses: defineRequest('statuses.scheduled_status.get', {
    request: z.object({ accountId: id, ids: z.array(id).max(40) }),
    response: z.object({ scheduledStatuses: z.array(scheduledStatusRecord) }),
  }),
  /** Moves one of the account's scheduled statuses to another time, under the same rules as scheduling. */
  rescheduleScheduledStatus: defineRequest('statuses.scheduled_status.update', {
    request: own.extend({ scheduledAt: isoDate }),
    response: scheduledStatusRecord,
  }),
  /** Cancels one of the account's scheduled statuses; answers it as it was. */
  deleteScheduledStatus: defineRequest('statuses.scheduled_status.delete', {
    request: own,
    response: scheduledStatusRecord,
  }),
};
