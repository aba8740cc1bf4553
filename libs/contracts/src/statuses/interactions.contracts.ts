import { z } from 'zod';
import { defineEvent, defineRequest } from '../define';
import { id, pageRequest, visibility } from '../accounts/records';
import { statusRecord } from './statuses.contracts';

/** One account acting on one status it may see (the caller checked that). */
const act = z.object({ accountId: id, statusId: id });

/** A row of a paged list whose cursor is the favourite or bookmark row, not the status. */
const statusPage = z.object({ items: z.array(z.object({ cursor: id, status: statusRecord })) });

/** A row of a paged list of accounts, cursored by the favourite or reblog that put it there. */
const accountPage = z.object({ items: z.array(z.object({ cursor: id, accountId: id })) });

const favourite = (p: { accountId: string; statusId: string }): string =>
  `favourite:${p.accountId}:${p.statusId}`;

const bookmark = (p: { accountId: string; statusId: string }): string =>
  `bookmark:${p.accountId}:${p.statusId}`;

const pin = (p: { accountId: string; statusId: string }): string => `pin:${p.accountId}:${p.statusId}`;

export const interactionEvents = {
  favouriteCreated: defineEvent('events.statuses.favourite.created', {
    version: 1,
    aggregate: favourite,
    payload: z.object({ favouriteId: id, accountId: id, statusId: id, statusAccountId: id }),
  }),
  favouriteRemoved: defineEvent('events.statuses.favourite.removed', {
    version: 1,
    aggregate: favourite,
    payload: z.object({
      accountId: id,
      statusId: id,
      statusAccountId: id,
      /** The favourite withdrawn (federation names the Like it undoes by it); null in events from before it was carried. */
      favouriteId: id.nullable().default(null),
    }),
  }),
  /**
   * An account bookmarked a status (a row really added), or took the bookmark back. Private to
   * the account: only the search index consumes them (a bookmarker may find the status).
   */
  bookmarkCreated: defineEvent('events.statuses.bookmark.created', {
    version: 1,
    aggregate: bookmark,
    payload: z.object({ accountId: id, statusId: id }),
  }),
  bookmarkRemoved: defineEvent('events.statuses.bookmark.removed', {
    version: 1,
    aggregate: bookmark,
    payload: z.object({ accountId: id, statusId: id }),
  }),
  /**
   * An account pinned one of its statuses to its profile (a row really added), or unpinned it.
   * `pinId` names the pin, so that federation's Add and Remove of it are delivered once each.
   */
  pinCreated: defineEvent('events.statuses.pin.created', {
    version: 1,
    aggregate: pin,
    payload: z.object({ pinId: id, accountId: id, statusId: id }),
  }),
  pinRemoved: defineEvent('events.statuses.pin.removed', {
    version: 1,
    aggregate: pin,
    payload: z.object({ pinId: id, accountId: id, statusId: id }),
  }),
};

/** Favourites, reblogs, bookmarks and pins: what one account did to statuses, and who did it to one. */
export const statusesInteractions = {
  favourite: defineRequest('statuses.favourite.create', { request: act, response: statusRecord }),
  unfavourite: defineRequest('statuses.favourite.delete', { request: act, response: statusRecord }),
  bookmark: defineRequest('statuses.bookmark.create', { request: act, response: statusRecord }),
  unbookmark: defineRequest('statuses.bookmark.delete', { request: act, response: statusRecord }),
  /**
   * Reblogs a status the account may see (the caller checked that, and that the account does not
   * block its author): a reblog of a reblog shares the original; reblogging twice answers the first
   * reblog. Direct statuses, and private ones of others, cannot be reblogged. The reblog takes the
   * visibility asked for (else the account's default), but a private status's own.
   */
  reblog: defineRequest('statuses.reblog.create', {
    request: act.extend({ visibility: visibility.nullable() }),
    response: z.object({ reblog: statusRecord, status: statusRecord }),
  }),
  /** Withdraws the account's reblog of a status, if any; answers the status. */
  unreblog: defineRequest('statuses.reblog.delete', { request: act, response: statusRecord }),
  /**
   * Pins one of the account's own public or unlisted statuses to its profile (at most
   * STATUS_LIMITS.pins); event pin.created when it was not pinned yet.
   */
  pin: defineRequest('statuses.pin.create', { request: act, response: statusRecord }),
  /** Unpins it; event pin.removed when it was pinned. */
  unpin: defineRequest('statuses.pin.delete', { request: act, response: statusRecord }),
  /** Of `statusIds`, those the account favourited, bookmarked, reblogged and pinned, and those in threads it muted. */
  getViewerState: defineRequest('statuses.viewer_state.get', {
    request: z.object({ accountId: id, statusIds: z.array(id).max(400) }),
    response: z.object({
      favourited: z.array(id),
      bookmarked: z.array(id),
      reblogged: z.array(id),
      pinned: z.array(id),
      muted: z.array(id).default([]),
    }),
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
    response: accountPage,
  }),
  /** The accounts that reblogged a status (visibly to everyone: public or unlisted reblogs), newest first. */
  listRebloggers: defineRequest('statuses.reblogger.list', {
    request: z.object({ statusId: id, page: pageRequest }),
    response: accountPage,
  }),
  events: interactionEvents,
};
