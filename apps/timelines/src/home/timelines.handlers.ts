import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { HomeFeeds } from './home-feeds';

@Injectable()
export class TimelinesHandlers {
  constructor(private readonly feeds: HomeFeeds) {}

  readonly bound = defineHandlers(contracts.timelines.feeds, {
    getHomeFeed: async ({ accountId, page }) => ({ ids: await this.feeds.page(accountId, page) }),
  });
}
