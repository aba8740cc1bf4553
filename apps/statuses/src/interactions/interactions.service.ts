import { Inject, Injectable } from '@nestjs/common';
import { contracts, notFound, type PageRequest, type StatusRecord } from '@mammut/contracts';
import { type Outbox, pageSql } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { STATUSES_DB, STATUSES_OUTBOX } from '../database/statuses-database';
import { STATUS_COLUMNS, type StatusRow, toStatusRecord } from '../statuses/status-row';
import { ViewerStateCache } from '../statuses/status-cache';
import { StatusesQueries } from '../statuses/statuses.queries';

const events = contracts.statuses.interactions.events;
type Table = 'favourites' | 'bookmarks';
type ViewerFlag = 'f' | 'b' | 'r' | 'p' | 'm';
type ViewerState = Record<'favourited' | 'bookmarked' | 'reblogged' | 'pinned' | 'muted', string[]>;

/**
 * Favourites and bookmarks, and what the viewer did to statuses (threads it muted included). Each is idempotent, as Mastodon's are: favouriting twice answers the
 * status as it is. A favourite moves the status's count and is announced (the author is notified);
 * a bookmark is private to its owner.
 */
@Injectable()
export class Interactions {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    @Inject(STATUSES_OUTBOX) private readonly outbox: Outbox,
    private readonly queries: StatusesQueries,
    private readonly viewerStates: ViewerStateCache,
  ) {}

  async favourite(accountId: string, statusId: string): Promise<StatusRecord> {
    await this.db.transaction(async (tx) => {
      const status = await this.lockStatus(tx, statusId);
      const [added]: { id: string }[] = await tx.query(
        `WITH added AS (
           INSERT INTO statuses.favourites (account_id, status_id) VALUES ($1, $2)
           ON CONFLICT (account_id, status_id) DO NOTHING RETURNING id)
         SELECT id FROM added`,
        [accountId, statusId],
      );
      if (!added) return;
      await tx.query(`UPDATE statuses.statuses SET favourites_count = favourites_count + 1 WHERE id = $1`, [
        statusId,
      ]);
      await this.outbox.add(tx, events.favouriteCreated, {
        favouriteId: added.id,
        accountId,
        statusId,
        statusAccountId: status.accountId,
      });
    });
    return this.current(statusId);
  }

  async unfavourite(accountId: string, statusId: string): Promise<StatusRecord> {
    await this.db.transaction(async (tx) => {
      const status = await this.lockStatus(tx, statusId);
      const [removed]: { id: string }[] = await tx.query(
        `WITH removed AS (DELETE FROM statuses.favourites WHERE account_id = $1 AND status_id = $2 RETURNING id)
         SELECT id FROM removed`,
        [accountId, statusId],
      );
      if (!removed) return;
      await tx.query(
        `UPDATE statuses.statuses SET favourites_count = GREATEST(favourites_count - 1, 0) WHERE id = $1`,
        [statusId],
      );
      await this.outbox.add(tx, events.favouriteRemoved, {
        accountId,
        statusId,
        statusAccountId: status.accountId,
      });
    });
    return this.current(statusId);
  }

  async bookmark(accountId: string, statusId: string): Promise<StatusRecord> {
    await this.current(statusId);
    await this.db.query(
      `INSERT INTO statuses.bookmarks (account_id, status_id) VALUES ($1, $2) ON CONFLICT (account_id, status_id) DO NOTHING`,
      [accountId, statusId],
    );
    return this.current(statusId);
  }

  async unbookmark(accountId: string, statusId: string): Promise<StatusRecord> {
    await this.current(statusId);
    await this.db.query(`DELETE FROM statuses.bookmarks WHERE account_id = $1 AND status_id = $2`, [
      accountId,
      statusId,
    ]);
    return this.current(statusId);
  }

  /**
   * What the viewer did to each status: from the cache where it holds them (ViewerStateCache),
   * the rest in one query.
   */
  async viewerState(accountId: string, statusIds: string[]): Promise<ViewerState> {
    const flags = new Map<string, string>();
    const unseen: string[] = [];
    for (const id of new Set(statusIds)) {
      const cached = this.viewerStates.get(`${accountId}:${id}`);
      if (cached === undefined) unseen.push(id);
      else flags.set(id, cached);
    }
    if (unseen.length) {
      const ticket = this.viewerStates.ticket();
      const rows: { kind: ViewerFlag; status_id: string }[] = await this.db.query(
        `SELECT 'f' AS kind, status_id FROM statuses.favourites WHERE account_id = $1 AND status_id = ANY($2::bigint[])
         UNION ALL
         SELECT 'b' AS kind, status_id FROM statuses.bookmarks WHERE account_id = $1 AND status_id = ANY($2::bigint[])
         UNION ALL
         SELECT 'r' AS kind, reblog_of_id FROM statuses.statuses
          WHERE account_id = $1 AND reblog_of_id = ANY($2::bigint[]) AND deleted_at IS NULL
         UNION ALL
         SELECT 'p' AS kind, status_id FROM statuses.status_pins WHERE account_id = $1 AND status_id = ANY($2::bigint[])
         UNION ALL
         SELECT 'm' AS kind, s.id FROM statuses.statuses s
           JOIN statuses.conversation_mutes cm ON cm.conversation_id = s.conversation_id AND cm.account_id = $1
          WHERE s.id = ANY($2::bigint[])`,
        [accountId, unseen],
      );
      for (const id of unseen) flags.set(id, '');
      for (const row of rows) flags.set(row.status_id, (flags.get(row.status_id) ?? '') + row.kind);
      const tags = [`v:${accountId}`];
      for (const id of unseen) this.viewerStates.put(`${accountId}:${id}`, flags.get(id) ?? '', tags, ticket);
    }
    const of = (kind: ViewerFlag): string[] =>
      [...flags].flatMap(([id, held]) => (held.includes(kind) ? [id] : []));
    return { favourited: of('f'), bookmarked: of('b'), reblogged: of('r'), pinned: of('p'), muted: of('m') };
  }

  /** The account's favourites or bookmarks, newest first, cursored by their own ids. */
  async list(
    table: Table,
    accountId: string,
    page: PageRequest,
  ): Promise<{ cursor: string; status: StatusRecord }[]> {
    const p = pageSql('x.id', page, [accountId]);
    const rows: (StatusRow & { cursor: string })[] = await this.db.query(
      `SELECT x.id AS cursor, ${STATUS_COLUMNS}
         FROM statuses.${table} x JOIN statuses.statuses s ON s.id = x.status_id AND s.deleted_at IS NULL
        WHERE x.account_id = $1${p.where}
        ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    return (p.ascending ? rows.reverse() : rows).map((row) => ({
      cursor: row.cursor,
      status: toStatusRecord(row),
    }));
  }

  async favouriters(statusId: string, page: PageRequest): Promise<{ cursor: string; accountId: string }[]> {
    const p = pageSql('id', page, [statusId]);
    const found: { cursor: string; account_id: string }[] = await this.db.query(
      `SELECT id AS cursor, account_id FROM statuses.favourites
        WHERE status_id = $1${p.where} ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    const rows = p.ascending ? found.reverse() : found;
    return rows.map((row) => ({ cursor: row.cursor, accountId: row.account_id }));
  }

  /** The status, locked for the counter change; 404 when it does not exist (any more). */
  private async lockStatus(tx: EntityManager, statusId: string): Promise<StatusRecord> {
    const [row]: StatusRow[] = await tx.query(
      `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s WHERE s.id = $1 AND s.deleted_at IS NULL FOR UPDATE`,
      [statusId],
    );
    if (!row) throw notFound();
    return toStatusRecord(row);
  }

  private async current(statusId: string): Promise<StatusRecord> {
    const { statuses } = await this.queries.byIds([statusId]);
    if (!statuses[0]) throw notFound();
    return statuses[0];
  }
}
