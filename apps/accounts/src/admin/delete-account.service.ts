import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';
import { FollowGraph, type Tx } from '../relationships/follow-graph.repository';

const events = { ...contracts.accounts.relationships.events, ...contracts.accounts.admin.events };
const reason = 'account_deleted';

interface Pair {
  account_id: string;
  target_account_id: string;
}

/**
 * Deletes an account, local or remote: every relationship it has or is the target of ends (each
 * with its own event, so projections keyed by relationship never keep one), a local user and its
 * tokens go, and the row stays suspended with an empty profile so the name and URI are never
 * reused. Idempotent.
 */
@Injectable()
export class DeleteAccount {
  constructor(
    private readonly graph: FollowGraph,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(accountId: string): Promise<{ accountId: string }> {
    await this.graph.transaction(async (tx) => {
      // FOR UPDATE: relationship changes under way on this account wait, then see it suspended.
      const rows: { deleted: boolean }[] = await tx.query(
        `SELECT deleted_at IS NOT NULL AS deleted FROM accounts.accounts WHERE id = $1 FOR UPDATE`,
        [accountId],
      );
      if (!rows[0]) throw new ContractError('not_found', 'Record not found');
      if (rows[0].deleted) return;
      await this.endRelationships(tx, accountId);
      await tx.query(`DELETE FROM accounts.users WHERE account_id = $1`, [accountId]);
      await tx.query(
        `UPDATE accounts.accounts SET display_name = '', note = '', note_html = '', fields = '[]',
           avatar_url = NULL, header_url = NULL, avatar_static_url = NULL, header_static_url = NULL,
           avatar_description = '', header_description = '', locked = false, bot = false, discoverable = NULL,
           indexable = false, hide_collections = NULL, followers_count = 0, following_count = 0,
           suspended_at = COALESCE(suspended_at, now()), deleted_at = now(), updated_at = now()
         WHERE id = $1`,
        [accountId],
      );
      await this.outbox.add(tx, events.accountDeleted, { accountId });
    });
    return { accountId };
  }

  private async endRelationships(tx: Tx, accountId: string): Promise<void> {
    const emit = (def: Parameters<Outbox['add']>[1], payload: object): Promise<string> =>
      this.outbox.add(tx, def, payload);
    const pair = (row: Pair): { accountId: string; targetAccountId: string } => ({
      accountId: row.account_id,
      targetAccountId: row.target_account_id,
    });
    for (const follow of await this.graph.removeFollows(tx, 'f.account_id = $1 OR f.target_account_id = $1', [
      accountId,
    ])) {
      await emit(events.followRemoved, { ...pair(follow), reason });
    }
    for (const request of await this.graph.removeRequests(
      tx,
      'r.account_id = $1 OR r.target_account_id = $1',
      [accountId],
    )) {
      const def =
        request.account_id === accountId ? events.followRequestWithdrawn : events.followRequestRejected;
      await emit(def, { ...pair(request), reason });
    }
    for (const table of ['blocks', 'mutes'] as const) {
      // A CTE: TypeORM answers a bare DELETE … RETURNING with [rows, count].
      const removed: Pair[] = await tx.query(
        `WITH removed AS (DELETE FROM accounts.${table} WHERE account_id = $1 OR target_account_id = $1
           RETURNING account_id, target_account_id)
         SELECT account_id::text, target_account_id::text FROM removed`,
        [accountId],
      );
      for (const edge of removed) {
        if (table === 'blocks') await emit(events.blockRemoved, pair(edge));
        else await emit(events.muteRemoved, { ...pair(edge), reason });
      }
    }
    const domains: { domain: string }[] = await tx.query(
      `WITH removed AS (DELETE FROM accounts.account_domain_blocks WHERE account_id = $1 RETURNING domain)
       SELECT domain FROM removed`,
      [accountId],
    );
    for (const { domain } of domains) await emit(events.domainBlockRemoved, { accountId, domain });
    for (const table of ['account_notes', 'account_endorsements'] as const) {
      await tx.query(`DELETE FROM accounts.${table} WHERE account_id = $1 OR target_account_id = $1`, [
        accountId,
      ]);
    }
  }
}
