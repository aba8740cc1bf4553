import { Inject, Injectable } from '@nestjs/common';
import {
  contracts,
  type MarkerRecord,
  notFound,
  type NotificationRecord,
  type NotificationType,
  type RequestOf,
} from '@mammut/contracts';
import { pageSql } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { TIMELINES_DB } from '../database/timelines-database';

type ListRequest = RequestOf<typeof contracts.timelines.notifications.listNotifications>;

interface NotificationRow {
  id: string;
  account_id: string;
  from_account_id: string;
  type: NotificationType;
  status_id: string | null;
  created_at: Date;
}

interface MarkerRow {
  timeline: MarkerRecord['timeline'];
  last_read_id: string;
  version: number;
  updated_at: Date;
}

const toRecord = (row: NotificationRow): NotificationRecord => ({
  id: row.id,
  type: row.type,
  createdAt: row.created_at.toISOString(),
  accountId: row.account_id,
  fromAccountId: row.from_account_id,
  statusId: row.status_id,
});

const COLUMNS = 'id, account_id, from_account_id, type, status_id, created_at';

/** Notifications and read markers in the timelines schema. */
@Injectable()
export class NotificationsStore {
  constructor(@Inject(TIMELINES_DB) private readonly db: DataSource) {}

  /** Records a notification once: the same kind, actor and status again is a no-op (null). */
  async add(
    tx: EntityManager,
    notification: {
      accountId: string;
      fromAccountId: string;
      type: NotificationType;
      statusId: string | null;
    },
  ): Promise<NotificationRecord | null> {
    const [row]: NotificationRow[] = await tx.query(
      `WITH added AS (
         INSERT INTO timelines.notifications (account_id, from_account_id, type, status_id)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING
         RETURNING ${COLUMNS})
       SELECT * FROM added`,
      [notification.accountId, notification.fromAccountId, notification.type, notification.statusId],
    );
    return row ? toRecord(row) : null;
  }

  async removeFor(
    tx: EntityManager,
    accountId: string,
    fromAccountId: string,
    type: NotificationType,
    statusId: string,
  ): Promise<void> {
    await tx.query(
      `DELETE FROM timelines.notifications
        WHERE account_id = $1 AND from_account_id = $2 AND type = $3 AND status_id = $4`,
      [accountId, fromAccountId, type, statusId],
    );
  }

  async removeForStatus(tx: EntityManager, statusId: string): Promise<void> {
    await tx.query(`DELETE FROM timelines.notifications WHERE status_id = $1`, [statusId]);
  }

  async removeBetween(
    tx: EntityManager,
    accountId: string,
    fromAccountId: string,
    types: NotificationType[],
  ): Promise<void> {
    await tx.query(
      `DELETE FROM timelines.notifications WHERE account_id = $1 AND from_account_id = $2 AND type = ANY($3::text[])`,
      [accountId, fromAccountId, types],
    );
  }

  async list(request: ListRequest): Promise<NotificationRecord[]> {
    const p = pageSql('id', request.page, [
      request.accountId,
      request.types,
      request.excludeTypes,
      request.fromAccountId,
    ]);
    const rows: NotificationRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM timelines.notifications
        WHERE account_id = $1
          AND ($2::text[] IS NULL OR type = ANY($2::text[]))
          AND NOT (type = ANY($3::text[]))
          AND ($4::bigint IS NULL OR from_account_id = $4::bigint)${p.where}
        ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    return (p.ascending ? rows.reverse() : rows).map(toRecord);
  }

  async get(accountId: string, id: string): Promise<NotificationRecord> {
    const [row]: NotificationRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM timelines.notifications WHERE account_id = $1 AND id = $2`,
      [accountId, id],
    );
    if (!row) throw notFound();
    return toRecord(row);
  }

  async dismiss(accountId: string, id: string): Promise<void> {
    // A CTE: TypeORM answers a bare DELETE … RETURNING with [rows, count].
    const deleted: { id: string }[] = await this.db.query(
      `WITH removed AS (DELETE FROM timelines.notifications WHERE account_id = $1 AND id = $2 RETURNING id)
       SELECT id FROM removed`,
      [accountId, id],
    );
    if (!deleted.length) throw notFound();
  }

  async clear(accountId: string): Promise<void> {
    await this.db.query(`DELETE FROM timelines.notifications WHERE account_id = $1`, [accountId]);
  }

  async countUnread(accountId: string, types: NotificationType[] | null, limit: number): Promise<number> {
    const [row]: { count: string }[] = await this.db.query(
      `SELECT count(*) FROM (
         SELECT 1 FROM timelines.notifications n
          WHERE n.account_id = $1 AND ($2::text[] IS NULL OR n.type = ANY($2::text[]))
            AND n.id > COALESCE((SELECT last_read_id FROM timelines.markers
                                  WHERE account_id = $1 AND timeline = 'notifications'), 0)
          LIMIT $3) unread`,
      [accountId, types, limit],
    );
    return Number(row.count);
  }

  async markers(accountId: string, timelines: MarkerRecord['timeline'][]): Promise<MarkerRecord[]> {
    const rows: MarkerRow[] = await this.db.query(
      `SELECT timeline, last_read_id, version, updated_at FROM timelines.markers
        WHERE account_id = $1 AND timeline = ANY($2::text[]) ORDER BY timeline`,
      [accountId, timelines],
    );
    return rows.map((row) => ({
      timeline: row.timeline,
      lastReadId: row.last_read_id,
      version: row.version,
      updatedAt: row.updated_at.toISOString(),
    }));
  }

  /** Moves the markers given; each save of a marker counts one version. */
  async saveMarkers(
    accountId: string,
    positions: { home: string | null; notifications: string | null },
  ): Promise<MarkerRecord[]> {
    const given = (['home', 'notifications'] as const).filter((timeline) => positions[timeline] !== null);
    for (const timeline of given) {
      await this.db.query(
        `INSERT INTO timelines.markers (account_id, timeline, last_read_id) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, timeline)
         DO UPDATE SET last_read_id = EXCLUDED.last_read_id, version = markers.version + 1, updated_at = now()`,
        [accountId, timeline, positions[timeline]],
      );
    }
    return this.markers(accountId, [...given]);
  }
}
