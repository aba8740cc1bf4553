import { Inject, Injectable } from '@nestjs/common';
import { contracts, type RelationshipRecord } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import { ACCOUNTS_OUTBOX } from './accounts-outbox';
import { FollowGraph } from './follow-graph.repository';
import { RelationshipsQueries } from './relationships.queries';

const events = contracts.accounts.relationships.events;

/** POST /accounts/:id/unfollow: ends the follow and cancels a pending request; idempotent. */
@Injectable()
export class UnfollowAccount {
  constructor(
    private readonly graph: FollowGraph,
    private readonly queries: RelationshipsQueries,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(viewerId: string, targetId: string): Promise<RelationshipRecord> {
    return this.graph.transaction(async (tx) => {
      await this.graph.lockPair(tx, viewerId, targetId);
      await this.graph.parties(tx, viewerId, targetId);
      const pair = { accountId: viewerId, targetAccountId: targetId };
      const removed = await this.graph.removeFollows(tx, 'f.account_id = $1 AND f.target_account_id = $2', [
        viewerId,
        targetId,
      ]);
      if (removed.length) await this.outbox.add(tx, events.followRemoved, { ...pair, reason: 'unfollowed' });
      if (await this.graph.removeRequest(tx, viewerId, targetId)) {
        await this.outbox.add(tx, events.followRequestWithdrawn, { ...pair, reason: 'unfollowed' });
      }
      return this.queries.one(viewerId, targetId, tx);
    });
  }
}

/** POST /accounts/:id/remove_from_followers: the target stops following the viewer; idempotent. */
@Injectable()
export class RemoveFromFollowers {
  constructor(
    private readonly graph: FollowGraph,
    private readonly queries: RelationshipsQueries,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(viewerId: string, targetId: string): Promise<RelationshipRecord> {
    return this.graph.transaction(async (tx) => {
      await this.graph.lockPair(tx, viewerId, targetId);
      await this.graph.parties(tx, viewerId, targetId);
      const removed = await this.graph.removeFollows(tx, 'f.account_id = $1 AND f.target_account_id = $2', [
        targetId,
        viewerId,
      ]);
      if (removed.length) {
        await this.outbox.add(tx, events.followRemoved, {
          accountId: targetId,
          targetAccountId: viewerId,
          reason: 'removed',
        });
      }
      return this.queries.one(viewerId, targetId, tx);
    });
  }
}
