import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';

interface Party {
  id: string;
  uri: string;
  local: boolean;
  gone: boolean;
  also_known_as: string[] | null;
}

/**
 * A local account moves to another account, local or remote, as Mastodon's migration (and
 * `tootctl accounts migrate`) does: the target must already list this account among its aliases,
 * proof that whoever controls it agreed, unless the operator forces it, and must not have moved on
 * itself. The account then takes no new follows; `account.moved` has its local followers follow
 * the target (accounts) and tells the remote ones with a Move (federation). Moving again to the
 * same target changes nothing.
 */
@Injectable()
export class MoveAccount {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(
    accountId: string,
    targetAccountId: string,
    force: boolean,
  ): Promise<{ accountId: string; movedToAccountId: string }> {
    if (accountId === targetAccountId)
      throw new ContractError('unprocessable', 'An account cannot move to itself');
    return this.db.transaction(async (tx) => {
      const rows: (Party & { moved_to: string | null })[] = await tx.query(
        `SELECT id::text, uri, domain IS NULL AS local, suspended_at IS NOT NULL AS gone, also_known_as,
                moved_to_account_id::text AS moved_to
           FROM accounts.accounts WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
        [[accountId, targetAccountId]],
      );
      const mover = rows.find((row) => row.id === accountId);
      const target = rows.find((row) => row.id === targetAccountId);
      if (!mover || !target || target.gone) throw new ContractError('not_found', 'Record not found');
      if (!mover.local) throw new ContractError('forbidden', 'Only local accounts are moved here');
      if (mover.moved_to === targetAccountId) return { accountId, movedToAccountId: targetAccountId };
      if (target.moved_to !== null)
        throw new ContractError('unprocessable', 'Validation failed: The target account has moved itself');
      if (!force && !(target.also_known_as ?? []).includes(mover.uri)) {
        throw new ContractError(
          'unprocessable',
          'Validation failed: The target account must list this account among its aliases (alsoKnownAs)',
        );
      }
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
