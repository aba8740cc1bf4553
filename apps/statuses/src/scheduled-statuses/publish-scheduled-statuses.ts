import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts } from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config, logger } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { STATUSES_DB } from '../database/statuses-database';
import { CreateStatus } from '../statuses/create-status.service';
import { type ScheduledStatusRow, toScheduledStatusRecord } from './scheduled-statuses.repository';

const log = logger('statuses:scheduled-statuses');

type Outcome = 'none' | 'published' | 'dropped' | 'failed';

/**
 * Posts scheduled statuses when their time comes, as Mastodon's ScheduledStatusesScheduler and
 * PublishScheduledStatusWorker do. Every replica sweeps every `SCHEDULED_STATUS_SWEEP_MS`, like
 * the poll sweep (ADR 0014): each due row is claimed with `FOR UPDATE SKIP LOCKED`, and in that
 * one transaction the row is deleted and the status created through CreateStatus (its outbox
 * event included, so fan-out, notifications and counters follow as for any new status).
 *
 * Deleting the row in the transaction that creates the status is what makes a status post at most
 * once, rather than the status's idempotency key: either both commit or neither does, so a crash
 * leaves the row for the next sweep and never a status whose row survives; another replica skips
 * the locked row instead of posting it again. (An idempotency key in Redis would expire, and
 * would need Redis and PostgreSQL to agree after a crash between them.) The price is that the
 * transaction stays open while CreateStatus asks the accounts service about the author and the
 * mentioned accounts.
 *
 * A status that can no longer be posted is dropped with its row, as Mastodon drops it: its author
 * or the status it replies to is gone (`not_found`), or it no longer passes validation
 * (`unprocessable`); the uploads it held are let go. Whatever else fails is rolled back, left for the next sweep, and skipped for
 * the rest of this one.
 */
@Injectable()
export class PublishScheduledStatuses {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(BUS) private readonly bus: Bus,
    private readonly createStatus: CreateStatus,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      // One sweep at a time per process; a slow one makes the next tick skip.
      this.running ??= this.sweep()
        .then(() => undefined)
        .catch((err: unknown) => log.warn({ err }, 'scheduled status sweep failed; next tick retries'))
        .finally(() => (this.running = undefined));
    }, this.config.scheduledStatuses.sweepMs);
  }

  /** Stops the timer and waits for a sweep under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Publishes every scheduled status due now; answers how many were posted. */
  async sweep(): Promise<number> {
    const failed: string[] = [];
    let published = 0;
    for (;;) {
      const outcome = await this.publishNext(failed);
      if (outcome === 'none') return published;
      if (outcome === 'published') published += 1;
    }
  }

  /** Claims the earliest due row not in `skip` and posts it; a row that fails is added to `skip`. */
  private async publishNext(skip: string[]): Promise<Outcome> {
    let claimed: string | undefined;
    try {
      return await this.db.transaction(async (tx): Promise<Outcome> => {
        const [row]: ScheduledStatusRow[] = await tx.query(
          `SELECT id, account_id, application_id, scheduled_at, params FROM statuses.scheduled_statuses
            WHERE scheduled_at <= now() AND id <> ALL($1::bigint[])
            ORDER BY scheduled_at LIMIT 1
            FOR UPDATE SKIP LOCKED`,
          [skip],
        );
        if (!row) return 'none';
        claimed = row.id;
        const { accountId, params } = toScheduledStatusRecord(row);
        await tx.query(`DELETE FROM statuses.scheduled_statuses WHERE id = $1`, [row.id]);
        // Dropping must keep only the deletion, whatever the status had written by then.
        await tx.query('SAVEPOINT publish');
        try {
          // The row's deletion in this transaction already makes it post once: no key needed.
          // Its uploads, held for it until now, go to the status.
          await this.createStatus.createIn(
            tx,
            { ...params, accountId, idempotencyKey: null },
            { scheduledStatusId: row.id },
          );
          return 'published';
        } catch (error) {
          if (!(error instanceof ContractError && ['not_found', 'unprocessable'].includes(error.code)))
            throw error;
          await tx.query('ROLLBACK TO SAVEPOINT publish');
          if (params.mediaIds.length)
            await this.bus.request(contracts.media.attachments.release, {
              accountId,
              scheduledStatusId: row.id,
            });
          log.info({ scheduledStatusId: row.id, reason: error.message }, 'scheduled status dropped');
          return 'dropped';
        }
      });
    } catch (err) {
      if (claimed === undefined) throw err;
      log.warn(
        { err, scheduledStatusId: claimed },
        'publishing a scheduled status failed; next sweep retries',
      );
      skip.push(claimed);
      return 'failed';
    }
  }
}
