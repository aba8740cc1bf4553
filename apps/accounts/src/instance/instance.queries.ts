import { Inject, Injectable } from '@nestjs/common';
import type { AccountRecord } from '@mammut/contracts';
import { CLOCK, type Clock } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNT_COLUMNS, type AccountRow, toAccountRecord } from '../profiles/account-row';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

export interface UserCounts {
  total: number;
  activeMonth: number;
  activeHalfyear: number;
}

export interface ActivityWeek {
  weekStart: string;
  logins: number;
  registrations: number;
}

/** Monday 00:00 UTC of the week holding `at`: Rails' `beginning_of_week`, which Mastodon buckets by. */
export function startOfWeek(at: Date): Date {
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return new Date(midnight - sinceMonday * DAY_MS);
}

/**
 * Instance-wide figures from the users and accounts tables, one query each. "Active" means signed
 * in within the window, as Mastodon's NodeInfo counts it (4 and 24 weeks).
 */
@Injectable()
export class InstanceQueries {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Users are active when they signed in or one of their tokens was used (apps never sign in again). */
  async userCounts(): Promise<UserCounts> {
    const now = this.clock.now().getTime();
    const rows: { total: string; active_month: string; active_halfyear: string }[] = await this.db.query(
      `SELECT count(*) AS total,
              count(*) FILTER (WHERE active.at >= $1) AS active_month,
              count(*) FILTER (WHERE active.at >= $2) AS active_halfyear
         FROM accounts.users u JOIN accounts.accounts a ON a.id = u.account_id
        CROSS JOIN LATERAL (SELECT GREATEST(u.last_sign_in_at,
                  (SELECT max(t.last_used_at) FROM accounts.oauth_access_tokens t WHERE t.user_id = u.id)) AS at) active
        WHERE u.confirmed_at IS NOT NULL AND a.suspended_at IS NULL`,
      [new Date(now - 4 * WEEK_MS), new Date(now - 24 * WEEK_MS)],
    );
    const row = rows[0];
    return {
      total: Number(row.total),
      activeMonth: Number(row.active_month),
      activeHalfyear: Number(row.active_halfyear),
    };
  }

  /** Lower-cased, sorted: peers are compared and listed by domain, never by how a peer spelled it. */
  async peerDomains(): Promise<string[]> {
    const rows: { domain: string }[] = await this.db.query(
      `SELECT DISTINCT lower(domain) AS domain FROM accounts.accounts WHERE domain IS NOT NULL ORDER BY 1`,
    );
    return rows.map((row) => row.domain);
  }

  async domainCount(): Promise<number> {
    const rows: { n: string }[] = await this.db.query(
      `SELECT count(DISTINCT lower(domain)) AS n FROM accounts.accounts WHERE domain IS NOT NULL`,
    );
    return Number(rows[0].n);
  }

  /** The oldest admin who can still act: Mastodon shows its configured contact account, we have no setting yet. */
  async contactAccount(): Promise<AccountRecord | null> {
    const rows: AccountRow[] = await this.db.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts.users u JOIN accounts.accounts a ON a.id = u.account_id
        WHERE u.role = 'admin' AND NOT u.disabled AND a.suspended_at IS NULL
        ORDER BY u.id LIMIT 1`,
    );
    return rows[0] ? toAccountRecord(rows[0]) : null;
  }

  /**
   * Weekly registrations and logins, newest week first. Only the latest sign-in of each user is
   * stored, so a user counts as a login in the week of their last sign-in only: past weeks undercount
   * until sign-ins are recorded per week.
   */
  async activity(weeks: number): Promise<ActivityWeek[]> {
    const current = startOfWeek(this.clock.now()).getTime();
    const starts = Array.from({ length: weeks }, (_, i) => new Date(current - i * WEEK_MS));
    const rows: { week_start: Date; logins: string; registrations: string }[] = await this.db.query(
      `SELECT w.start AS week_start,
              (SELECT count(*) FROM accounts.users u
                WHERE u.last_sign_in_at >= w.start AND u.last_sign_in_at < w.start + interval '7 days') AS logins,
              (SELECT count(*) FROM accounts.users u
                WHERE u.created_at >= w.start AND u.created_at < w.start + interval '7 days') AS registrations
         FROM unnest($1::timestamptz[]) WITH ORDINALITY AS w(start, n)
        ORDER BY w.n`,
      [starts],
    );
    return rows.map((row) => ({
      weekStart: row.week_start.toISOString(),
      logins: Number(row.logins),
      registrations: Number(row.registrations),
    }));
  }
}
