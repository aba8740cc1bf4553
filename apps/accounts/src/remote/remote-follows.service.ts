import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, type RelationshipRecord, type RequestOf } from '@mammut/contracts';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { authorizeRequest } from '../relationships/follow-requests.service';
import { PairChanges, type PairScope } from '../relationships/pair-change';
import { UnfollowAccount } from '../relationships/unfollow-account.service';

type FollowAnswer = RequestOf<typeof contracts.accounts.remote.acceptRemoteFollow>;

const events = contracts.accounts.relationships.events;
const notFound = (): ContractError => new ContractError('not_found', 'Record not found');

/**
 * Which local follower a remote answer is about: the request (or follow) whose Follow id it names,
 * among those addressed to the answering actor only, else the follower an embedded Follow names.
 */
async function followerOf(db: DataSource, answer: FollowAnswer): Promise<string> {
  const rows: { account_id: string }[] = await db.query(
    `SELECT account_id::text FROM (
       SELECT account_id, 0 AS preference FROM accounts.follow_requests WHERE target_account_id = $1 AND uri = $2
       UNION ALL
       SELECT account_id, 1 FROM accounts.follows WHERE target_account_id = $1 AND uri = $2
       UNION ALL
       SELECT $3::bigint, 2 WHERE $3::bigint IS NOT NULL) f
     ORDER BY preference LIMIT 1`,
    [answer.actorId, answer.uri ?? null, answer.followerId ?? null],
  );
  if (!rows[0]) throw notFound();
  return rows[0].account_id;
}

/** Only a remote account's server answers with Accept or Reject; local accounts use the API. */
function assertRemote({ target }: PairScope): void {
  if (target.domain === null) {
    throw new ContractError('forbidden', 'Local accounts answer follow requests through the API');
  }
}

/**
 * A remote server's Accept of a local account's Follow: the request becomes a follow (the
 * follower's following and the actor's followers count one more), as authorizing does locally.
 * An Accept of a follow that already exists (a duplicate delivery) changes nothing.
 */
@Injectable()
export class AcceptRemoteFollow {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly pairs: PairChanges,
  ) {}

  async execute(answer: FollowAnswer): Promise<RelationshipRecord> {
    const followerId = await followerOf(this.db, answer);
    return this.pairs.run(followerId, answer.actorId, async (scope) => {
      assertRemote(scope);
      if (await authorizeRequest(scope, followerId, answer.actorId)) return;
      const [{ following }]: { following: boolean }[] = await scope.tx.query(
        `SELECT EXISTS (SELECT 1 FROM accounts.follows WHERE account_id = $1 AND target_account_id = $2) AS following`,
        [followerId, answer.actorId],
      );
      if (!following) throw notFound();
    });
  }
}

/**
 * A remote server's Reject: of a pending request (it is dropped), or of a follow it accepted
 * before (the follow ends, as when an account removes a follower). Mastodon reads both alike.
 */
@Injectable()
export class RejectRemoteFollow {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly pairs: PairChanges,
  ) {}

  async execute(answer: FollowAnswer): Promise<RelationshipRecord> {
    const followerId = await followerOf(this.db, answer);
    const pair = { accountId: followerId, targetAccountId: answer.actorId };
    return this.pairs.run(
      followerId,
      answer.actorId,
      async (scope) => {
        assertRemote(scope);
        const { tx, graph, emit } = scope;
        const rejected = await graph.removeRequest(tx, followerId, answer.actorId);
        if (rejected) {
          await emit(events.followRequestRejected, { ...pair, reason: 'rejected', uri: rejected.uri });
          return;
        }
        const [removed] = await graph.removeFollows(tx, 'f.account_id = $1 AND f.target_account_id = $2', [
          followerId,
          answer.actorId,
        ]);
        if (!removed) throw notFound();
        await emit(events.followRemoved, { ...pair, reason: 'removed', uri: removed.uri });
      },
      // A server whose account was suspended here may still turn our follow down.
      { suspendedTarget: 'allowed', undo: true },
    );
  }
}

/**
 * An Undo naming a remote account's Follow by id alone: the sender's request or follow with that
 * id (the uri index finds it) ends as the sender's unfollow would.
 */
@Injectable()
export class UndoRemoteFollow {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly unfollow: UnfollowAccount,
  ) {}

  async execute({
    actorId,
    uri,
  }: RequestOf<typeof contracts.accounts.remote.undoRemoteFollow>): Promise<RelationshipRecord> {
    const [row]: { target_account_id: string }[] = await this.db.query(
      `SELECT target_account_id::text FROM accounts.follow_requests WHERE account_id = $1 AND uri = $2
       UNION ALL
       SELECT target_account_id::text FROM accounts.follows WHERE account_id = $1 AND uri = $2
       LIMIT 1`,
      [actorId, uri],
    );
    if (!row) throw notFound();
    return this.unfollow.execute(actorId, row.target_account_id);
  }
}
