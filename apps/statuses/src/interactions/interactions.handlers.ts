import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { Interactions } from './interactions.service';

@Injectable()
export class InteractionsHandlers {
  constructor(private readonly interactions: Interactions) {}

  readonly bound = defineHandlers(contracts.statuses.interactions, {
    favourite: ({ accountId, statusId }) => this.interactions.favourite(accountId, statusId),
    unfavourite: ({ accountId, statusId }) => this.interactions.unfavourite(accountId, statusId),
    bookmark: ({ accountId, statusId }) => this.interactions.bookmark(accountId, statusId),
    unbookmark: ({ accountId, statusId }) => this.interactions.unbookmark(accountId, statusId),
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
  });
}
