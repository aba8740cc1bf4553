import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { ListFeeds } from '../lists/list-feeds';
import { HomeFeeds } from './home-feeds';

@Injectable()
export class TimelinesHandlers {
  constructor(
    private readonly feeds: HomeFeeds,
    private readonly lists: ListFeeds,
  ) {}

  readonly bound = defineHandlers(contracts.timelines.feeds, {
    getHomeFeed: async ({ accountId, page }) => ({ ids: await this.feeds.page(accountId, page) }),
    getListFeed: async ({ listId, page }) => ({ ids: await this.lists.page(listId, page) }),
  });
}
