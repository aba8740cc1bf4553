import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, type RelationshipRecord } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import { ACCOUNTS_OUTBOX } from './accounts-outbox';
import { FollowGraph } from './follow-graph.repository';
import { RelationshipsQueries } from './relationships.queries';

const events = contracts.accounts.relationships.events;
const noRequest = (): ContractError => new ContractError('not_found', 'Record not found');

/** POST /follow_requests/:id/authorize: the pending request becomes a follow, with its options. */
@Injectable()
export class AuthorizeFollowRequest {
  constructor(
    private readonly graph: FollowGraph,
    private readonly queries: RelationshipsQueries,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  /** `viewerId` was asked; `requesterId` asked. */
  async execute(viewerId: string, requesterId: string): Promise<RelationshipRecord> {
    return this.graph.transaction(async (tx) => {
      await this.graph.lockPair(tx, viewerId, requesterId);
      const taken: { show_reblogs: boolean; notify: boolean; languages: string[] | null }[] = await tx.query(
        `WITH taken AS (DELETE FROM accounts.follow_requests WHERE account_id = $1 AND target_account_id = $2
           RETURNING show_reblogs, notify, languages) SELECT * FROM taken`,
        [requesterId, viewerId],
      );
      const request = taken[0];
      if (!request) throw noRequest();
      const followId = this.graph.nextId();
      const added = await this.graph.addFollow(tx, {
        id: followId,
        from: requesterId,
        to: viewerId,
        reblogs: request.show_reblogs,
        notify: request.notify,
        languages: request.languages,
      });
      const pair = { accountId: requesterId, targetAccountId: viewerId };
      // Federation answers a remote requester with Accept; timelines and notifications see a new follow.
      await this.outbox.add(tx, events.followRequestAuthorized, { followId, ...pair });
      if (added) await this.outbox.add(tx, events.followCreated, { followId, ...pair });
      return this.queries.one(viewerId, requesterId, tx);
    });
  }
}

/** POST /follow_requests/:id/reject: the pending request is dropped. */
@Injectable()
export class RejectFollowRequest {
  constructor(
    private readonly graph: FollowGraph,
    private readonly queries: RelationshipsQueries,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(viewerId: string, requesterId: string): Promise<RelationshipRecord> {
    return this.graph.transaction(async (tx) => {
      await this.graph.lockPair(tx, viewerId, requesterId);
      const removed = await this.graph.removeRequest(tx, requesterId, viewerId);
      if (!removed) throw noRequest();
      await this.outbox.add(tx, events.followRequestRejected, {
        accountId: requesterId,
        targetAccountId: viewerId,
        reason: 'rejected',
      });
      return this.queries.one(viewerId, requesterId, tx);
    });
  }
}
