import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { Interactions } from './interactions.service';
import { Pins } from './pins.service';
import { Reblogs } from './reblogs.service';

@Injectable()
export class InteractionsHandlers {
  constructor(
    private readonly interactions: Interactions,
    private readonly reblogs: Reblogs,
    private readonly pins: Pins,
  ) {}

  readonly bound = defineHandlers(contracts.statuses.interactions, {
    favourite: ({ accountId, statusId }) => this.interactions.favourite(accountId, statusId),
    unfavourite: ({ accountId, statusId }) => this.interactions.unfavourite(accountId, statusId),
    bookmark: ({ accountId, statusId }) => this.interactions.bookmark(accountId, statusId),
    unbookmark: ({ accountId, statusId }) => this.interactions.unbookmark(accountId, statusId),
    reblog: ({ accountId, statusId, visibility }) => this.reblogs.reblog(accountId, statusId, visibility),
    unreblog: ({ accountId, statusId }) => this.reblogs.unreblog(accountId, statusId),
    pin: ({ accountId, statusId }) => this.pins.pin(accountId, statusId),
    unpin: ({ accountId, statusId }) => this.pins.unpin(accountId, statusId),
    getViewerState: ({ accountId, statusIds }) => this.interactions.viewerState(accountId, statusIds),
    listFavourites: async ({ accountId, page }) => ({
      items: await this.interactions.list('favourites', accountId, page),
    }),
    listBookmarks: async ({ accountId, page }) => ({
      items: await this.interactions.list('bookmarks', accountId, page),
    }),
    listFavouriters: async ({ statusId, page }) => ({
      items: await this.interactions.favouriters(statusId, page),
    }),
    listRebloggers: async ({ statusId, page }) => ({ items: await this.reblogs.rebloggers(statusId, page) }),
  });
}
