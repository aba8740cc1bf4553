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
import { NotificationPoliciesRepository } from './notification-policies.repository';

type ListRequest = RequestOf<typeof contracts.timelines.notifications.listNotifications>;

interface NotificationRow {
  id: string;
  account_id: string;
  from_account_id: string;
  type: NotificationType;
  status_id: string | null;
  report_id: string | null;
  group_key: string | null;
  filtered: boolean;
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
  reportId: row.report_id,
  groupKey: row.group_key,
  filtered: row.filtered,
});

const COLUMNS =
  'id, account_id, from_account_id, type, status_id, report_id, group_key, filtered, created_at';

/** Kinds Mastodon 4.3 gives a group key when they are not filtered. */
const GROUPED: ReadonlySet<NotificationType> = new Set(['favourite', 'reblog', 'follow']);
/** How long, in hours, one group may keep gathering notifications (Mastodon's span). */
const MAXIMUM_GROUP_SPAN_HOURS = 12;

/** Notifications and read markers in the timelines schema. */
@Injectable()
export class NotificationsStore {
  constructor(
    @Inject(TIMELINES_DB) private readonly db: DataSource,
    private readonly policies: NotificationPoliciesRepository,
  ) {}

  /**
   * Records a notification once: the same kind, actor and status again is a no-op (null). A
   * filtered one is held back; a filtered mention also opens its sender's request.
   */
  async add(
    tx: EntityManager,
    notification: {
      accountId: string;
      fromAccountId: string;
      type: NotificationType;
      statusId: string | null;
      reportId?: string | null;
      filtered: boolean;
    },
  ): Promise<NotificationRecord | null> {
    const groupKey = notification.filtered ? null : await this.groupKey(tx, notification);
    const [row]: NotificationRow[] = await tx.query(
      `WITH added AS (
         INSERT INTO timelines.notifications
           (account_id, from_account_id, type, status_id, report_id, filtered, group_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING
         RETURNING ${COLUMNS})
       SELECT * FROM added`,
      [
        notification.accountId,
        notification.fromAccountId,
        notification.type,
        notification.statusId,
        notification.reportId ?? null,
        notification.filtered,
        groupKey,
      ],
    );
    if (row && row.filtered && row.type === 'mention' && row.status_id) {
      await this.policies.holdMention(tx, row.account_id, row.from_account_id, row.status_id);
    }
    return row ? toRecord(row) : null;
  }

  /**
   * Mastodon 4.3's group key: favourites or reblogs of one status (or follows) share
   * `<type>[-<status>]-<hour>`, the hour the group began, for as long as they come within
   * MAXIMUM_GROUP_SPAN_HOURS of it. Mastodon remembers the hour in Redis; here it is the key of
   * the newest notification of the same kind.
   */
  private async groupKey(
    tx: EntityManager,
    notification: { accountId: string; type: NotificationType; statusId: string | null },
  ): Promise<string | null> {
    if (!GROUPED.has(notification.type)) return null;
    const prefix =
      notification.type === 'follow' ? 'follow' : `${notification.type}-${notification.statusId ?? ''}`;
    const [previous]: { group_key: string }[] = await tx.query(
      `SELECT group_key FROM timelines.notifications
        WHERE account_id = $1 AND type = $2 AND COALESCE(status_id, 0) = COALESCE($3::bigint, 0)
          AND group_key IS NOT NULL
        ORDER BY id DESC LIMIT 1`,
      [notification.accountId, notification.type, notification.statusId],
    );
    const hour = Math.floor(Date.now() / 3_600_000);
    const began = previous ? Number(previous.group_key.slice(prefix.length + 1)) : NaN;
    const bucket = Number.isInteger(began) && hour < began + MAXIMUM_GROUP_SPAN_HOURS ? began : hour;
    return `${prefix}-${bucket}`;
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
    const held: { account_id: string; from_account_id: string }[] = await tx.query(
      `WITH removed AS (DELETE FROM timelines.notifications WHERE status_id = $1
                        RETURNING account_id, from_account_id, filtered)
       SELECT account_id, from_account_id FROM removed WHERE filtered`,
      [statusId],
    );
    await this.policies.closeEmpty(
      tx,
      held.map((row) => ({ accountId: row.account_id, fromAccountId: row.from_account_id })),
    );
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
      request.includeFiltered,
    ]);
    const rows: NotificationRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM timelines.notifications
        WHERE account_id = $1
          AND ($2::text[] IS NULL OR type = ANY($2::text[]))
          AND NOT (type = ANY($3::text[]))
          AND ($4::bigint IS NULL OR from_account_id = $4::bigint)
          AND (NOT filtered OR $5::boolean OR $4::bigint IS NOT NULL)${p.where}
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
    await this.db.transaction(async (tx) => {
      // A CTE: TypeORM answers a bare DELETE … RETURNING with [rows, count].
      const deleted: { from_account_id: string; filtered: boolean }[] = await tx.query(
        `WITH removed AS (DELETE FROM timelines.notifications WHERE account_id = $1 AND id = $2
                          RETURNING from_account_id, filtered)
         SELECT from_account_id, filtered FROM removed`,
        [accountId, id],
      );
      if (!deleted.length) throw notFound();
      if (deleted[0].filtered) {
        await this.policies.closeEmpty(tx, [{ accountId, fromAccountId: deleted[0].from_account_id }]);
      }
    });
  }

  /** Every notification of the account, filtered ones and the requests holding them too. */
  async clear(accountId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM timelines.notifications WHERE account_id = $1`, [accountId]);
      await tx.query(`DELETE FROM timelines.notification_requests WHERE account_id = $1`, [accountId]);
    });
  }

  async countUnread(accountId: string, types: NotificationType[] | null, limit: number): Promise<number> {
    const [row]: { count: string }[] = await this.db.query(
      `SELECT count(*) FROM (
         SELECT 1 FROM timelines.notifications n
          WHERE n.account_id = $1 AND NOT n.filtered AND ($2::text[] IS NULL OR n.type = ANY($2::text[]))
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
