import { z } from 'zod';
import { defineEvent, defineRequest } from '../define';
import { id, isoDate } from './records';

/** Where a filter applies, as Mastodon names the places a client shows statuses. */
export const filterContext = z.enum(['home', 'notifications', 'public', 'thread', 'account']);
export type FilterContext = z.infer<typeof filterContext>;

/** What a client does with a matching status: warn behind the title, hide it, or blur its media. */
export const filterAction = z.enum(['warn', 'hide', 'blur']);
export type FilterAction = z.infer<typeof filterAction>;

/**
 * Limits the accounts service enforces. Mastodon sets none beyond presence; these keep one
 * account's filters small enough to fetch whole for every page of statuses it reads.
 */
export const FILTER_LIMITS = {
  filtersPerAccount: 100,
  keywordsPerFilter: 100,
  statusesPerFilter: 100,
  title: 256,
  keyword: 512,
  /** Ten years, in seconds. */
  expiresIn: 10 * 366 * 24 * 3600,
} as const;

export const filterKeywordRecord = z.object({ id, keyword: z.string(), wholeWord: z.boolean() });
export type FilterKeywordRecord = z.infer<typeof filterKeywordRecord>;

export const filterStatusRecord = z.object({ id, statusId: id });
export type FilterStatusRecord = z.infer<typeof filterStatusRecord>;

/** A filter with its rules (keywords and statuses), in the order they were added. */
export const filterRecord = z.object({
  id,
  title: z.string(),
  context: z.array(filterContext),
  action: filterAction,
  expiresAt: isoDate.nullable(),
  keywords: z.array(filterKeywordRecord),
  statuses: z.array(filterStatusRecord),
});
export type FilterRecord = z.infer<typeof filterRecord>;

/**
 * Seconds from now until the filter stops applying; null for never. Absent on an update keeps
 * what the filter has. Zero expires it at once, as Mastodon does; the service refuses values
 * outside 0 to `FILTER_LIMITS.expiresIn`.
 */
const expiresIn = z.number().int().nullable();

/**
 * A change to a filter's keywords, as Rails' nested `keywords_attributes` say it: with an `id`,
 * that keyword of this filter is changed (or removed with `destroy`); without one, a keyword is
 * added.
 */
const keywordChange = z.object({
  id: id.optional(),
  keyword: z.string().max(100_000).optional(),
  wholeWord: z.boolean().optional(),
  destroy: z.boolean().default(false),
});

const viewer = { viewerId: id };
/** Text fields arrive as the client sent them; the service validates lengths and answers 422. */
const text = z.string().max(100_000);

/** One keyword with the filter it belongs to (the v1 API shows them as one entity). */
const keywordOfFilter = z.object({ keyword: filterKeywordRecord, filter: filterRecord });

/**
 * Filter facts, written to the accounts outbox in the transaction that made the change: the
 * timelines service tells the owner's open `user` streams (Mastodon's `filters_changed`), so that
 * clients fetch their filters again.
 */
export const filterEvents = {
  /** A filter, one of its keywords or one of its statuses was created, changed or deleted. */
  filtersChanged: defineEvent('events.accounts.filters.changed', {
    version: 1,
    aggregate: (p) => `filters:${p.accountId}`,
    payload: z.object({ accountId: id }),
  }),
};

/**
 * The viewer's own filters (Mastodon's v2 filters and, through keywords, its v1 filters). Any
 * filter, keyword or status rule that is not the viewer's is `not_found`.
 */
export const accountsFilters = {
  listFilters: defineRequest('accounts.filter.list', {
    request: z.object(viewer),
    response: z.object({ filters: z.array(filterRecord) }),
  }),
  /** The filters that apply now (not expired): what the gateway matches statuses against. */
  listActiveFilters: defineRequest('accounts.active_filter.list', {
    request: z.object(viewer),
    response: z.object({ filters: z.array(filterRecord) }),
  }),
  getFilter: defineRequest('accounts.filter.get', {
    request: z.object({ ...viewer, filterId: id }),
    response: filterRecord,
  }),
  createFilter: defineRequest('accounts.filter.create', {
    request: z.object({
      ...viewer,
      title: text,
      context: z.array(text).max(20),
      action: text.optional(),
      expiresIn: expiresIn.optional(),
      keywords: z.array(keywordChange).max(1000).default([]),
    }),
    response: filterRecord,
  }),
  updateFilter: defineRequest('accounts.filter.update', {
    request: z.object({
      ...viewer,
      filterId: id,
      title: text.optional(),
      context: z.array(text).max(20).optional(),
      action: text.optional(),
      expiresIn: expiresIn.optional(),
      keywords: z.array(keywordChange).max(1000).default([]),
    }),
    response: filterRecord,
  }),
  deleteFilter: defineRequest('accounts.filter.delete', {
    request: z.object({ ...viewer, filterId: id }),
    response: z.object({}),
  }),

  listKeywords: defineRequest('accounts.filter_keyword.list', {
    request: z.object({ ...viewer, filterId: id }),
    response: z.object({ keywords: z.array(filterKeywordRecord) }),
  }),
  getKeyword: defineRequest('accounts.filter_keyword.get', {
    request: z.object({ ...viewer, keywordId: id }),
    response: keywordOfFilter,
  }),
  addKeyword: defineRequest('accounts.filter_keyword.create', {
    request: z.object({ ...viewer, filterId: id, keyword: text, wholeWord: z.boolean().optional() }),
    response: keywordOfFilter,
  }),
  updateKeyword: defineRequest('accounts.filter_keyword.update', {
    request: z.object({
      ...viewer,
      keywordId: id,
      keyword: text.optional(),
      wholeWord: z.boolean().optional(),
    }),
    response: keywordOfFilter,
  }),
  deleteKeyword: defineRequest('accounts.filter_keyword.delete', {
    request: z.object({ ...viewer, keywordId: id }),
    response: z.object({}),
  }),

  listFilterStatuses: defineRequest('accounts.filter_status.list', {
    request: z.object({ ...viewer, filterId: id }),
    response: z.object({ statuses: z.array(filterStatusRecord) }),
  }),
  getFilterStatus: defineRequest('accounts.filter_status.get', {
    request: z.object({ ...viewer, filterStatusId: id }),
    response: filterStatusRecord,
  }),
  /** The caller checked that the viewer may see the status (the statuses service owns that). */
  addFilterStatus: defineRequest('accounts.filter_status.create', {
    request: z.object({ ...viewer, filterId: id, statusId: id }),
    response: filterStatusRecord,
  }),
  deleteFilterStatus: defineRequest('accounts.filter_status.delete', {
    request: z.object({ ...viewer, filterStatusId: id }),
    response: z.object({}),
  }),

  /**
   * Mastodon's v1 filter: one keyword (its id is the keyword's) and a filter of its own, titled
   * with the phrase; `irreversible` is the hide action.
   */
  createV1Filter: defineRequest('accounts.legacy_filter.create', {
    request: z.object({
      ...viewer,
      phrase: text,
      context: z.array(text).max(20),
      irreversible: z.boolean().optional(),
      wholeWord: z.boolean().optional(),
      expiresIn: expiresIn.optional(),
    }),
    response: keywordOfFilter,
  }),
  /** Changing the filter's side when it has other keywords too is refused, as in Mastodon. */
  updateV1Filter: defineRequest('accounts.legacy_filter.update', {
    request: z.object({
      ...viewer,
      keywordId: id,
      phrase: text.optional(),
      context: z.array(text).max(20).optional(),
      irreversible: z.boolean().optional(),
      wholeWord: z.boolean().optional(),
      expiresIn: expiresIn.optional(),
    }),
    response: keywordOfFilter,
  }),
  /** Events sit in a nested namespace: handler maps and `bus.serve` only look at requests. */
  events: filterEvents,
};
