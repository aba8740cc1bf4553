import type { EntityManager } from 'typeorm';
import { languageFieldOf } from './statuses-mapping';

/** What Elasticsearch holds of a status: built from the search schema's own tables, never an event. */
export interface EsStatusDocument {
  readonly id: string;
  readonly account_id: string;
  readonly visibility: string;
  readonly language: string | null;
  readonly text: string;
  readonly [languageField: `text_${string}`]: string;
  readonly properties: string[];
  readonly tags: string[];
  readonly mentions: string[];
  readonly media_ids: string[];
  readonly searchable_by: string[];
  readonly indexable: boolean;
  readonly hidden: boolean;
  readonly created_at: string;
}

interface Row {
  id: string;
  account_id: string;
  visibility: string;
  language: string | null;
  text: string;
  properties: string[];
  tags: string[];
  mentions: string[];
  media_ids: string[];
  searchers: string[];
  created_at: string;
  author_indexable: boolean;
  hidden: boolean;
}

/**
 * The status rows, with who else may find each (`status_searchers`) and its author's flags as
 * `search.accounts` has them: an author not known yet is neither indexable nor hidden, as the
 * PostgreSQL backend's left join reads it. Ids are text throughout (snowflakes outgrow doubles).
 */
const SELECT = `
  SELECT s.id::text AS id, s.account_id::text AS account_id, s.visibility, s.language, s.text,
         s.properties, s.tags, s.mentions::text[] AS mentions, s.media_ids::text[] AS media_ids,
         ARRAY(SELECT DISTINCT x.account_id::text FROM search.status_searchers x
                WHERE x.status_id = s.id) AS searchers,
         to_json(s.created_at) #>> '{}' AS created_at,
         coalesce(a.indexable, false) AS author_indexable,
         coalesce(a.suspended OR a.deleted, false) AS hidden
    FROM search.statuses s
    LEFT JOIN search.accounts a ON a.id = s.account_id`;

function documentOf(row: Row): EsStatusDocument {
  const stemmed = languageFieldOf(row.language);
  return {
    id: row.id,
    account_id: row.account_id,
    visibility: row.visibility,
    language: row.language,
    text: row.text,
    ...(stemmed ? { [stemmed]: row.text } : {}),
    properties: row.properties,
    tags: row.tags,
    mentions: row.mentions,
    media_ids: row.media_ids,
    searchable_by: [...new Set([row.account_id, ...row.mentions, ...row.searchers])],
    indexable: row.visibility === 'public' && row.author_indexable,
    hidden: row.hidden,
    created_at: row.created_at,
  };
}

/** Reads through `tx`, so a handler sees what it has just written. */
type Reader = Pick<EntityManager, 'query'>;

/** One status's document as the tables hold it now; null when it is not indexed. */
export async function loadStatusDocument(db: Reader, statusId: string): Promise<EsStatusDocument | null> {
  const rows: Row[] = await db.query(`${SELECT} WHERE s.id = $1`, [statusId]);
  return rows.length ? documentOf(rows[0]) : null;
}

/** Documents in id order after `afterId` (keyset paging for `search deploy`). */
export async function loadStatusDocumentsAfter(
  db: Reader,
  afterId: string,
  limit: number,
): Promise<EsStatusDocument[]> {
  const rows: Row[] = await db.query(`${SELECT} WHERE s.id > $1 ORDER BY s.id LIMIT $2`, [afterId, limit]);
  return rows.map(documentOf);
}

/** Documents of statuses indexed, or whose searchers or author changed, since `since`. */
export async function loadStatusDocumentsChangedSince(
  db: Reader,
  since: string,
  afterId: string,
  limit: number,
): Promise<EsStatusDocument[]> {
  const rows: Row[] = await db.query(
    `${SELECT} WHERE s.indexed_at >= $1 AND s.id > $2 ORDER BY s.id LIMIT $3`,
    [since, afterId, limit],
  );
  return rows.map(documentOf);
}
