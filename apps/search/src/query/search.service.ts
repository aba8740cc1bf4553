import { Inject, Injectable } from '@nestjs/common';
import type { RequestOf, ResponseOf, SearchType, searchQueries } from '@mammut/contracts';
import { SearchDirectory } from '../directory/search-directory';
import { STATUS_INDEX, type StatusFilter, type StatusIndex } from '../index/status-index';
import { parseSearchQuery } from './search-query';

type Query = RequestOf<typeof searchQueries.query>;
type Answer = ResponseOf<typeof searchQueries.query>;

/**
 * `search.result.list` (`contracts.search.query`): the three searches of Mastodon's SearchService, each asked only when `type`
 * wants it. Statuses only for a signed-in viewer (Mastodon searches none for a signed-out one), and
 * only with something to match: at least one word, phrase, hashtag or filter.
 */
@Injectable()
export class SearchService {
  constructor(
    @Inject(STATUS_INDEX) private readonly index: StatusIndex,
    private readonly directory: SearchDirectory,
  ) {}

  async query(query: Query): Promise<Answer> {
    const wants = (type: SearchType): boolean => query.type === null || query.type === type;
    const page = { limit: query.limit, offset: query.offset };
    const [accountIds, statusIds, hashtags] = await Promise.all([
      wants('accounts')
        ? this.directory.searchAccounts({
            q: query.q,
            viewerId: query.viewerId,
            following: query.following,
            ...page,
          })
        : [],
      wants('statuses') && query.viewerId !== null ? this.statuses(query, query.viewerId) : [],
      wants('hashtags')
        ? this.directory.searchTags({ q: query.q, excludeUnreviewed: query.excludeUnreviewed, ...page })
        : [],
    ]);
    return { accountIds, statusIds, hashtags };
  }

  private async statuses(query: Query, viewerId: string): Promise<string[]> {
    const parsed = parseSearchQuery(query.q);
    if (!parsed.must.length && !parsed.filters.length) return [];
    const filters: StatusFilter[] = [];
    for (const filter of parsed.filters)
      filters.push(
        filter.kind === 'from'
          ? {
              kind: 'author',
              negated: filter.negated,
              accountId: await this.directory.accountIdOf(filter.account, viewerId),
            }
          : filter,
      );
    return this.index.search({
      viewerId,
      must: parsed.must,
      mustNot: parsed.mustNot,
      filters,
      library: parsed.library,
      accountId: query.accountId,
      limit: query.limit,
      offset: query.offset,
    });
  }
}
