import { z } from 'zod';
import { defineRequest } from '../define';
import { id, pageRequest } from '../accounts/records';
import { statusRecord } from './statuses.contracts';

/** A hashtag name, normalized (lower-cased), without `#`. */
const tagName = z.string().min(1).max(100);

/** One day of a hashtag's use: statuses and distinct accounts that used it. */
export const tagHistoryDay = z.object({
  /** The day's start, UTC, in seconds since the epoch. */
  day: z.number().int(),
  uses: z.number().int(),
  accounts: z.number().int(),
});

/** A hashtag as the statuses service knows it: its id ('' for one never used), use over the last week, and whether the viewer follows it. */
export const tagRecord = z.object({
  id: z.string(),
  name: tagName,
  /** Newest day first, seven days. */
  history: z.array(tagHistoryDay),
  following: z.boolean(),
});
export type TagRecord = z.infer<typeof tagRecord>;

/** Hashtags: reading them, following them, and the statuses that use them. */
export const statusesTags = {
  /** The hashtags with these names, in order, whether used yet or not. */
  getTags: defineRequest('statuses.tag.get', {
    request: z.object({ names: z.array(tagName).min(1).max(40), viewerId: id.nullable() }),
    response: z.object({ tags: z.array(tagRecord) }),
  }),
  followTag: defineRequest('statuses.tag_follow.create', {
    request: z.object({ accountId: id, name: tagName }),
    response: tagRecord,
  }),
  unfollowTag: defineRequest('statuses.tag_follow.delete', {
    request: z.object({ accountId: id, name: tagName }),
    response: tagRecord,
  }),
  /** The hashtags an account follows, most recently followed first, cursored by the follow. */
  listFollowedTags: defineRequest('statuses.followed_tag.list', {
    request: z.object({ accountId: id, page: pageRequest }),
    response: z.object({ items: z.array(z.object({ cursor: id, tag: tagRecord })) }),
  }),
  /**
   * A hashtag timeline: public statuses (no reblogs) with any of `any`, all of `all` and none of
   * `none`, newest first; `local` true for this server's only, false for others', null for both.
   */
  listTagStatuses: defineRequest('statuses.tag_status.list', {
    request: z.object({
      any: z.array(tagName).min(1).max(5),
      all: z.array(tagName).max(5),
      none: z.array(tagName).max(5),
      local: z.boolean().nullable(),
      page: pageRequest,
    }),
    response: z.object({ statuses: z.array(statusRecord) }),
  }),
  /** Accounts following any of these hashtags, by follow after `after` (fan-out into home feeds). */
  listTagFollowers: defineRequest('statuses.tag_follower.list', {
    request: z.object({
      names: z.array(tagName).min(1).max(100),
      after: id.nullable(),
      limit: z.number().int().min(1).max(1000),
    }),
    response: z.object({ followers: z.array(z.object({ cursor: id, accountId: id })) }),
  }),
};
