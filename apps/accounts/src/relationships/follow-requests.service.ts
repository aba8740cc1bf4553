import { Injectable } from '@nestjs/common';
import { ContractError, contracts, type RelationshipRecord } from '@mammut/contracts';
import { PairChanges, type PairScope } from './pair-change';

const events = contracts.accounts.relationships.events;
const noRequest = (): ContractError => new ContractError('not_found', 'Record not found');

/**
 * Turns the pending request from `requesterId` to `targetId` into a follow with the request's
 * options and Follow id, and emits follow_request.authorized (federation answers a remote
 * requester with Accept) and follow.created. False when there was no request. Shared by a local
 * account authorizing and a remote account's Accept of a local request.
 */
export async function authorizeRequest(
  { tx, graph, emit }: PairScope,
  requesterId: string,
  targetId: string,
): Promise<boolean> {
  const [request]: {
    show_reblogs: boolean;
    notify: boolean;
    languages: string[] | null;
    uri: string | null;
  }[] = await tx.query(
    `WITH taken AS (DELETE FROM accounts.follow_requests WHERE account_id = $1 AND target_account_id = $2
         RETURNING show_reblogs, notify, languages, uri) SELECT * FROM taken`,
    [requesterId, targetId],
  );
  if (!request) return false;
  const { id: followId, added } = await graph.addFollow(tx, {
    from: requesterId,
    to: targetId,
    reblogs: request.show_reblogs,
    notify: request.notify,
    languages: request.languages,
    uri: request.uri,
  });
  const follow = { followId, accountId: requesterId, targetAccountId: targetId, uri: request.uri };
  await emit(events.followRequestAuthorized, follow);
  if (added) await emit(events.followCreated, follow);
  return true;
}

/** POST /follow_requests/:id/authorize: the pending request becomes a follow, with its options. */
@Injectable()
export class AuthorizeFollowRequest {
  constructor(private readonly pairs: PairChanges) {}

  /** `viewerId` was asked; `requesterId` asked. */
  async execute(viewerId: string, requesterId: string): Promise<RelationshipRecord> {
    return this.pairs.run(viewerId, requesterId, async (scope) => {
      if (!(await authorizeRequest(scope, requesterId, viewerId))) throw noRequest();
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
        const rejected = await graph.removeRequest(tx, requesterId, viewerId);
        if (!rejected) throw noRequest();
        // Federation answers a remote requester with Reject of its Follow.
        await emit(events.followRequestRejected, {
          accountId: requesterId,
          targetAccountId: viewerId,
          reason: 'rejected',
          uri: rejected.uri,
        });
        // A request from an account suspended since can still be turned down.
      },
      { suspendedTarget: 'allowed', undo: true },
    );
  }
}
