import { Injectable } from '@nestjs/common';
import { ContractError, contracts, type RelationshipRecord } from '@mammut/contracts';
import { PairChanges } from './pair-change';

const events = contracts.accounts.relationships.events;
const noRequest = (): ContractError => new ContractError('not_found', 'Record not found');

/** POST /follow_requests/:id/authorize: the pending request becomes a follow, with its options. */
@Injectable()
export class AuthorizeFollowRequest {
  constructor(private readonly pairs: PairChanges) {}

  /** `viewerId` was asked; `requesterId` asked. */
  async execute(viewerId: string, requesterId: string): Promise<RelationshipRecord> {
    return this.pairs.run(viewerId, requesterId, async ({ tx, graph, emit }) => {
      const taken: { show_reblogs: boolean; notify: boolean; languages: string[] | null }[] = await tx.query(
        `WITH taken AS (DELETE FROM accounts.follow_requests WHERE account_id = $1 AND target_account_id = $2
           RETURNING show_reblogs, notify, languages) SELECT * FROM taken`,
        [requesterId, viewerId],
      );
      const request = taken[0];
      if (!request) throw noRequest();
      const follow = await graph.addFollow(tx, {
        from: requesterId,
        to: viewerId,
        reblogs: request.show_reblogs,
        notify: request.notify,
        languages: request.languages,
      });
      const pair = { accountId: requesterId, targetAccountId: viewerId };
      // Federation answers a remote requester with Accept; timelines and notifications see a new follow.
      await emit(events.followRequestAuthorized, { followId: follow.id, ...pair });
      if (follow.added) await emit(events.followCreated, { followId: follow.id, ...pair });
    });
  }
}

/** POST /follow_requests/:id/reject: the pending request is dropped. */
@Injectable()
export class RejectFollowRequest {
  constructor(private readonly pairs: PairChanges) {}

  async execute(viewerId: string, requesterId: string): Promise<RelationshipRecord> {
    return this.pairs.run(
      viewerId,
      requesterId,
      async ({ tx, graph, emit }) => {
        if (!(await graph.removeRequest(tx, requesterId, viewerId))) throw noRequest();
        await emit(events.followRequestRejected, {
          accountId: requesterId,
          targetAccountId: viewerId,
          reason: 'rejected',
        });
        // A request from an account suspended since can still be turned down.
      },
      { suspendedTarget: 'allowed' },
    );
  }
}
