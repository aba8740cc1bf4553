import { Injectable } from '@nestjs/common';
import { ContractError, contracts, type RelationshipRecord } from '@mammut/contracts';
import { PairChanges } from './pair-change';

const events = contracts.accounts.relationships.events;

/** POST /accounts/:id/block: also ends follows and pending requests in both directions. */
@Injectable()
export class BlockAccount {
  constructor(private readonly pairs: PairChanges) {}

  async execute(viewerId: string, targetId: string): Promise<RelationshipRecord> {
    if (viewerId === targetId) throw new ContractError('forbidden', 'This action is not allowed');
    return this.pairs.run(viewerId, targetId, async ({ tx, graph, emit }) => {
      const [block]: { id: string }[] = await tx.query(
        `INSERT INTO accounts.blocks (account_id, target_account_id) VALUES ($1, $2)
         ON CONFLICT (account_id, target_account_id) DO NOTHING RETURNING id::text`,
        [viewerId, targetId],
      );
      if (block) {
        await emit(events.blockCreated, {
          blockId: block.id,
          accountId: viewerId,
          targetAccountId: targetId,
        });
      }
      const removed = await graph.removeFollows(
        tx,
        `(f.account_id = $1 AND f.target_account_id = $2) OR (f.account_id = $2 AND f.target_account_id = $1)`,
        [viewerId, targetId],
      );
      for (const follow of removed) {
        await emit(events.followRemoved, {
          accountId: follow.account_id,
          targetAccountId: follow.target_account_id,
          reason: 'blocked',
          uri: follow.uri,
        });
      }
      // The viewer's own request is withdrawn; the target's request to the viewer is rejected.
      const withdrawn = await graph.removeRequest(tx, viewerId, targetId);
      if (withdrawn) {
        await emit(events.followRequestWithdrawn, {
          accountId: viewerId,
          targetAccountId: targetId,
          reason: 'blocked',
          uri: withdrawn.uri,
        });
      }
      const rejected = await graph.removeRequest(tx, targetId, viewerId);
      if (rejected) {
        await emit(events.followRequestRejected, {
          accountId: targetId,
          targetAccountId: viewerId,
          reason: 'blocked',
          uri: rejected.uri,
        });
      }
    });
  }
}

/** POST /accounts/:id/unblock: idempotent. */
@Injectable()
export class UnblockAccount {
  constructor(private readonly pairs: PairChanges) {}

  async execute(viewerId: string, targetId: string): Promise<RelationshipRecord> {
    return this.pairs.run(
      viewerId,
      targetId,
      async ({ tx, graph, emit }) => {
        const blockId = await graph.removeEdge(tx, 'blocks', viewerId, targetId);
        if (blockId !== null) {
          await emit(events.blockRemoved, { accountId: viewerId, targetAccountId: targetId, blockId });
        }
      },
      { undo: true },
    );
  }
}
