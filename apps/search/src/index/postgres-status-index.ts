import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { DataSource, EntityManager } from 'typeorm';
import { SEARCH_DB } from '../database/search-database';
import type { TextClause } from '../query/search-query';
import { AUTHOR_LOCK, lockIndex } from './index-locks';
import { STEMMING_CONFIGS, stemmingConfigOf, type StatusDocument } from './status-document';
import type { SearcherReason, StatusFilter, StatusIndex, StatusSearch } from './status-index';

/** Every stemming configuration once: a term matches a status in any language it was indexed in. */
const QUERY_CONFIGS = ['simple', ...new Set(Object.values(STEMMING_CONFIGS))];

/** Searched texts whose tsquery is kept: a few MB at most. */
const TSQUERIES_KEPT = 10_000;

/** Bound parameters of one query, named `$n` as they are added. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * Who may find a status, from its author's row in `search.accounts` (`a`, left joined: an author
 * not known yet is neither indexable nor hidden) and the status's visibility (`v`): everyone, when
 * it is public and its author indexable and not gone; nobody but the viewer's own, when its
 * author is suspended or deleted.
 */
const FLAGS = (v: string): string => `
  ${v} = 'public' AND coalesce(a.indexable AND NOT (a.suspended OR a.deleted), false),
  coalesce(a.suspended OR a.deleted, false)`;

/**
 * The status index on PostgreSQL, in two tables. `search.status_terms` is what a search walks:
 * each status's words as one tsvector (its text through `simple`, plus through its language's
 * stemming configuration when PostgreSQL has one) under a GIN index, the columns the operators
 * filter on, and who may find it as two flags kept from its author's row (`everyone`, `hidden`),
 * so a search reads one narrow row per status it passes and joins nothing. `search.statuses`
 * holds the rest of the document (the text, the media), which `search deploy` copies into
 * Elasticsearch; `search.status_searchers` who else may find it. A term matches its words
 * (stemmed in any language, or as written), a phrase its words in order, a hashtag the status's
 * tags. User input only ever reaches SQL as bound parameters, parsed by plainto_tsquery and
 * phraseto_tsquery, which read no operators.
 */
@Injectable()
export class PostgresStatusIndex implements StatusIndex {
  /** The tsquery each searched text became, by `<kind>:<text>` (the most recent TSQUERIES_KEPT). */
  private readonly tsqueryOf = new LRUCache<string, string>({ max: TSQUERIES_KEPT });

  constructor(@Inject(SEARCH_DB) private readonly db: DataSource) {}

  /**
   * The document, then its terms with the author's flags as they are now, under the author's lock
   * (`authorChanged` takes it too). The document first: while the previous release's trigger
   * mirrors `search.statuses` (see CreateStatusTerms), the terms written last are these.
   */
  async index(tx: EntityManager, d: StatusDocument): Promise<void> {
    await lockIndex(tx, AUTHOR_LOCK, d.accountId);
    await tx.query(
      `INSERT INTO search.statuses
         (id, account_id, visibility, language, text, properties, tags, mentions, media_ids, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (id) DO UPDATE SET
         account_id = EXCLUDED.account_id, visibility = EXCLUDED.visibility,
         language = EXCLUDED.language, text = EXCLUDED.text, properties = EXCLUDED.properties,
         tags = EXCLUDED.tags, mentions = EXCLUDED.mentions, media_ids = EXCLUDED.media_ids,
         created_at = EXCLUDED.created_at, indexed_at = now()`,
      [
        d.id,
        d.accountId,
        d.visibility,
        d.language,
        d.text,
        d.properties,
        d.tags,
        d.mentions,
        d.mediaIds,
        d.createdAt,
      ],
    );
    await tx.query(
      `INSERT INTO search.status_terms
         (id, account_id, visibility, language, tsv, properties, tags, mentions, created_at,
          everyone, hidden)
       SELECT $1::bigint, $2::bigint, $3::text, $4::text,
              to_tsvector('simple', $5::text) || CASE WHEN $6::text IS NULL THEN ''::tsvector
                                                      ELSE to_tsvector($6::regconfig, $5::text) END,
              $7::text[], $8::text[], $9::bigint[], $10::timestamptz, ${FLAGS('$3::text')}
         FROM (SELECT) AS one LEFT JOIN search.accounts a ON a.id = $2::bigint
       ON CONFLICT (id) DO UPDATE SET
         account_id = EXCLUDED.account_id, visibility = EXCLUDED.visibility,
         language = EXCLUDED.language, tsv = EXCLUDED.tsv, properties = EXCLUDED.properties,
         tags = EXCLUDED.tags, mentions = EXCLUDED.mentions, created_at = EXCLUDED.created_at,
         everyone = EXCLUDED.everyone, hidden = EXCLUDED.hidden`,
      [
        d.id,
        d.accountId,
        d.visibility,
        d.language,
        d.text,
        stemmingConfigOf(d.language),
        d.properties,
        d.tags,
        d.mentions,
        d.createdAt,
      ],
    );
  }

  async remove(tx: EntityManager, statusId: string): Promise<void> {
    await tx.query(`DELETE FROM search.statuses WHERE id = $1`, [statusId]);
    await tx.query(`DELETE FROM search.status_terms WHERE id = $1`, [statusId]);
    await tx.query(`DELETE FROM search.status_searchers WHERE status_id = $1`, [statusId]);
  }

  async addSearcher(
    tx: EntityManager,
    statusId: string,
    accountId: string,
    reason: SearcherReason,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO search.status_searchers (status_id, account_id, reason) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [statusId, accountId, reason],
    );
  }

  async removeSearcher(
    tx: EntityManager,
    statusId: string,
    accountId: string,
    reason: SearcherReason,
  ): Promise<void> {
    await tx.query(
      `DELETE FROM search.status_searchers WHERE status_id = $1 AND account_id = $2 AND reason = $3`,
      [statusId, accountId, reason],
    );
  }

  /** The author's flags onto the terms of every status of theirs whose flags they change. */
  async authorChanged(tx: EntityManager, accountId: string): Promise<void> {
    await lockIndex(tx, AUTHOR_LOCK, accountId);
    await tx.query(
      `UPDATE search.status_terms t SET (everyone, hidden) = (${FLAGS('t.visibility')})
         FROM (SELECT) AS one LEFT JOIN search.accounts a ON a.id = $1::bigint
        WHERE t.account_id = $1 AND (t.everyone, t.hidden) IS DISTINCT FROM (${FLAGS('t.visibility')})`,
      [accountId],
    );
  }

  async search(search: StatusSearch): Promise<string[]> {
    const queries = await this.tsqueries([...search.must, ...search.mustNot]);
    const p = new Params();
    const viewer = p.add(search.viewerId);
    const mine = [
      `s.account_id = ${viewer}`,
      `s.mentions @> ARRAY[${viewer}]::bigint[]`,
      `EXISTS (SELECT 1 FROM search.status_searchers x WHERE x.status_id = s.id AND x.account_id = ${viewer})`,
    ];
    const findable = search.library ? mine : ['s.everyone', ...mine];
    const where = [
      `NOT s.hidden`,
      `(${findable.join(' OR ')})`,
      ...search.must.map((clause) => this.textCondition(clause, queries, p)),
      ...search.mustNot.map((clause) => `NOT ${this.textCondition(clause, queries, p)}`),
      ...search.filters.map((filter) => this.filterCondition(filter, p)),
    ];
    if (search.accountId !== null) where.push(`s.account_id = ${p.add(search.accountId)}`);
    // Newest first, as Mastodon orders every status search: the planner can then walk the
    // statuses backwards and stop at the page, instead of ranking every match of a common word.
    const rows: { id: string }[] = await this.db.query(
      `SELECT s.id FROM search.status_terms s
       WHERE ${where.join(' AND ')}
       ORDER BY s.id DESC
       LIMIT ${p.add(search.limit)} OFFSET ${p.add(search.offset)}`,
      p.values,
    );
    return rows.map((row) => String(row.id));
  }

  /**
   * Each text clause's tsquery, made by PostgreSQL before the search: a term through every
   * stemming configuration (its distinct forms ORed: a word stems alike in most of them), a phrase
   * as written. The search then binds each as a constant, which the planner can estimate and match
   * against the GIN index, instead of two dozen function calls per row. What a text becomes
   * depends only on PostgreSQL's dictionaries, so it is kept: a text asked again (the same words
   * searched by many) costs no round trip.
   */
  private async tsqueries(clauses: readonly TextClause[]): Promise<Map<string, string>> {
    const keys = [
      ...new Set(
        clauses.flatMap((clause) => (clause.kind === 'tag' ? [] : [`${clause.kind}:${clause.text}`])),
      ),
    ];
    const unknown = keys.filter((key) => !this.tsqueryOf.has(key));
    if (unknown.length) {
      const rows: { key: string; query: string | null }[] = await this.db.query(
        `SELECT c.key, string_agg(DISTINCT '(' || q.query || ')', ' | ') AS query
           FROM unnest($1::text[]) AS c(key)
           CROSS JOIN LATERAL (
             SELECT CASE WHEN c.key LIKE 'phrase:%' THEN phraseto_tsquery('simple', substr(c.key, 8))
                         ELSE plainto_tsquery(config, substr(c.key, 6)) END::text AS query
               FROM unnest($2::regconfig[]) AS config) q
          WHERE q.query <> ''
          GROUP BY c.key`,
        [unknown, QUERY_CONFIGS],
      );
      const made = new Map(rows.map((row) => [row.key, row.query ?? '']));
      // A text of stop words only has no row: it is kept as the empty query it is.
      for (const key of unknown) this.tsqueryOf.set(key, made.get(key) ?? '');
    }
    return new Map(keys.map((key) => [key, this.tsqueryOf.get(key) ?? '']));
  }

  private tsquery(
    clause: Exclude<TextClause, { kind: 'tag' }>,
    queries: ReadonlyMap<string, string>,
    p: Params,
  ): string {
    // A clause of stop words only has no query: it matches nothing, as an empty tsquery does.
    return `${p.add(queries.get(`${clause.kind}:${clause.text}`) ?? '')}::tsquery`;
  }

  private textCondition(clause: TextClause, queries: ReadonlyMap<string, string>, p: Params): string {
    if (clause.kind === 'tag') return `(s.tags @> ARRAY[${p.add(clause.name)}]::text[])`;
    return `(s.tsv @@ ${this.tsquery(clause, queries, p)})`;
  }

  private filterCondition(filter: StatusFilter, p: Params): string {
    const condition = ((): string => {
      switch (filter.kind) {
        case 'author':
          return filter.accountId === null ? 'false' : `s.account_id = ${p.add(filter.accountId)}`;
        case 'property':
          return `s.properties @> ARRAY[${p.add(filter.property)}]::text[]`;
        case 'language':
          return `coalesce(s.language = ${p.add(filter.language)}, false)`;
        case 'created': {
          const bounds = [
            filter.from && `s.created_at >= ${p.add(filter.from.toISOString())}`,
            filter.to && `s.created_at < ${p.add(filter.to.toISOString())}`,
          ].filter(Boolean);
          return bounds.length ? bounds.join(' AND ') : 'true';
        }
      }
    })();
    return filter.negated ? `NOT (${condition})` : `(${condition})`;
  }
}
