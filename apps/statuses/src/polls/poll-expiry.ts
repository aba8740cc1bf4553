import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { CONFIG, type Config, logger, type Outbox } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { STATUSES_DB, STATUSES_OUTBOX } from '../database/statuses-database';

const log = logger('statuses:poll-expiry');
/** Polls closed per transaction; a backlog takes several sweeps in a row. */
const BATCH = 100;

/**
 * Closes polls whose time ran out and announces each once (`poll.expired`), which notifies its
 * author and voters, as Mastodon's PollExpirationNotifyWorker does. Every replica sweeps every
 * `POLL_SWEEP_MS`: the due rows are claimed with `FOR UPDATE SKIP LOCKED` and marked closed in the
 * transaction that writes their events, so two replicas never announce one poll and a crash
 * announces nothing twice. Polls of deleted statuses close without a word. A poll is expired for
 * voting and reading the moment its time passes, whether swept yet or not.
 */
@Injectable()
export class PollExpiry {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    @Inject(STATUSES_OUTBOX) private readonly outbox: Outbox,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      // One sweep at a time per process; a slow one makes the next tick skip.
      this.running ??= this.sweep()
        .then(() => undefined)
        .catch((err: unknown) => log.warn({ err }, 'poll sweep failed; next tick retries'))
        .finally(() => (this.running = undefined));
    }, this.config.polls.sweepMs);
  }

  /** Stops the timer and waits for a sweep under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Closes and announces every poll due now; answers how many were closed. */
  async sweep(): Promise<number> {
    let closed = 0;
    for (;;) {
      const batch = await this.closeBatch();
      closed += batch;
      if (batch < BATCH) return closed;
    }
  }

  private async closeBatch(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const due: { id: string; status_id: string; account_id: string; live: boolean }[] = await tx.query(
        `WITH due AS (
           SELECT p.id FROM statuses.polls p
            WHERE p.closed_at IS NULL AND p.expires_at <= now()
            ORDER BY p.expires_at LIMIT ${BATCH}
            FOR UPDATE SKIP LOCKED),
         closed AS (
           UPDATE statuses.polls p SET closed_at = now() FROM due WHERE p.id = due.id
           RETURNING p.id, p.status_id, p.account_id)
         SELECT c.id, c.status_id, c.account_id,
                EXISTS (SELECT 1 FROM statuses.statuses s
                         WHERE s.id = c.status_id AND s.poll_id = c.id AND s.deleted_at IS NULL) AS live
           FROM closed c`,
      );
      for (const poll of due.filter((row) => row.live)) {
        await this.outbox.add(tx, contracts.statuses.polls.events.pollExpired, {
          pollId: poll.id,
          statusId: poll.status_id,
          accountId: poll.account_id,
        });
      }
      return due.length;
    });
  }
}
