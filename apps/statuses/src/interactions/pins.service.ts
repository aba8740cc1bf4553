import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, notFound, STATUS_LIMITS, type StatusRecord } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { STATUSES_DB, STATUSES_OUTBOX } from '../database/statuses-database';
import { STATUS_COLUMNS, type StatusRow, toStatusRecord } from '../statuses/status-row';

const events = contracts.statuses.interactions.events;

const refuse = (reason: string): ContractError =>
  new ContractError('unprocessable', `Validation failed: ${reason}`);

/**
 * Pins: an account features a few of its own statuses at the top of its profile (Mastodon's
 * StatusPinValidator). A local account pins public or unlisted statuses, at most
 * STATUS_LIMITS.pins live ones, checked under a lock on the account's pins so two requests cannot
 * pass it together; a remote account's pins (its server's Add) are taken as Mastodon takes them,
 * any but direct statuses and without the limit, which is its server's. Pinning twice, or
 * unpinning what is not pinned, is a no-op; a real change is announced (pin.created, pin.removed)
 * in its transaction, for federation to tell the followers.
 */
@Injectable()
export class Pins {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    @Inject(STATUSES_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async pin(accountId: string, statusId: string): Promise<StatusRecord> {
    return this.db.transaction(async (tx) => {
      const status = await this.find(tx, statusId);
      if (status.reblogOfId) throw refuse('A boost cannot be pinned');
      if (status.accountId !== accountId) throw refuse("Someone else's post cannot be pinned");
      const allowed = status.local ? ['public', 'unlisted'] : ['public', 'unlisted', 'private'];
      if (!allowed.includes(status.visibility)) throw refuse('Non-public posts cannot be pinned');
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('status_pins'), hashtext($1))`, [accountId]);
      const [{ pinned, count }]: { pinned: boolean; count: number }[] = await tx.query(
        `SELECT bool_or(p.status_id = $2) IS TRUE AS pinned, count(*)::int AS count
           FROM statuses.status_pins p JOIN statuses.statuses s ON s.id = p.status_id AND s.deleted_at IS NULL
          WHERE p.account_id = $1`,
        [accountId, statusId],
      );
      if (pinned) return status;
      if (status.local && count >= STATUS_LIMITS.pins)
        throw refuse('You have already pinned the maximum number of posts');
      const [added]: { id: string }[] = await tx.query(
        `INSERT INTO statuses.status_pins (account_id, status_id) VALUES ($1, $2)
         ON CONFLICT (account_id, status_id) DO NOTHING RETURNING id`,
        [accountId, statusId],
      );
      if (added) await this.outbox.add(tx, events.pinCreated, { pinId: added.id, accountId, statusId });
      return status;
    });
  }

  async unpin(accountId: string, statusId: string): Promise<StatusRecord> {
    return this.db.transaction(async (tx) => {
      const status = await this.find(tx, statusId);
      const [removed]: { id: string }[] = await tx.query(
        // A bare DELETE … RETURNING answers [rows, count] through the driver; a CTE answers rows.
        `WITH removed AS (DELETE FROM statuses.status_pins WHERE account_id = $1 AND status_id = $2 RETURNING id)
         SELECT id FROM removed`,
        [accountId, statusId],
      );
      if (removed) await this.outbox.add(tx, events.pinRemoved, { pinId: removed.id, accountId, statusId });
      return status;
    });
  }

  /**
   * A remote account's pin or unpin of the status its server names by `uri`: only a live status
   * of that account is pinned or unpinned; any other `uri` records nothing (null).
   */
  async remote(accountId: string, uri: string, pinned: boolean): Promise<string | null> {
    const [row]: { id: string }[] = await this.db.query(
      `SELECT id FROM statuses.statuses
        WHERE uri = $1 AND account_id = $2 AND NOT local AND deleted_at IS NULL AND reblog_of_id IS NULL`,
      [uri, accountId],
    );
    if (!row) return null;
    if (!pinned) {
      await this.unpin(accountId, row.id);
      return row.id;
    }
    try {
      await this.pin(accountId, row.id);
    } catch (error) {
      // A direct status: Mastodon's validator refuses it, and so the Add changes nothing.
      if (error instanceof ContractError && error.code === 'unprocessable') return null;
      throw error;
    }
    return row.id;
  }

  private async find(tx: EntityManager, statusId: string): Promise<StatusRecord> {
    const [row]: StatusRow[] = await tx.query(
      `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s WHERE s.id = $1 AND s.deleted_at IS NULL`,
      [statusId],
    );
    if (!row) throw notFound();
    return toStatusRecord(row);
  }
}
