import { z } from 'zod';
import { defineRequest } from '../define';
import { id, pageRequest } from '../accounts/records';

/** How many statuses a home feed keeps (Mastodon's FeedManager::MAX_ITEMS). */
export const HOME_FEED_SIZE = 800;

export const timelinesFeeds = {
  /** The status ids of an account's home feed, newest first, a page of them. */
  getHomeFeed: defineRequest('timelines.home_feed.get', {
    request: z.object({ accountId: id, page: pageRequest }),
    response: z.object({ ids: z.array(id) }),
  }),
  /** The status ids of a list's feed, newest first; the caller checks the list is the viewer's. */
  getListFeed: defineRequest('timelines.list_feed.get', {
    request: z.object({ listId: id, page: pageRequest }),
    response: z.object({ ids: z.array(id) }),
  }),
};
