import type { Client, estypes } from '@elastic/elasticsearch';
import { logger } from '@mammut/platform';
import type { EntityManager } from 'typeorm';
import { PostgresStatusIndex } from '../index/postgres-status-index';
import { AUTHOR_LOCK, lockIndex, STATUS_LOCK } from '../index/index-locks';
import type { StatusDocument } from '../index/status-document';
import type { SearcherReason, StatusFilter, StatusIndex, StatusSearch } from '../index/status-index';
import type { TextClause } from '../query/search-query';
import { isNotFound, isRejection } from './elasticsearch-client';
import { type EsStatusDocument, loadStatusDocument } from './status-documents';
import { ensureStatusesIndex, LANGUAGE_FIELDS, languageFieldOf, statusesAlias } from './statuses-mapping';

/** Elasticsearch pages no further than this (`index.max_result_window`). */
const MAX_RESULT_WINDOW = 10_000;

const log = logger('search:elasticsearch');

/** How long the languages found in the index are trusted before they are asked again. */
const LANGUAGES_TTL_MS = 60_000;

/**
 * The status index on Elasticsearch or OpenSearch. The search schema's tables stay the source of
 * truth, written as the PostgreSQL backend writes them (they are what `search deploy` rebuilds
 * from): each write changes the tables first, then puts the status's whole document, read back
 * from the tables in the same transaction, under the alias `<prefix>statuses`. So a document is
 * always what the tables say, whatever order events came in and however often.
 *
 * Writes to one status, and to one author's statuses, are serialised with transaction-scoped
 * advisory locks (the author's first, then the status's): a favourite and its status indexed at
 * once, or a status indexed while its author is suspended, each read what the other committed.
 * An outage throws, so the event fails and is delivered again; a document the server refuses
 * (a 4xx) is logged and skipped, so one bad status never stops the consumer.
 */
export class ElasticsearchStatusIndex implements StatusIndex {
  private ready: Promise<void> | null = null;
  /**
   * The fields a term is matched in: `text`, and the language fields some document has. An
   * instance holds a few languages of the thirty the mapping knows, and each field a term is
   * looked up in costs the search (a third of it, with all thirty). Asked of the index once a
   * minute; a language this process indexes joins at once (`written`), another replica's within
   * the minute (meanwhile its statuses are found by their words as written).
   */
  private languages?: { readonly fields: Promise<Set<string>>; readonly until: number };
  /** The language fields of the documents this process wrote. */
  private readonly written = new Set<string>();

  constructor(
    private readonly client: Client,
    private readonly prefix: string,
    private readonly tables: PostgresStatusIndex,
  ) {}

  private get alias(): string {
    return statusesAlias(this.prefix);
  }

  /** The alias and its first index exist (made on first use, again after a failed try). */
  private ensureIndex(): Promise<void> {
    this.ready ??= ensureStatusesIndex(this.client, this.prefix).catch((error: unknown) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  async index(tx: EntityManager, document: StatusDocument): Promise<void> {
    await lockIndex(tx, AUTHOR_LOCK, document.accountId);
    await lockIndex(tx, STATUS_LOCK, document.id);
    await this.tables.index(tx, document);
    await this.put(tx, document.id);
  }

  async remove(tx: EntityManager, statusId: string): Promise<void> {
    await this.lockStatus(tx, statusId);
    await this.tables.remove(tx, statusId);
    await this.ensureIndex();
    try {
      await this.client.delete({ index: this.alias, id: statusId });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async addSearcher(
    tx: EntityManager,
    statusId: string,
    accountId: string,
    reason: SearcherReason,
  ): Promise<void> {
    await this.rewritten(tx, statusId, () => this.tables.addSearcher(tx, statusId, accountId, reason));
  }

  async removeSearcher(
    tx: EntityManager,
    statusId: string,
    accountId: string,
    reason: SearcherReason,
  ): Promise<void> {
    await this.rewritten(tx, statusId, () => this.tables.removeSearcher(tx, statusId, accountId, reason));
  }

  /** A change to who may find a status, under its lock, then its document written anew. */
  private async rewritten(tx: EntityManager, statusId: string, change: () => Promise<void>): Promise<void> {
    await this.lockStatus(tx, statusId);
    await change();
    await this.touch(tx, statusId);
    await this.put(tx, statusId);
  }

  /**
   * The author's flags onto every document of theirs, as `search.accounts` has them now: an
   * update by query (after a refresh, so that documents just written are found), after the
   * tables took them (under the author's lock, which keeps their statuses from being written
   * meanwhile with the flags read before).
   */
  async authorChanged(tx: EntityManager, accountId: string): Promise<void> {
    await this.tables.authorChanged(tx, accountId);
    const rows: { indexable: boolean; hidden: boolean }[] = await tx.query(
      `SELECT indexable, suspended OR deleted AS hidden FROM search.accounts WHERE id = $1`,
      [accountId],
    );
    if (!rows.length) return;
    // `search deploy` copies what changed since it began: the author's statuses have.
    await tx.query(`UPDATE search.statuses SET indexed_at = now() WHERE account_id = $1`, [accountId]);
    await this.ensureIndex();
    await this.client.indices.refresh({ index: this.alias });
    await this.client.updateByQuery({
      index: this.alias,
      conflicts: 'proceed',
      refresh: true,
      query: { term: { account_id: accountId } },
      script: {
        lang: 'painless',
        source:
          "ctx._source.indexable = ctx._source.visibility == 'public' && params.indexable; ctx._source.hidden = params.hidden",
        params: { indexable: rows[0].indexable, hidden: rows[0].hidden },
      },
    });
  }

  async search(search: StatusSearch): Promise<string[]> {
    if (search.offset + search.limit > MAX_RESULT_WINDOW) return [];
    await this.ensureIndex();
    const fields = await this.languageFields();
    const viewer = { term: { searchable_by: search.viewerId } };
    const findable: estypes.QueryDslQueryContainer[] = search.library
      ? [viewer]
      : [{ term: { indexable: true } }, viewer];
    const filter: estypes.QueryDslQueryContainer[] = [
      { bool: { should: findable, minimum_should_match: 1 } },
      ...search.must.map((clause) => this.textQuery(clause, fields)),
      ...search.filters.filter((f) => !f.negated).map((f) => this.filterQuery(f)),
    ];
    if (search.accountId !== null) filter.push({ term: { account_id: search.accountId } });
    const mustNot: estypes.QueryDslQueryContainer[] = [
      { term: { hidden: true } },
      ...search.mustNot.map((clause) => this.textQuery(clause, fields)),
      ...search.filters.filter((f) => f.negated).map((f) => this.filterQuery(f)),
    ];
    const response = await this.client.search<never>({
      index: this.alias,
      from: search.offset,
      size: search.limit,
      _source: false,
      track_total_hits: false,
      // The ids alone come back (no index name, score or sort values per hit): less to write and
      // parse on both sides. A page with no hits is then `{}`.
      filter_path: ['hits.hits._id'],
      // Newest first, as Mastodon orders every status search: every clause is a filter, nothing
      // is scored.
      query: { bool: { filter, must_not: mustNot } },
      sort: [{ id: { order: 'desc' } }],
    });
    const hits = (response as Partial<typeof response>).hits?.hits ?? [];
    return hits.map((hit) => hit._id).filter((id): id is string => id !== undefined);
  }

  /** The language fields some document has (see `languages`); all of them when the index cannot say. */
  private async languageFields(): Promise<Set<string>> {
    const found = await this.languagesFound();
    return this.written.size ? new Set([...found, ...this.written]) : found;
  }

  private languagesFound(): Promise<Set<string>> {
    if (this.languages && Date.now() < this.languages.until) return this.languages.fields;
    const fields = this.client
      .search({
        index: this.alias,
        size: 0,
        aggs: { languages: { terms: { field: 'language', size: 1000 } } },
      })
      .then((response) => {
        const buckets = (response.aggregations?.languages as estypes.AggregationsStringTermsAggregate)
          .buckets as estypes.AggregationsStringTermsBucket[];
        return new Set(buckets.flatMap((bucket) => languageFieldOf(String(bucket.key)) ?? []));
      })
      .catch((error: unknown) => {
        log.warn({ err: error instanceof Error ? error.message : String(error) }, 'languages unknown');
        // Asked again at the next search.
        if (this.languages?.fields === fields) this.languages = undefined;
        return new Set(LANGUAGE_FIELDS);
      });
    this.languages = { fields, until: Date.now() + LANGUAGES_TTL_MS };
    return fields;
  }

  /**
   * A term matches all its words as written or, for a status in a language with an analyzer,
   * stemmed in that language (the query is analyzed per field); a phrase its words in order as
   * written; a hashtag the status's tags. User text only ever reaches match queries, which read
   * no syntax.
   */
  private textQuery(clause: TextClause, fields: ReadonlySet<string>): estypes.QueryDslQueryContainer {
    if (clause.kind === 'tag') return { term: { tags: clause.name } };
    if (clause.kind === 'phrase') return { match_phrase: { text: clause.text } };
    return {
      bool: {
        should: ['text', ...fields].map((field) => ({
          match: { [field]: { query: clause.text, operator: 'and' as const } },
        })),
        minimum_should_match: 1,
      },
    };
  }

  /** A filter, without its negation (the caller puts negated ones under must_not). */
  private filterQuery(filter: StatusFilter): estypes.QueryDslQueryContainer {
    switch (filter.kind) {
      case 'author':
        return filter.accountId === null
          ? { bool: { must_not: { match_all: {} } } }
          : { term: { account_id: filter.accountId } };
      case 'property':
        return { term: { properties: filter.property } };
      case 'language':
        return { term: { language: filter.language } };
      case 'created':
        return {
          range: {
            created_at: {
              ...(filter.from && { gte: filter.from.toISOString() }),
              ...(filter.to && { lt: filter.to.toISOString() }),
            },
          },
        };
    }
  }

  /** The status's document as the tables hold it now, put in full (or nothing, when it is not indexed). */
  private async put(tx: EntityManager, statusId: string): Promise<void> {
    const document = await loadStatusDocument(tx, statusId);
    if (!document) return;
    await this.ensureIndex();
    await this.write(document);
  }

  private async write(document: EsStatusDocument): Promise<void> {
    const field = languageFieldOf(document.language);
    if (field) this.written.add(field);
    try {
      await this.client.index({ index: this.alias, id: document.id, document });
    } catch (error) {
      if (!isRejection(error)) throw error;
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      log.warn({ statusId: document.id, reason }, 'the server refused a status document; skipped');
    }
  }

  /** Marks a status changed, for the catch-up of a `search deploy` under way. */
  private async touch(tx: EntityManager, statusId: string): Promise<void> {
    await tx.query(`UPDATE search.statuses SET indexed_at = now() WHERE id = $1`, [statusId]);
  }

  /**
   * The locks of a status known only by id: its author's first (as `index` takes them), then its
   * own. A status indexed meanwhile by another transaction has its author locked after; should
   * that deadlock, PostgreSQL aborts one side and its event is delivered again.
   */
  private async lockStatus(tx: EntityManager, statusId: string): Promise<void> {
    const authorOf = async (): Promise<string | null> => {
      const rows: { account_id: string }[] = await tx.query(
        `SELECT account_id::text FROM search.statuses WHERE id = $1`,
        [statusId],
      );
      return rows.length ? rows[0].account_id : null;
    };
    const author = await authorOf();
    if (author !== null) await lockIndex(tx, AUTHOR_LOCK, author);
    await lockIndex(tx, STATUS_LOCK, statusId);
    if (author === null) {
      const now = await authorOf();
      if (now !== null) await lockIndex(tx, AUTHOR_LOCK, now);
    }
  }
}
