import { Injectable } from '@nestjs/common';
import { contracts, type RelationshipRecord } from '@mammut/contracts';
import { PairChanges } from './pair-change';

const events = contracts.accounts.relationships.events;
const single = 'f.account_id = $1 AND f.target_account_id = $2';

/** POST /accounts/:id/unfollow: ends the follow and cancels a pending request; idempotent. */
@Injectable()
export class UnfollowAccount {
  constructor(private readonly pairs: PairChanges) {}

  async execute(viewerId: string, targetId: string): Promise<RelationshipRecord> {
    return this.pairs.run(
      viewerId,
      targetId,
      async ({ tx, graph, emit }) => {
        const pair = { accountId: viewerId, targetAccountId: targetId };
        const [removed] = await graph.removeFollows(tx, single, [viewerId, targetId]);
        if (removed) await emit(events.followRemoved, { ...pair, reason: 'unfollowed', uri: removed.uri });
        // A request to a remote account is withdrawn too: federation sends the Undo of its Follow.
        const withdrawn = await graph.removeRequest(tx, viewerId, targetId);
        if (withdrawn) {
          await emit(events.followRequestWithdrawn, { ...pair, reason: 'unfollowed', uri: withdrawn.uri });
        }
      },
      { undo: true },
    );
  }
}

/** POST /accounts/:id/remove_from_followers: the target stops following the viewer; idempotent. */
@Injectable()
export class RemoveFromFollowers {
  constructor(private readonly pairs: PairChanges) {}

  async execute(viewerId: string, targetId: string): Promise<RelationshipRecord> {
    return this.pairs.run(
      viewerId,
      targetId,
      async ({ tx, graph, emit }) => {
        const [removed] = await graph.removeFollows(tx, single, [targetId, viewerId]);
        if (removed) {
          await emit(events.followRemoved, {
            accountId: targetId,
            targetAccountId: viewerId,
            reason: 'removed',
            uri: removed.uri,
          });
        }
      },
      { undo: true },
    );
  }
}
