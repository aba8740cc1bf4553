import { z } from 'zod';
import { defineRequest } from '../define';
import { id, isoDate, pageRequest } from '../accounts/records';
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

/** Featured hashtags an account may show on its profile. */
export const FEATURED_TAGS_LIMIT = 10;

/** A hashtag an account features, with how often (and when last) it used it in public or unlisted statuses. */
export const featuredTagRecord = z.object({
  id,
  name: tagName,
  statusesCount: z.number().int(),
  lastStatusAt: isoDate.nullable(),
});
export type FeaturedTagRecord = z.infer<typeof featuredTagRecord>;

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
      /** Only statuses with media attachments (Mastodon's `only_media`). */
      onlyMedia: z.boolean().optional(),
      page: pageRequest,
    }),
    response: z.object({ statuses: z.array(statusRecord) }),
  }),
  /** The hashtags an account features, oldest featured first. */
  listFeaturedTags: defineRequest('statuses.featured_tag.list', {
    request: z.object({ accountId: id }),
    response: z.object({ featuredTags: z.array(featuredTagRecord) }),
  }),
  /** Features a hashtag (at most FEATURED_TAGS_LIMIT; featuring one twice is refused, as Mastodon does). */
  featureTag: defineRequest('statuses.featured_tag.create', {
    request: z.object({ accountId: id, name: tagName }),
    response: featuredTagRecord,
  }),
  /** Stops featuring one of the account's featured hashtags (404 for another's). */
  unfeatureTag: defineRequest('statuses.featured_tag.delete', {
    request: z.object({ accountId: id, featuredTagId: id }),
    response: z.object({}),
  }),
  /** The hashtags the account used most in its recent statuses and does not feature yet. */
  suggestFeaturedTags: defineRequest('statuses.featured_tag_suggestion.list', {
    request: z.object({ accountId: id }),
    response: z.object({ tags: z.array(tagRecord) }),
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
