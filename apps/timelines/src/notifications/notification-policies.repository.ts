import { Inject, Injectable } from '@nestjs/common';
import type {
  NotificationPolicyRecord,
  NotificationPolicyRules,
  NotificationRequestRecord,
  PageRequest,
} from '@mammut/contracts';
import { notFound } from '@mammut/contracts';
import { pageSql } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { TIMELINES_DB } from '../database/timelines-database';

/** Mastodon 4.3's policy for an account that never changed it. */
export const DEFAULT_POLICY: NotificationPolicyRules = {
  forNotFollowing: 'accept',
  forNotFollowers: 'accept',
  forNewAccounts: 'accept',
  forPrivateMentions: 'filter',
  forLimitedAccounts: 'filter',
};

/** Mastodon counts pending requests no further than this. */
const MAX_MEANINGFUL_COUNT = 100;

const COLUMNS: Record<keyof NotificationPolicyRules, string> = {
  forNotFollowing: 'for_not_following',
  forNotFollowers: 'for_not_followers',
  forNewAccounts: 'for_new_accounts',
  forPrivateMentions: 'for_private_mentions',
  forLimitedAccounts: 'for_limited_accounts',
};
const RULE_KEYS = Object.keys(COLUMNS) as (keyof NotificationPolicyRules)[];

type PolicyRow = Record<string, NotificationPolicyRules[keyof NotificationPolicyRules]>;

interface RequestRow {
  id: string;
  account_id: string;
  from_account_id: string;
  last_status_id: string | null;
  created_at: Date;
  updated_at: Date;
  notifications_count: string;
}

const toRequest = (row: RequestRow): NotificationRequestRecord => ({
  id: row.id,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  accountId: row.account_id,
  fromAccountId: row.from_account_id,
  notificationsCount: Number(row.notifications_count),
  lastStatusId: row.last_status_id,
});

/** Counted live, so a filtered mention that goes (its status deleted) is counted no more. */
const REQUEST_COLUMNS = `r.id, r.account_id, r.from_account_id, r.last_status_id, r.created_at, r.updated_at,
  (SELECT count(*) FROM (SELECT 1 FROM timelines.notifications n
     WHERE n.account_id = r.account_id AND n.from_account_id = r.from_account_id
       AND n.filtered AND n.type = 'mention' LIMIT ${MAX_MEANINGFUL_COUNT}) c) AS notifications_count`;

/**
 * Notification policies, the requests that hold a sender's filtered mentions, and the senders an
 * account accepted (Mastodon's NotificationPermission), in the timelines schema.
 */
@Injectable()
export class NotificationPoliciesRepository {
  constructor(@Inject(TIMELINES_DB) private readonly db: DataSource) {}

  async rules(accountId: string, tx: EntityManager = this.db.manager): Promise<NotificationPolicyRules> {
    const [row]: PolicyRow[] = await tx.query(
      `SELECT ${RULE_KEYS.map((key) => COLUMNS[key]).join(', ')}
         FROM timelines.notification_policies WHERE account_id = $1`,
      [accountId],
    );
    if (!row) return { ...DEFAULT_POLICY };
    return Object.fromEntries(RULE_KEYS.map((key) => [key, row[COLUMNS[key]]])) as NotificationPolicyRules;
  }

  async policy(accountId: string): Promise<NotificationPolicyRecord> {
    const pending: Promise<{ requests: string; notifications: string }[]> = this.db.query(
      `SELECT count(*) AS requests, COALESCE(sum(notifications_count), 0) AS notifications FROM (
         SELECT ${REQUEST_COLUMNS} FROM timelines.notification_requests r
          WHERE r.account_id = $1 LIMIT ${MAX_MEANINGFUL_COUNT}) pending`,
      [accountId],
    );
    const [rules, [summary]] = await Promise.all([this.rules(accountId), pending]);
    return {
      ...rules,
      pendingRequestsCount: Number(summary.requests),
      pendingNotificationsCount: Number(summary.notifications),
    };
  }

  /** Writes the whole policy: the changes over what the account had (or Mastodon's defaults). */
  async update(
    accountId: string,
    changes: Partial<NotificationPolicyRules>,
  ): Promise<NotificationPolicyRecord> {
    await this.db.transaction(async (tx) => {
      const rules = { ...(await this.rules(accountId, tx)), ...changes };
      const columns = RULE_KEYS.map((key) => COLUMNS[key]);
      await tx.query(
        `INSERT INTO timelines.notification_policies (account_id, ${columns.join(', ')})
         VALUES ($1, ${columns.map((_, i) => `$${i + 2}`).join(', ')})
         ON CONFLICT (account_id) DO UPDATE SET
           ${columns.map((column) => `${column} = EXCLUDED.${column}`).join(', ')}, updated_at = now()`,
        [accountId, ...RULE_KEYS.map((key) => rules[key])],
      );
    });
    return this.policy(accountId);
  }

  async accepted(tx: EntityManager, accountId: string, fromAccountId: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `SELECT 1 FROM timelines.notification_permissions WHERE account_id = $1 AND from_account_id = $2`,
      [accountId, fromAccountId],
    );
    return rows.length > 0;
  }

  /** A filtered mention opens the sender's request, or brings it up to date. */
  async holdMention(
    tx: EntityManager,
    accountId: string,
    fromAccountId: string,
    statusId: string,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO timelines.notification_requests (account_id, from_account_id, last_status_id)
       VALUES ($1, $2, $3)
       ON CONFLICT (account_id, from_account_id)
       DO UPDATE SET last_status_id = EXCLUDED.last_status_id, updated_at = now()`,
      [accountId, fromAccountId, statusId],
    );
  }

  /**
   * Closes the requests of the senders given that no longer hold a filtered mention (Mastodon's
   * `reconsider_existence!` after a notification goes).
   */
  async closeEmpty(
    tx: EntityManager,
    pairs: readonly { accountId: string; fromAccountId: string }[],
  ): Promise<void> {
    if (!pairs.length) return;
    await tx.query(
      `DELETE FROM timelines.notification_requests r
        USING unnest($1::bigint[], $2::bigint[]) AS gone(account_id, from_account_id)
        WHERE r.account_id = gone.account_id AND r.from_account_id = gone.from_account_id
          AND NOT EXISTS (SELECT 1 FROM timelines.notifications n
                           WHERE n.account_id = r.account_id AND n.from_account_id = r.from_account_id
                             AND n.filtered AND n.type = 'mention')`,
      [pairs.map((p) => p.accountId), pairs.map((p) => p.fromAccountId)],
    );
  }

  async listRequests(accountId: string, page: PageRequest): Promise<NotificationRequestRecord[]> {
    const p = pageSql('r.id', page, [accountId]);
    const rows: RequestRow[] = await this.db.query(
      `SELECT ${REQUEST_COLUMNS} FROM timelines.notification_requests r
        WHERE r.account_id = $1${p.where} ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    return (p.ascending ? rows.reverse() : rows).map(toRequest);
  }

  async getRequest(accountId: string, id: string): Promise<NotificationRequestRecord> {
    const [row]: RequestRow[] = await this.db.query(
      `SELECT ${REQUEST_COLUMNS} FROM timelines.notification_requests r WHERE r.account_id = $1 AND r.id = $2`,
      [accountId, id],
    );
    if (!row) throw notFound();
    return toRequest(row);
  }

  /**
   * Accepts the account's requests among `ids`: each sender is accepted from now on, its filtered
   * notifications join the normal list, and the request closes. Mastodon merges in a background
   * job; here it is one transaction, so the merge is done when this answers.
   */
  async accept(accountId: string, ids: readonly string[]): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const closed = await this.close(tx, accountId, ids);
      if (!closed.length) return [];
      const senders = closed.map((row) => row.from_account_id);
      await tx.query(
        `INSERT INTO timelines.notification_permissions (account_id, from_account_id)
         SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`,
        [accountId, senders],
      );
      await tx.query(
        `UPDATE timelines.notifications SET filtered = false
          WHERE account_id = $1 AND from_account_id = ANY($2::bigint[]) AND filtered`,
        [accountId, senders],
      );
      return closed.map((row) => row.id);
    });
  }

  /** Dismisses the account's requests among `ids`, with the filtered notifications they held. */
  async dismiss(accountId: string, ids: readonly string[]): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const closed = await this.close(tx, accountId, ids);
      if (!closed.length) return [];
      await tx.query(
        `DELETE FROM timelines.notifications
          WHERE account_id = $1 AND from_account_id = ANY($2::bigint[]) AND filtered`,
        [accountId, closed.map((row) => row.from_account_id)],
      );
      return closed.map((row) => row.id);
    });
  }

  private close(
    tx: EntityManager,
    accountId: string,
    ids: readonly string[],
  ): Promise<{ id: string; from_account_id: string }[]> {
    // A CTE: TypeORM answers a bare DELETE … RETURNING with [rows, count].
    return tx.query(
      `WITH closed AS (
         DELETE FROM timelines.notification_requests WHERE account_id = $1 AND id = ANY($2::bigint[])
         RETURNING id, from_account_id)
       SELECT id, from_account_id FROM closed`,
      [accountId, ids],
    );
  }
}
