import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';

/**
 * A remote account's Move, once federation checked it (ActivityPub::Activity::Move): the account
 * redirects to the target, "in case we didn't have the redirect already", and `account.moved`
 * moves its local followers. Every verified Move does so again (federation lets one through per
 * week), as Mastodon re-runs its MoveWorker, which changes nothing for followers already moved.
 */
@Injectable()
export class MoveRemoteAccount {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(
    accountId: string,
    targetAccountId: string,
  ): Promise<{ accountId: string; movedToAccountId: string }> {
    if (accountId === targetAccountId)
      throw new ContractError('unprocessable', 'An account cannot move to itself');
    return this.db.transaction(async (tx) => {
      const rows: { id: string; local: boolean; gone: boolean }[] = await tx.query(
        `SELECT id::text, domain IS NULL AS local, suspended_at IS NOT NULL AS gone
           FROM accounts.accounts WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
        [[accountId, targetAccountId]],
      );
      const mover = rows.find((row) => row.id === accountId);
      const target = rows.find((row) => row.id === targetAccountId);
      if (!mover || !target || target.gone) throw new ContractError('not_found', 'Record not found');
      if (mover.local) throw new ContractError('forbidden', 'A local account moves through its settings');
      await tx.query(
        `UPDATE accounts.accounts SET moved_to_account_id = $2, moved_at = now(), updated_at = now() WHERE id = $1`,
        [accountId, targetAccountId],
      );
      await this.outbox.add(tx, contracts.accounts.admin.events.accountMoved, {
        accountId,
        targetAccountId,
        followersMove: true,
      });
      return { accountId, movedToAccountId: targetAccountId };
    });
  }
}
