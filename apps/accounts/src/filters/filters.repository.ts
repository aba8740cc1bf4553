import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  contracts,
  type FilterAction,
  type FilterContext,
  type FilterKeywordRecord,
  type FilterRecord,
  type FilterStatusRecord,
} from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { FiltersCache } from '../caches/read-caches';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';

export type Tx = EntityManager;
type Runner = Pick<EntityManager, 'query'>;

interface FilterRow {
  id: string;
  title: string;
  context: FilterContext[];
  action: FilterAction;
  expires_at: Date | null;
  keywords: FilterKeywordRecord[];
  statuses: FilterStatusRecord[];
}

/** A filter's own columns, as a change sets them. */
export interface FilterFields {
  title: string;
  context: FilterContext[];
  action: FilterAction;
  expiresAt: Date | null;
}

/** A filter with its keywords and statuses aggregated in, so a list of filters is one query. */
const FILTER_SELECT = `
  SELECT f.id::text AS id, f.title, f.context, f.action, f.expires_at,
         COALESCE((SELECT json_agg(json_build_object('id', k.id::text, 'keyword', k.keyword, 'wholeWord', k.whole_word) ORDER BY k.id)
                     FROM accounts.filter_keywords k WHERE k.filter_id = f.id), '[]') AS keywords,
         COALESCE((SELECT json_agg(json_build_object('id', st.id::text, 'statusId', st.status_id::text) ORDER BY st.id)
                     FROM accounts.filter_statuses st WHERE st.filter_id = f.id), '[]') AS statuses
    FROM accounts.filters f`;

const toRecord = (row: FilterRow): FilterRecord => ({
  id: row.id,
  title: row.title,
  context: row.context,
  action: row.action,
  expiresAt: row.expires_at?.toISOString() ?? null,
  keywords: row.keywords,
  statuses: row.statuses,
});

const notFound = (): ContractError => new ContractError('not_found', 'Record not found');

/** The filters tables: every read is scoped to the owning account, so another's rows are not found. */
@Injectable()
export class FiltersRepository {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
    private readonly cache: FiltersCache,
  ) {}

  /**
   * The account's filters in force, as every page of statuses shown to it asks: kept in process
   * between changes (FiltersCache), until the first of them expires.
   */
  async active(accountId: string): Promise<FilterRecord[]> {
    const cached = this.cache.get(accountId);
    if (cached) return cached;
    const ticket = this.cache.ticket();
    const filters = await this.list(accountId, true);
    const ends = filters.flatMap((filter) => (filter.expiresAt ? Date.parse(filter.expiresAt) : []));
    const until = ends.length ? Math.min(...ends) : undefined;
    this.cache.put(accountId, filters, [`f:${accountId}`], ticket, until);
    return filters;
  }

  /**
   * One change to an account's filters, in one transaction that also writes `filters.changed`:
   * every write goes through here, so no change can leave the owner's streams unaware. Work that
   * throws (refused input, a rule not found) rolls back and announces nothing.
   */
  change<T>(accountId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      const result = await work(tx);
      await this.outbox.add(tx, contracts.accounts.filters.events.filtersChanged, { accountId });
      return result;
    });
  }

  /**
   * Serializes one account's filter changes, so that limits counted in a transaction cannot be
   * raced past. A transaction-scoped advisory lock: it takes no row other writers need.
   */
  async lockAccount(tx: Tx, accountId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('accounts.filters:' || $1, 0))`, [
      accountId,
    ]);
  }

  /** The account's filters, oldest first; `activeOnly` leaves out expired ones. */
  async list(accountId: string, activeOnly: boolean, runner: Runner = this.db): Promise<FilterRecord[]> {
    const rows: FilterRow[] = await runner.query(
      `${FILTER_SELECT}
        WHERE f.account_id = $1 AND (NOT $2 OR f.expires_at IS NULL OR f.expires_at > now())
        ORDER BY f.id`,
      [accountId, activeOnly],
    );
    return rows.map(toRecord);
  }

  /** One of the account's filters, or `not_found`. */
  async get(accountId: string, filterId: string, runner: Runner = this.db): Promise<FilterRecord> {
    const rows: FilterRow[] = await runner.query(`${FILTER_SELECT} WHERE f.account_id = $1 AND f.id = $2`, [
      accountId,
      filterId,
    ]);
    if (!rows[0]) throw notFound();
    return toRecord(rows[0]);
  }

  /** The filter one of the account's keywords belongs to, or `not_found`. */
  async filterOfKeyword(accountId: string, keywordId: string, runner: Runner = this.db): Promise<string> {
    const rows: { filter_id: string }[] = await runner.query(
      `SELECT k.filter_id::text AS filter_id FROM accounts.filter_keywords k
         JOIN accounts.filters f ON f.id = k.filter_id
        WHERE k.id = $2 AND f.account_id = $1`,
      [accountId, keywordId],
    );
    if (!rows[0]) throw notFound();
    return rows[0].filter_id;
  }

  /** One of the account's status rules, or `not_found`. */
  async filterStatus(
    accountId: string,
    filterStatusId: string,
    runner: Runner = this.db,
  ): Promise<FilterStatusRecord & { filterId: string }> {
    const rows: { id: string; status_id: string; filter_id: string }[] = await runner.query(
      `SELECT s.id::text AS id, s.status_id::text AS status_id, s.filter_id::text AS filter_id
         FROM accounts.filter_statuses s JOIN accounts.filters f ON f.id = s.filter_id
        WHERE s.id = $2 AND f.account_id = $1`,
      [accountId, filterStatusId],
    );
    if (!rows[0]) throw notFound();
    return { id: rows[0].id, statusId: rows[0].status_id, filterId: rows[0].filter_id };
  }

  async countFilters(tx: Tx, accountId: string): Promise<number> {
    const [row]: { count: string }[] = await tx.query(
      `SELECT count(*) AS count FROM accounts.filters WHERE account_id = $1`,
      [accountId],
    );
    return Number(row.count);
  }

  async insertFilter(tx: Tx, accountId: string, fields: FilterFields): Promise<string> {
    const [row]: { id: string }[] = await tx.query(
      `INSERT INTO accounts.filters (account_id, title, context, action, expires_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING id::text AS id`,
      [accountId, fields.title, fields.context, fields.action, fields.expiresAt],
    );
    return row.id;
  }

  async updateFilter(tx: Tx, filterId: string, fields: FilterFields): Promise<void> {
    await tx.query(
      `UPDATE accounts.filters SET title = $2, context = $3, action = $4, expires_at = $5, updated_at = now()
        WHERE id = $1`,
      [filterId, fields.title, fields.context, fields.action, fields.expiresAt],
    );
  }

  async deleteFilter(tx: Tx, filterId: string): Promise<void> {
    await tx.query(`DELETE FROM accounts.filters WHERE id = $1`, [filterId]);
  }

  async insertKeyword(tx: Tx, filterId: string, keyword: string, wholeWord: boolean): Promise<string> {
    const [row]: { id: string }[] = await tx.query(
      `INSERT INTO accounts.filter_keywords (filter_id, keyword, whole_word) VALUES ($1, $2, $3) RETURNING id::text AS id`,
      [filterId, keyword, wholeWord],
    );
    return row.id;
  }

  async updateKeyword(tx: Tx, keywordId: string, keyword: string, wholeWord: boolean): Promise<void> {
    await tx.query(
      `UPDATE accounts.filter_keywords SET keyword = $2, whole_word = $3, updated_at = now() WHERE id = $1`,
      [keywordId, keyword, wholeWord],
    );
  }

  async deleteKeyword(tx: Tx, keywordId: string): Promise<void> {
    await tx.query(`DELETE FROM accounts.filter_keywords WHERE id = $1`, [keywordId]);
  }

  /** Adds a status rule; null when the filter already names that status. */
  async insertStatus(tx: Tx, filterId: string, statusId: string): Promise<string | null> {
    const rows: { id: string }[] = await tx.query(
      `INSERT INTO accounts.filter_statuses (filter_id, status_id) VALUES ($1, $2)
       ON CONFLICT (filter_id, status_id) DO NOTHING RETURNING id::text AS id`,
      [filterId, statusId],
    );
    return rows[0]?.id ?? null;
  }

  async deleteStatus(tx: Tx, filterStatusId: string): Promise<void> {
    await tx.query(`DELETE FROM accounts.filter_statuses WHERE id = $1`, [filterStatusId]);
  }
}
