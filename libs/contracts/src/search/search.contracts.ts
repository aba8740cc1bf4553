import { z } from 'zod';
import { defineRequest } from '../define';
import { id } from '../accounts/records';

/** Mastodon's bounds on one search: results per type (default and most), and the longest query read. */
export const SEARCH_LIMITS = {
  defaultLimit: 20,
  maxLimit: 40,
  /** `GET /api/v1/accounts/search` reads more at once (Mastodon: 40 by default, at most 80). */
  accountsDefaultLimit: 40,
  accountsMaxLimit: 80,
  /** Longer queries are cut to this many characters before parsing. */
  queryLength: 1000,
  /** The deepest `offset` served: past it a full-text search costs more than it tells. */
  maxOffset: 10_000,
} as const;

export const searchType = z.enum(['accounts', 'statuses', 'hashtags']);
export type SearchType = z.infer<typeof searchType>;

/**
 * The search index, kept by the search service from status and account events: full text over
 * statuses (with Mastodon's operators), prefixes over account names and hashtags.
 */
export const searchQueries = {
  /**
   * What matches `q` for the viewer, in order: statuses by relevance then newest (only those the
   * viewer may find: public ones of indexable authors, and those it wrote, was mentioned in,
   * favourited, bookmarked or reblogged), accounts by name prefix, hashtag names by prefix. A
   * signed-out viewer (null) finds no statuses, as in Mastodon. `type` null asks for all three.
   * The caller still applies the viewer's blocks, mutes and the visibility rules when presenting.
   */
  query: defineRequest('search.result.list', {
    request: z
      .object({
        viewerId: id.nullable(),
        q: z.string().max(SEARCH_LIMITS.queryLength),
        type: searchType.nullable().default(null),
        limit: z
          .number()
          .int()
          .min(1)
          .max(SEARCH_LIMITS.accountsMaxLimit)
          .default(SEARCH_LIMITS.defaultLimit),
        offset: z.number().int().min(0).max(SEARCH_LIMITS.maxOffset).default(0),
        /** Only statuses of this account (`account_id`). */
        accountId: id.nullable().default(null),
        /** Only accounts the viewer follows (`following`). */
        following: z.boolean().default(false),
        /** Only hashtags reviewed by staff; none are reviewed yet, so only an exact name (`exclude_unreviewed`). */
        excludeUnreviewed: z.boolean().default(false),
      })
      .strict(),
    response: z.object({
      accountIds: z.array(id),
      statusIds: z.array(id),
      /** Hashtag names, lower-cased, without `#`. */
      hashtags: z.array(z.string()),
    }),
  }),
};
