import { Inject, Injectable } from '@nestjs/common';
import { contracts, notFound, type PageRequest, type StatusRecord } from '@mammut/contracts';
import { type Outbox, pageSql, type ReadEntry, ReadThrough } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { STATUSES_DB, STATUSES_OUTBOX } from '../database/statuses-database';
import { STATUS_COLUMNS, type StatusRow, toStatusRecord } from '../statuses/status-row';
import { ViewerStateCache } from '../statuses/status-cache';
import { StatusesQueries } from '../statuses/statuses.queries';

const events = contracts.statuses.interactions.events;
type Table = 'favourites' | 'bookmarks';
type ViewerFlag = 'f' | 'b' | 'r' | 'p' | 'm';
type ViewerState = Record<'favourited' | 'bookmarked' | 'reblogged' | 'pinned' | 'muted', string[]>;
const FLAG_FIELDS: Readonly<Record<ViewerFlag, keyof ViewerState>> = {
  f: 'favourited',
  b: 'bookmarked',
  r: 'reblogged',
  p: 'pinned',
  m: 'muted',
};

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
  ) {
    this.states = new ReadThrough(this.viewerStates, (keys) => this.readStates(keys));
  }

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
        favouriteId: removed.id,
      });
    });
    return this.current(statusId);
  }

  /** Bookmarks a status once; a row really added is announced (the search index reads it). */
  async bookmark(accountId: string, statusId: string): Promise<StatusRecord> {
    await this.current(statusId);
    await this.db.transaction(async (tx) => {
      const added: unknown[] = await tx.query(
        `INSERT INTO statuses.bookmarks (account_id, status_id) VALUES ($1, $2)
         ON CONFLICT (account_id, status_id) DO NOTHING RETURNING id`,
        [accountId, statusId],
      );
      if (added.length) await this.outbox.add(tx, events.bookmarkCreated, { accountId, statusId });
    });
    return this.current(statusId);
  }

  async unbookmark(accountId: string, statusId: string): Promise<StatusRecord> {
    await this.current(statusId);
    await this.db.transaction(async (tx) => {
      const removed: unknown[] = await tx.query(
        `DELETE FROM statuses.bookmarks WHERE account_id = $1 AND status_id = $2 RETURNING id`,
        [accountId, statusId],
      );
      if (removed.length) await this.outbox.add(tx, events.bookmarkRemoved, { accountId, statusId });
    });
    return this.current(statusId);
  }

  /**
   * What viewers did to statuses (`<viewer>:<status>` → flags) through their cache; misses read
   * together (ReadThrough), so a stream event presented to hundreds of sockets is one query.
   */
  private readonly states: ReadThrough<string>;

  /** What the viewer did to each status. */
  async viewerState(accountId: string, statusIds: string[]): Promise<ViewerState> {
    const ids = [...new Set(statusIds)];
    const held = await this.states.getMany(ids.map((id) => `${accountId}:${id}`));
    const state: ViewerState = { favourited: [], bookmarked: [], reblogged: [], pinned: [], muted: [] };
    for (const id of ids) {
      for (const flag of held.get(`${accountId}:${id}`) ?? '')
        state[FLAG_FIELDS[flag as ViewerFlag]].push(id);
    }
    return state;
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

  private async readStates(keys: string[]): Promise<ReadEntry<string>[]> {
    const pairs = keys.map((key) => key.split(':'));
    const rows: { kind: ViewerFlag; account_id: string; status_id: string }[] = await this.db.query(
      `WITH p AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS p(account_id, status_id))
       SELECT 'f' AS kind, p.account_id, p.status_id FROM p
         JOIN statuses.favourites x ON x.account_id = p.account_id AND x.status_id = p.status_id
       UNION ALL
       SELECT 'b', p.account_id, p.status_id FROM p
         JOIN statuses.bookmarks x ON x.account_id = p.account_id AND x.status_id = p.status_id
       UNION ALL
       SELECT 'r', p.account_id, p.status_id FROM p
         JOIN statuses.statuses x ON x.account_id = p.account_id AND x.reblog_of_id = p.status_id AND x.deleted_at IS NULL
       UNION ALL
       SELECT 'p', p.account_id, p.status_id FROM p
         JOIN statuses.status_pins x ON x.account_id = p.account_id AND x.status_id = p.status_id
       UNION ALL
       SELECT 'm', p.account_id, p.status_id FROM p
         JOIN statuses.statuses s ON s.id = p.status_id
         JOIN statuses.conversation_mutes x ON x.conversation_id = s.conversation_id AND x.account_id = p.account_id`,
      [pairs.map(([viewer]) => viewer), pairs.map(([, status]) => status)],
    );
    const flags = new Map<string, string>(keys.map((key) => [key, '']));
    for (const row of rows) {
      const key = `${row.account_id}:${row.status_id}`;
      flags.set(key, (flags.get(key) ?? '') + row.kind);
    }
    // Nothing done is an answer too, kept like the others.
    return keys.map((key, i) => ({ key, value: flags.get(key) ?? '', tags: [`v:${pairs[i][0]}`] }));
  }
}
