import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { ListFeeds } from '../lists/list-feeds';
import { HomeFeeds } from './home-feeds';
import { RebuildHomeFeed } from './rebuild-home-feed';

@Injectable()
export class TimelinesHandlers {
  constructor(
    private readonly feeds: HomeFeeds,
    private readonly lists: ListFeeds,
    private readonly rebuild: RebuildHomeFeed,
  ) {}

  readonly bound = defineHandlers(contracts.timelines.feeds, {
    getHomeFeed: async ({ accountId, page }) => {
      // Most reads find the feed whole: the check and the page in one round trip.
      const ids = await this.feeds.wholePage(accountId, page);
      if (ids !== null) return { ids, regenerating: false };
      const { regenerating } = await this.rebuild.ensure(accountId);
      return { ids: await this.feeds.page(accountId, page), regenerating };
    },
    getListFeed: async ({ listId, page }) => ({ ids: await this.lists.page(listId, page) }),
  });
}
