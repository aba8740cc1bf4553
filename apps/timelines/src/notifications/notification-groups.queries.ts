import { Inject, Injectable } from '@nestjs/common';
import {
  type contracts,
  type NotificationGroupRecord,
  type NotificationType,
  notFound,
  type PageRequest,
  type RequestOf,
} from '@mammut/contracts';
import { pageSql } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { TIMELINES_DB } from '../database/timelines-database';
import { NotificationPoliciesRepository } from './notification-policies.repository';

type ListRequest = RequestOf<typeof contracts.timelines.notificationGroups.listGroups>;
type Selection = Omit<ListRequest, 'page' | 'fromAccountId'> & { fromAccountId: string | null };

interface GroupedRow {
  id: string;
  account_id: string;
  from_account_id: string;
  type: NotificationType;
  status_id: string | null;
  report_id: string | null;
  group_key: string | null;
  filtered: boolean;
  created_at: Date;
  /** The key the page groups it by: its group key, or `ungrouped-<id>`. */
  gk: string;
}

interface GroupDataRow {
  key: string;
  max_id: string;
  latest_at: Date;
  samples: string[];
  count: string;
  min_id: string | null;
}

/** Mastodon shows at most this many of a group's accounts with the group. */
const SAMPLE_ACCOUNTS_SIZE = 8;

const UNGROUPED = 'ungrouped-';

/** Notification groups as Mastodon 4.3 pages them (`GET /api/v2/notifications`). */
@Injectable()
export class NotificationGroupsQueries {
  constructor(
    @Inject(TIMELINES_DB) private readonly db: DataSource,
    private readonly policies: NotificationPoliciesRepository,
  ) {}

  /**
   * A page of groups. Walks the account's notifications in id order, taking each one whose group
   * the page has not shown yet, until it has `limit` groups (Mastodon's recursive query): a big
   * group costs one row, not one per notification. Each group then gets its count and sample
   * accounts within the page's range of ids, and the range of its notifications on the page.
   */
  async list(request: ListRequest): Promise<NotificationGroupRecord[]> {
    const rows = await this.page(request, request.page);
    if (!rows.length) return [];
    const incomplete = rows.length < request.page.limit;
    let start: string | null = rows.at(-1)?.id ?? null;
    let end: string | null = rows[0].id;
    // The last page reaches as far as the cursor it was asked from.
    if (incomplete && request.page.minId !== undefined) {
      end = request.page.maxId !== undefined ? (BigInt(request.page.maxId) - 1n).toString() : null;
    } else if (incomplete) {
      start = request.page.sinceId !== undefined ? (BigInt(request.page.sinceId) + 1n).toString() : null;
    }
    return this.withGroupData(request.accountId, rows, { start, end });
  }

  async get(accountId: string, groupKey: string): Promise<NotificationGroupRecord> {
    const key = this.byKey(groupKey, 3);
    const rows: GroupedRow[] = await this.db.query(
      `SELECT n.*, $2::text AS gk FROM timelines.notifications n
        WHERE n.account_id = $1 AND ${key.sql}
        ORDER BY n.id DESC LIMIT 1`,
      [accountId, groupKey, ...key.params],
    );
    if (!rows.length) throw notFound();
    const [group] = await this.withGroupData(accountId, rows, null);
    return group;
  }

  async dismiss(accountId: string, groupKey: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const key = this.byKey(groupKey, 2);
      const held: { from_account_id: string }[] = await tx.query(
        `WITH removed AS (DELETE FROM timelines.notifications n WHERE n.account_id = $1 AND ${key.sql}
                          RETURNING from_account_id, filtered)
         SELECT from_account_id FROM removed WHERE filtered`,
        [accountId, ...key.params],
      );
      await this.policies.closeEmpty(
        tx,
        held.map((row) => ({ accountId, fromAccountId: row.from_account_id })),
      );
    });
  }

  async accounts(
    accountId: string,
    groupKey: string,
    page: PageRequest,
  ): Promise<{ cursor: string; accountId: string }[]> {
    const key = this.byKey(groupKey, 2);
    const p = pageSql('n.id', page, [accountId, ...key.params]);
    const rows: { id: string; from_account_id: string }[] = await this.db.query(
      `SELECT n.id, n.from_account_id FROM timelines.notifications n
        WHERE n.account_id = $1 AND ${key.sql}${p.where}
        ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    return (p.ascending ? rows.reverse() : rows).map((row) => ({
      cursor: row.id,
      accountId: row.from_account_id,
    }));
  }

  /** Groups newer than the notifications marker, counted as far as `limit`. */
  async countUnread(request: Selection & { limit: number }): Promise<number> {
    const [marker]: { last_read_id: string }[] = await this.db.query(
      `SELECT last_read_id FROM timelines.markers WHERE account_id = $1 AND timeline = 'notifications'`,
      [request.accountId],
    );
    const rows = await this.page(request, { minId: marker?.last_read_id ?? '0', limit: request.limit });
    return rows.length;
  }

  /**
   * SQL for `group_key = key`, or for the one notification an `ungrouped-<id>` key names, with
   * its two parameters (an id, a key: one of them null).
   */
  private byKey(groupKey: string, first: number): { sql: string; params: [string | null, string | null] } {
    const sql = `(n.id = $${first}::bigint OR n.group_key = $${first + 1}::text)`;
    if (!groupKey.startsWith(UNGROUPED)) return { sql, params: [null, groupKey] };
    const id = groupKey.slice(UNGROUPED.length);
    // A key that names no id names nothing: -1 is no notification's id.
    return { sql, params: [/^\d{1,18}$/.test(id) ? id : '-1', null] };
  }

  /** One notification per group, newest first, at most `page.limit` groups. */
  private async page(selection: Selection, page: PageRequest): Promise<GroupedRow[]> {
    const p = pageSql('n.id', page, [
      selection.accountId,
      selection.types,
      selection.excludeTypes,
      selection.fromAccountId,
      selection.includeFiltered,
      selection.groupedTypes,
    ]);
    const gk = `CASE WHEN n.group_key IS NOT NULL AND ($6::text[] IS NULL OR n.type = ANY($6::text[]))
                     THEN n.group_key ELSE '${UNGROUPED}' || n.id END`;
    const where = `n.account_id = $1
      AND ($2::text[] IS NULL OR n.type = ANY($2::text[]))
      AND NOT (n.type = ANY($3::text[]))
      AND ($4::bigint IS NULL OR n.from_account_id = $4::bigint)
      AND (NOT n.filtered OR $5::boolean OR $4::bigint IS NOT NULL)${p.where}`;
    const direction = p.ascending ? 'ASC' : 'DESC';
    const rows: GroupedRow[] = await this.db.query(
      `WITH RECURSIVE walk (id, seen) AS (
         (SELECT n.id, ARRAY[${gk}] FROM timelines.notifications n
           WHERE ${where} ORDER BY n.id ${direction} LIMIT 1)
         UNION ALL
         SELECT next.id, walk.seen || next.gk
           FROM walk CROSS JOIN LATERAL (
             SELECT n.id, ${gk} AS gk FROM timelines.notifications n
              WHERE ${where} AND n.id ${p.ascending ? '>' : '<'} walk.id AND NOT (${gk} = ANY(walk.seen))
              ORDER BY n.id ${direction} LIMIT 1) next
          WHERE cardinality(walk.seen) < ${p.limit})
       SELECT n.*, ${gk} AS gk FROM walk JOIN timelines.notifications n ON n.id = walk.id
        ORDER BY n.id DESC`,
      p.params,
    );
    return rows;
  }

  /**
   * Each row as its group: a real group counted (and sampled) up to `range.end`, with the range
   * of its notifications within the page; a notification alone is its own group of one.
   */
  private async withGroupData(
    accountId: string,
    rows: readonly GroupedRow[],
    range: { start: string | null; end: string | null } | null,
  ): Promise<NotificationGroupRecord[]> {
    const keys = rows.filter((row) => !row.gk.startsWith(UNGROUPED)).map((row) => row.gk);
    const data: GroupDataRow[] = keys.length
      ? await this.db.query(
          `WITH g AS (SELECT * FROM timelines.notifications n
                       WHERE n.account_id = $1 AND n.group_key = ANY($2::text[])
                         AND ($4::bigint IS NULL OR n.id <= $4::bigint))
           SELECT k.key,
             (SELECT id FROM g WHERE g.group_key = k.key ORDER BY id DESC LIMIT 1) AS max_id,
             (SELECT created_at FROM g WHERE g.group_key = k.key ORDER BY id DESC LIMIT 1) AS latest_at,
             ARRAY(SELECT from_account_id::text FROM g WHERE g.group_key = k.key
                    ORDER BY id DESC LIMIT ${SAMPLE_ACCOUNTS_SIZE}) AS samples,
             (SELECT count(*) FROM g WHERE g.group_key = k.key) AS count,
             (SELECT id FROM g WHERE g.group_key = k.key AND ($3::bigint IS NULL OR id >= $3::bigint)
               ORDER BY id ASC LIMIT 1) AS min_id
           FROM unnest($2::text[]) AS k(key)`,
          [accountId, keys, range?.start ?? null, range?.end ?? null],
        )
      : [];
    const byKey = new Map(data.map((row) => [row.key, row]));
    return rows.map((row) => {
      const notification = {
        id: row.id,
        type: row.type,
        createdAt: row.created_at.toISOString(),
        accountId: row.account_id,
        fromAccountId: row.from_account_id,
        statusId: row.status_id,
        reportId: row.report_id,
        groupKey: row.group_key,
        filtered: row.filtered,
      };
      const group = byKey.get(row.gk);
      if (!group) {
        return {
          groupKey: row.gk,
          notification,
          notificationsCount: 1,
          mostRecentNotificationId: row.id,
          sampleAccountIds: [row.from_account_id],
          page: range ? { minId: row.id, maxId: row.id, latestNotificationAt: notification.createdAt } : null,
        };
      }
      return {
        groupKey: row.gk,
        notification,
        notificationsCount: Number(group.count),
        mostRecentNotificationId: group.max_id,
        sampleAccountIds: group.samples,
        page: range
          ? {
              minId: group.min_id ?? row.id,
              maxId: group.max_id,
              latestNotificationAt: group.latest_at.toISOString(),
            }
          : null,
      };
    });
  }
}
