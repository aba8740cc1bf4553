import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, type RelationshipRecord } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import { ACCOUNTS_OUTBOX } from './accounts-outbox';
import { FollowGraph } from './follow-graph.repository';
import { RelationshipsQueries } from './relationships.queries';

const events = contracts.accounts.relationships.events;

/** POST /accounts/:id/block: also ends follows and pending requests in both directions. */
@Injectable()
export class BlockAccount {
  constructor(
    private readonly graph: FollowGraph,
    private readonly queries: RelationshipsQueries,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(viewerId: string, targetId: string): Promise<RelationshipRecord> {
    if (viewerId === targetId) throw new ContractError('forbidden', 'This action is not allowed');
    return this.graph.transaction(async (tx) => {
      await this.graph.lockPair(tx, viewerId, targetId);
      await this.graph.parties(tx, viewerId, targetId);
      const blockId = this.graph.nextId();
      const inserted: { id: string }[] = await tx.query(
        `INSERT INTO accounts.blocks (id, account_id, target_account_id) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, target_account_id) DO NOTHING RETURNING id`,
        [blockId, viewerId, targetId],
      );
      if (inserted.length) {
        await this.outbox.add(tx, events.blockCreated, {
          blockId,
          accountId: viewerId,
          targetAccountId: targetId,
        });
      }
      const removed = await this.graph.removeFollows(
        tx,
        `(f.account_id = $1 AND f.target_account_id = $2) OR (f.account_id = $2 AND f.target_account_id = $1)`,
        [viewerId, targetId],
      );
      for (const follow of removed) {
        await this.outbox.add(tx, events.followRemoved, {
          accountId: follow.account_id,
          targetAccountId: follow.target_account_id,
          reason: 'blocked',
        });
      }
      // The viewer's own request is withdrawn; the target's request to the viewer is rejected.
      if (await this.graph.removeRequest(tx, viewerId, targetId)) {
        await this.outbox.add(tx, events.followRequestWithdrawn, {
          accountId: viewerId,
          targetAccountId: targetId,
          reason: 'blocked',
        });
      }
      if (await this.graph.removeRequest(tx, targetId, viewerId)) {
        await this.outbox.add(tx, events.followRequestRejected, {
          accountId: targetId,
          targetAccountId: viewerId,
          reason: 'blocked',
        });
      }
      return this.queries.one(viewerId, targetId, tx);
    });
  }
}

/** POST /accounts/:id/unblock: idempotent. */
@Injectable()
export class UnblockAccount {
  constructor(
    private readonly graph: FollowGraph,
    private readonly queries: RelationshipsQueries,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(viewerId: string, targetId: string): Promise<RelationshipRecord> {
    return this.graph.transaction(async (tx) => {
      await this.graph.lockPair(tx, viewerId, targetId);
      await this.graph.parties(tx, viewerId, targetId);
      const removed: { id: string }[] = await tx.query(
        `WITH removed AS (DELETE FROM accounts.blocks WHERE account_id = $1 AND target_account_id = $2 RETURNING id)
         SELECT id FROM removed`,
        [viewerId, targetId],
      );
      if (removed.length) {
        await this.outbox.add(tx, events.blockRemoved, { accountId: viewerId, targetAccountId: targetId });
      }
      return this.queries.one(viewerId, targetId, tx);
    });
  }
}
