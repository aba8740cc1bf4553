import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  type ErrorDetails,
  notFound,
  type PageRequest,
  SCHEDULED_STATUS_LIMITS,
  type ScheduledStatusParams,
  type ScheduledStatusRecord,
  scheduledStatusParams,
} from '@mammut/contracts';
import { CONFIG, type Config, pageSql } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { STATUSES_DB } from '../database/statuses-database';

/** A `scheduled_statuses` row; `params` holds the request but its application, which has a column. */
export interface ScheduledStatusRow {
  id: string;
  account_id: string;
  application_id: string | null;
  scheduled_at: Date;
  params: unknown;
}

const COLUMNS = 'id, account_id, application_id, scheduled_at, params';
/** What `params` stores: the request to post, its application aside. */
const storedParams = scheduledStatusParams.omit({ applicationId: true });

export function toScheduledStatusRecord(row: ScheduledStatusRow): ScheduledStatusRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    scheduledAt: row.scheduled_at.toISOString(),
    params: { ...storedParams.parse(row.params), applicationId: row.application_id },
  };
}

/**
 * The `scheduled_statuses` table: one account's scheduled statuses, stored only under Mastodon's
 * rules (ScheduledStatus validations), which are checked under a per-account lock so that two
 * requests at once cannot both take the last place.
 */
@Injectable()
export class ScheduledStatusesRepository {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  /** Stores a scheduled status, or refuses it (`unprocessable`) and stores nothing. */
  async insert(
    accountId: string,
    scheduledAt: string,
    params: ScheduledStatusParams,
  ): Promise<ScheduledStatusRecord> {
    const { applicationId, ...stored } = params;
    return this.db.transaction(async (tx) => {
      await this.checkSchedule(tx, accountId, scheduledAt, null);
      const [row]: ScheduledStatusRow[] = await tx.query(
        `INSERT INTO statuses.scheduled_statuses (account_id, application_id, scheduled_at, params)
         VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [accountId, applicationId, scheduledAt, JSON.stringify(stored)],
      );
      return toScheduledStatusRecord(row);
    });
  }

  /** Moves one of the account's scheduled statuses to `scheduledAt`, under the same rules. */
  async reschedule(accountId: string, id: string, scheduledAt: string): Promise<ScheduledStatusRecord> {
    return this.db.transaction(async (tx) => {
      // Someone else's (or one being published right now, then gone) is not found before anything else.
      const mine: unknown[] = await tx.query(
        `SELECT 1 FROM statuses.scheduled_statuses WHERE id = $1 AND account_id = $2 FOR UPDATE`,
        [id, accountId],
      );
      if (!mine.length) throw notFound();
      await this.checkSchedule(tx, accountId, scheduledAt, id);
      // An UPDATE answers [rows, count] through TypeORM.
      const [rows]: [ScheduledStatusRow[], number] = await tx.query(
        `UPDATE statuses.scheduled_statuses SET scheduled_at = $3
          WHERE id = $1 AND account_id = $2 RETURNING ${COLUMNS}`,
        [id, accountId, scheduledAt],
      );
      if (!rows[0]) throw notFound();
      return toScheduledStatusRecord(rows[0]);
    });
  }

  async delete(accountId: string, id: string): Promise<ScheduledStatusRecord> {
    const [rows]: [ScheduledStatusRow[], number] = await this.db.query(
      `DELETE FROM statuses.scheduled_statuses WHERE id = $1 AND account_id = $2 RETURNING ${COLUMNS}`,
      [id, accountId],
    );
    if (!rows[0]) throw notFound();
    return toScheduledStatusRecord(rows[0]);
  }

  /** The account's scheduled statuses among `ids`, in the order of `ids`. */
  async byIds(accountId: string, ids: string[]): Promise<ScheduledStatusRecord[]> {
    if (!ids.length) return [];
    const rows: ScheduledStatusRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM statuses.scheduled_statuses WHERE account_id = $1 AND id = ANY($2::bigint[])`,
      [accountId, ids],
    );
    const found = new Map(rows.map((row) => [row.id, toScheduledStatusRecord(row)]));
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  /** The account's scheduled statuses, newest id first (as Mastodon pages them). */
  async list(accountId: string, page: PageRequest): Promise<ScheduledStatusRecord[]> {
    const p = pageSql('id', page, [accountId]);
    const rows: ScheduledStatusRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM statuses.scheduled_statuses
        WHERE account_id = $1${p.where} ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    return (p.ascending ? rows.reverse() : rows).map(toScheduledStatusRecord);
  }

  /**
   * Mastodon's ScheduledStatus validations, every failure at once: far enough ahead (by the
   * database's clock, which the sweep goes by), and under the total and that day's (UTC) limits,
   * the status being moved (`movingId`) not counted against itself. Holds the account's lock until
   * the transaction ends, so the counts stay true until the row is written.
   */
  private async checkSchedule(
    tx: EntityManager,
    accountId: string,
    scheduledAt: string,
    movingId: string | null,
  ): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('statuses.scheduled_statuses'), hashtext($1))`, [
      accountId,
    ]);
    const [facts]: { far_enough: boolean; total: number; that_day: number }[] = await tx.query(
      `SELECT $2::timestamptz > now() + make_interval(secs => $3) AS far_enough,
              count(*)::int AS total,
              count(*) FILTER (WHERE (scheduled_at AT TIME ZONE 'UTC')::date
                                   = ($2::timestamptz AT TIME ZONE 'UTC')::date)::int AS that_day
         FROM statuses.scheduled_statuses
        WHERE account_id = $1 AND id IS DISTINCT FROM $4::bigint`,
      [accountId, scheduledAt, this.config.scheduledStatuses.minOffsetSeconds, movingId],
    );
    const details: ErrorDetails = {};
    const messages: string[] = [];
    if (!facts.far_enough) {
      details.scheduled_at = [{ error: 'ERR_INVALID', description: 'date must be in the future' }];
      messages.push('Scheduled at date must be in the future');
    }
    const base = (message: string): void => {
      (details.base ??= []).push({ error: 'ERR_INVALID', description: message });
      messages.push(message);
    };
    if (facts.total >= SCHEDULED_STATUS_LIMITS.total)
      base(`You have exceeded the limit of ${SCHEDULED_STATUS_LIMITS.total} scheduled posts`);
    if (facts.that_day >= SCHEDULED_STATUS_LIMITS.daily)
      base(`You have exceeded the limit of ${SCHEDULED_STATUS_LIMITS.daily} scheduled posts for today`);
    if (messages.length)
      throw new ContractError('unprocessable', `Validation failed: ${messages.join(', ')}`, details);
  }
}
