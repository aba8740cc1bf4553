import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { EntityManager } from 'typeorm';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';

const events = contracts.accounts.lists.events;

/**
 * A list holds only accounts its owner follows (or the owner itself), as in Mastodon, where a
 * list membership belongs to the follow. Whatever ends a follow (unfollow, block, domain block,
 * a removed follower, a deleted account) goes through FollowGraph.removeFollows, which calls this
 * in the same transaction, so the member leaves the owner's lists exactly when the follow ends.
 */
@Injectable()
export class ListMemberships {
  constructor(@Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox) {}

  /**
   * Removes each ended follow's target from its follower's lists. A separate statement from the
   * follows' deletion on purpose: it sees a membership committed by an addition that held the
   * follow row until the deletion could take it.
   */
  async followsEnded(
    tx: EntityManager,
    follows: readonly { account_id: string; target_account_id: string }[],
  ): Promise<void> {
    if (!follows.length) return;
    const left: { list_id: string; owner_id: string; account_id: string }[] = await tx.query(
      `WITH left_lists AS (
         DELETE FROM accounts.list_accounts la
          USING accounts.lists l, unnest($1::bigint[], $2::bigint[]) AS ended(owner_id, member_id)
          WHERE la.list_id = l.id AND l.account_id = ended.owner_id AND la.account_id = ended.member_id
            AND ended.owner_id <> ended.member_id
         RETURNING la.list_id, l.account_id AS owner_id, la.account_id)
       SELECT list_id::text, owner_id::text, account_id::text FROM left_lists`,
      [follows.map((f) => f.account_id), follows.map((f) => f.target_account_id)],
    );
    for (const row of left) {
      await this.outbox.add(tx, events.listMemberRemoved, {
        listId: row.list_id,
        ownerId: row.owner_id,
        accountId: row.account_id,
        reason: 'unfollowed',
      });
    }
  }
}
