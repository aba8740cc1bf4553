import type { EntityManager } from 'typeorm';
import type { FilterClause, TextClause } from '../query/search-query';
import type { StatusDocument } from './status-document';

/** Why an account besides the author and the mentioned may find a status (Mastodon's `searchable_by`). */
export type SearcherReason = 'favourite' | 'bookmark' | 'reblog' | 'vote';

/** A filter on statuses, `from:` resolved to an account id (null: an account that is not there). */
export type StatusFilter =
  | Exclude<FilterClause, { kind: 'from' }>
  | { readonly kind: 'author'; readonly negated: boolean; readonly accountId: string | null };

/** One status search, for a signed-in viewer. */
export interface StatusSearch {
  readonly viewerId: string;
  readonly must: readonly TextClause[];
  readonly mustNot: readonly TextClause[];
  readonly filters: readonly StatusFilter[];
  /** Only what the viewer wrote, was mentioned in or interacted with (`in:library`). */
  readonly library: boolean;
  /** Only statuses of this account. */
  readonly accountId: string | null;
  readonly limit: number;
  readonly offset: number;
}

/**
 * Where statuses are indexed and searched: PostgreSQL full text (the default) or Elasticsearch /
 * OpenSearch (ELASTICSEARCH_URL), which keeps the PostgreSQL tables too. Every write is idempotent (an event applied twice changes nothing); `tx` is the event's
 * transaction, which a backend outside PostgreSQL ignores. Who may find a status is the rule of
 * Mastodon's StatusesIndex: everyone when it is public and its author indexable (and neither
 * suspended nor deleted), else its author, the accounts it mentions and its searchers.
 */
export interface StatusIndex {
  index(tx: EntityManager, document: StatusDocument): Promise<void>;
  remove(tx: EntityManager, statusId: string): Promise<void>;
  addSearcher(tx: EntityManager, statusId: string, accountId: string, reason: SearcherReason): Promise<void>;
  removeSearcher(
    tx: EntityManager,
    statusId: string,
    accountId: string,
    reason: SearcherReason,
  ): Promise<void>;
  /**
   * The author's row in `search.accounts` changed (indexable, suspended, deleted): who may find
   * its statuses changes with it. Called after the row is written, in the same transaction.
   */
  authorChanged(tx: EntityManager, accountId: string): Promise<void>;
  /** Status ids, newest first (as Mastodon orders status searches). */
  search(search: StatusSearch): Promise<string[]>;
}

export const STATUS_INDEX = Symbol('STATUS_INDEX');
