import { z } from 'zod';
import { defineEvent, defineRequest } from '../define';
import { id, pageRequest } from '../accounts/records';
import { statusRecord } from './statuses.contracts';

/** One account acting on one status it may see (the caller checked that). */
const act = z.object({ accountId: id, statusId: id });

/** A row of a paged list whose cursor is the favourite or bookmark row, not the status. */
const statusPage = z.object({ items: z.array(z.object({ cursor: id, status: statusRecord })) });

const favourite = (p: { accountId: string; statusId: string }): string =>
  `favourite:${p.accountId}:${p.statusId}`;

export const interactionEvents = {
  favouriteCreated: defineEvent('events.statuses.favourite.created', {
    version: 1,
    aggregate: favourite,
    payload: z.object({ favouriteId: id, accountId: id, statusId: id, statusAccountId: id }),
  }),
  favouriteRemoved: defineEvent('events.statuses.favourite.removed', {
    version: 1,
    aggregate: favourite,
    payload: z.object({ accountId: id, statusId: id, statusAccountId: id }),
  }),
};

/** Favourites and bookmarks: what one account did to statuses, and who favourited one. */
export const statusesInteractions = {
  favourite: defineRequest('statuses.favourite.create', { request: act, response: statusRecord }),
  unfavourite: defineRequest('statuses.favourite.delete', { request: act, response: statusRecord }),
  bookmark: defineRequest('statuses.bookmark.create', { request: act, response: statusRecord }),
  unbookmark: defineRequest('statuses.bookmark.delete', { request: act, response: statusRecord }),
  /** Of `statusIds`, those the account favourited and those it bookmarked. */
  getViewerState: defineRequest('statuses.viewer_state.get', {
    request: z.object({ accountId: id, statusIds: z.array(id).max(400) }),
    response: z.object({ favourited: z.array(id), bookmarked: z.array(id) }),
  }),
  listFavourites: defineRequest('statuses.favourite.list', {
    request: z.object({ accountId: id, page: pageRequest }),
    response: statusPage,
  }),
  listBookmarks: defineRequest('statuses.bookmark.list', {
    request: z.object({ accountId: id, page: pageRequest }),
    response: statusPage,
  }),
  /** The accounts that favourited a status, newest favourite first. */
  listFavouriters: defineRequest('statuses.favouriter.list', {
    request: z.object({ statusId: id, page: pageRequest }),
    response: z.object({ items: z.array(z.object({ cursor: id, accountId: id })) }),
  }),
  events: interactionEvents,
};
