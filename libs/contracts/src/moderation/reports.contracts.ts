import { z } from 'zod';
import { defineEvent, defineRequest } from '../define';
import { id, isoDate } from '../accounts/records';

/** Mastodon's report categories. */
export const reportCategory = z.enum(['other', 'spam', 'legal', 'violation']);
export type ReportCategory = z.infer<typeof reportCategory>;

/** Mastodon's bounds on a report: a local reporter's comment, a remote one's (cut, not refused). */
export const REPORT_LIMITS = {
  commentLength: 1000,
  remoteCommentLength: 5000,
  statuses: 100,
} as const;

/** One report, as moderators and the reporter see it. */
export const reportRecord = z.object({
  id,
  /** Who reported: a local account, or the remote account (often an instance actor) that sent a Flag. */
  accountId: id,
  targetAccountId: id,
  statusIds: z.array(id),
  /** The server rules it says were broken; null when none were named. */
  ruleIds: z.array(id).nullable(),
  comment: z.string(),
  category: reportCategory,
  /** Sent on to the target's server (a Flag from our instance actor). */
  forwarded: z.boolean(),
  /** The Flag's id: ours for a local report, the sender's for one that arrived. */
  uri: z.string().nullable(),
  actionTakenAt: isoDate.nullable(),
  createdAt: isoDate,
});
export type ReportRecord = z.infer<typeof reportRecord>;

/**
 * Reports, kept by the moderation service: filed by local users through the client API, or
 * arriving from other servers as `Flag` activities. Errors: `not_found` for a target account that
 * is not there (or suspended) or a status that is not the target's; `unprocessable` for a
 * comment too long or rules that are not this server's.
 */
export const moderationReports = {
  create: defineRequest('moderation.report.create', {
    request: z
      .object({
        accountId: id,
        targetAccountId: id,
        statusIds: z.array(id).max(REPORT_LIMITS.statuses).default([]),
        ruleIds: z.array(id).max(100).default([]),
        comment: z.string().max(100_000).default(''),
        category: reportCategory.nullable().default(null),
        /** Send it on to the target's server when the target is remote. */
        forward: z.boolean().default(false),
        /** The Flag's id, for a report that arrived from another server. */
        uri: z.string().max(2048).nullable().default(null),
      })
      .strict(),
    response: z.object({ report: reportRecord }),
  }),
  /** Reports by id (an `admin.report` notification's); unknown ids are left out. */
  getReports: defineRequest('moderation.report.get', {
    request: z.object({ ids: z.array(id).max(200) }).strict(),
    response: z.object({ reports: z.array(reportRecord) }),
  }),
  /** Reports, newest first; `resolved` picks those acted on or not. */
  list: defineRequest('moderation.report.list', {
    request: z
      .object({ resolved: z.boolean().default(false), limit: z.number().int().min(1).max(200).default(100) })
      .strict(),
    response: z.object({ reports: z.array(reportRecord) }),
  }),
  events: {
    /** A new report; `forward` asks federation to send it on to the target's server. */
    reportCreated: defineEvent('events.moderation.report.created', {
      version: 1,
      aggregate: (p: { report: { id: string } }) => `report:${p.report.id}`,
      payload: z.object({ report: reportRecord, forward: z.boolean() }),
    }),
  },
};
