import { z } from 'zod';
import { defineJob, defineRequest } from '../define';
import { id, pageRequest, visibility } from '../accounts/records';

/** How many statuses a home feed keeps (Mastodon's FeedManager::MAX_ITEMS). */
export const HOME_FEED_SIZE = 800;

/** Followers one home delivery job takes (Mastodon enqueues its feed inserts 1,000 at a time). */
export const HOME_DELIVERY_BATCH = 1000;

/** Work the timelines service queues for itself: fan-out to many followers, feeds to rebuild. */
export const timelinesJobs = {
  /**
   * A new status into the home feeds of one batch of its author's local followers, under the
   * rules of fan-out (direct ones to mentioned followers, reblogs to those who take them, none
   * to a follower keeping the author in an exclusive list). Doing it twice changes nothing.
   */
  deliverHome: defineJob('jobs.timelines.home_feed.deliver', {
    payload: z.object({
      status: z.object({
        id,
        accountId: id,
        visibility,
        mentions: z.array(id),
        reblogOfId: id.nullable(),
      }),
      followers: z
        .array(z.object({ accountId: id, reblogs: z.boolean() }))
        .min(1)
        .max(HOME_DELIVERY_BATCH),
    }),
  }),
  /** A lost home feed regenerated from statuses, for an account following too many to wait for. */
  rebuildHome: defineJob('jobs.timelines.home_feed.rebuild', {
    payload: z.object({ accountId: id }),
  }),
};

export const timelinesFeeds = {
  /**
   * The status ids of an account's home feed, newest first, a page of them. A lost feed is rebuilt
   * first; `regenerating` says it is still being rebuilt in the background and the page may lack
   * statuses (Mastodon answers such a page with 206 Partial Content).
   */
  getHomeFeed: defineRequest('timelines.home_feed.get', {
    request: z.object({ accountId: id, page: pageRequest }),
    response: z.object({ ids: z.array(id), regenerating: z.boolean().default(false) }),
  }),
  /** The status ids of a list's feed, newest first; the caller checks the list is the viewer's. */
  getListFeed: defineRequest('timelines.list_feed.get', {
    request: z.object({ listId: id, page: pageRequest }),
    response: z.object({ ids: z.array(id) }),
  }),
  /** Jobs sit in a nested namespace: handler maps and `bus.serve` only look at requests. */
  jobs: timelinesJobs,
};
