import { Inject, Injectable } from '@nestjs/common';
import { ContractError, notFound, STATUS_LIMITS, type StatusRecord } from '@mammut/contracts';
import type { DataSource } from 'typeorm';
import { STATUSES_DB } from '../database/statuses-database';
import { STATUS_COLUMNS, type StatusRow, toStatusRecord } from '../statuses/status-row';

const refuse = (reason: string): ContractError =>
  new ContractError('unprocessable', `Validation failed: ${reason}`);

/**
 * Pins: an account features a few of its own public or unlisted statuses at the top of its
 * profile (Mastodon's StatusPinValidator). Pinning twice is a no-op; the limit counts live
 * statuses only, checked under a lock on the account's pins so two requests cannot pass it together.
 */
@Injectable()
export class Pins {
  constructor(@Inject(STATUSES_DB) private readonly db: DataSource) {}

  async pin(accountId: string, statusId: string): Promise<StatusRecord> {
    return this.db.transaction(async (tx) => {
      const status = await this.find(statusId);
      if (status.reblogOfId) throw refuse('A boost cannot be pinned');
      if (status.accountId !== accountId) throw refuse("Someone else's post cannot be pinned");
      if (status.visibility !== 'public' && status.visibility !== 'unlisted')
        throw refuse('Non-public posts cannot be pinned');
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('status_pins'), hashtext($1))`, [accountId]);
      const [{ pinned, count }]: { pinned: boolean; count: number }[] = await tx.query(
        `SELECT bool_or(p.status_id = $2) IS TRUE AS pinned, count(*)::int AS count
           FROM statuses.status_pins p JOIN statuses.statuses s ON s.id = p.status_id AND s.deleted_at IS NULL
          WHERE p.account_id = $1`,
        [accountId, statusId],
      );
      if (pinned) return status;
      if (count >= STATUS_LIMITS.pins) throw refuse('You have already pinned the maximum number of posts');
      await tx.query(
        `INSERT INTO statuses.status_pins (account_id, status_id) VALUES ($1, $2)
         ON CONFLICT (account_id, status_id) DO NOTHING`,
        [accountId, statusId],
      );
      return status;
    });
  }

  async unpin(accountId: string, statusId: string): Promise<StatusRecord> {
    const status = await this.find(statusId);
    await this.db.query(`DELETE FROM statuses.status_pins WHERE account_id = $1 AND status_id = $2`, [
      accountId,
      statusId,
    ]);
    return status;
  }

  private async find(statusId: string): Promise<StatusRecord> {
    const [row]: StatusRow[] = await this.db.query(
      `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s WHERE s.id = $1 AND s.deleted_at IS NULL`,
      [statusId],
    );
    if (!row) throw notFound();
    return toStatusRecord(row);
  }
}
