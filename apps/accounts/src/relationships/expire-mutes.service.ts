import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import { ACCOUNTS_OUTBOX } from './accounts-outbox';
import { FollowGraph } from './follow-graph.repository';

const events = contracts.accounts.relationships.events;

/**
 * Ends timed mutes whose time is up: reads already ignore them, but other services hear of the
 * end only through `mute.removed` (reason `expired`), written with the delete. Batches are taken
 * with SKIP LOCKED, so every replica may sweep at once.
 */
@Injectable()
export class ExpireMutes {
  constructor(
    private readonly graph: FollowGraph,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  /** Ends up to `batchSize` expired mutes; answers how many. */
  async sweep(batchSize = 500): Promise<number> {
    return this.graph.transaction(async (tx) => {
      const ended: { account_id: string; target_account_id: string }[] = await tx.query(
        `WITH gone AS (
           DELETE FROM accounts.mutes WHERE id IN (
             SELECT id FROM accounts.mutes WHERE expires_at <= now()
              ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING account_id, target_account_id)
         SELECT account_id::text, target_account_id::text FROM gone`,
        [batchSize],
      );
      for (const mute of ended) {
        await this.outbox.add(tx, events.muteRemoved, {
          accountId: mute.account_id,
          targetAccountId: mute.target_account_id,
          reason: 'expired',
        });
      }
      return ended.length;
    });
  }
}
