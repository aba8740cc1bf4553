import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { SHOWN_ACCOUNT } from '../profiles/account-row';
import { Validation } from '../profiles/validation';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';
import { lockOwnList } from './manage-lists.service';

const events = contracts.accounts.lists.events;

interface Candidate {
  id: string;
  followed: boolean;
  listed: boolean;
}

/**
 * POST /api/v1/lists/:id/accounts: all the accounts or none, as Mastodon adds them in one
 * transaction. Each must exist (else 404) and be followed by the owner or be the owner, and not
 * be listed already (else 422).
 */
@Injectable()
export class AddListMembers {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(
    viewerId: string,
    listId: string,
    accountIds: readonly string[],
  ): Promise<Record<string, never>> {
    const ids = [...new Set(accountIds)];
    await this.db.transaction(async (tx) => {
      await lockOwnList(tx, viewerId, listId);
      // FOR SHARE holds each follow until this commits: an unfollow racing the addition waits,
      // then removes the new membership with the follow (ListMemberships.followsEnded).
      await tx.query(
        `SELECT 1 FROM accounts.follows WHERE account_id = $1 AND target_account_id = ANY($2::bigint[]) FOR SHARE`,
        [viewerId, ids],
      );
      const found: Candidate[] = await tx.query(
        `SELECT a.id::text,
                (a.id = $2 OR EXISTS (SELECT 1 FROM accounts.follows f
                   WHERE f.account_id = $2 AND f.target_account_id = a.id)) AS followed,
                EXISTS (SELECT 1 FROM accounts.list_accounts la WHERE la.list_id = $3 AND la.account_id = a.id) AS listed
           FROM accounts.accounts a
          WHERE a.id = ANY($1::bigint[]) AND a.suspended_at IS NULL AND ${SHOWN_ACCOUNT}`,
        [ids, viewerId, listId],
      );
      if (found.length < ids.length) throw new ContractError('not_found', 'Record not found');
      const v = new Validation();
      if (found.some((c) => !c.followed)) v.add('account_id', 'ERR_INVALID', 'Account must be followed');
      if (found.some((c) => c.listed)) v.add('account_id', 'ERR_TAKEN', 'Account has already been taken');
      v.throwIfInvalid();
      const added: { account_id: string }[] = await tx.query(
        `INSERT INTO accounts.list_accounts (list_id, account_id)
         SELECT $1, id FROM unnest($2::bigint[]) AS id
         ON CONFLICT (list_id, account_id) DO NOTHING RETURNING account_id::text`,
        [listId, ids],
      );
      for (const { account_id: accountId } of added) {
        await this.outbox.add(tx, events.listMemberAdded, { listId, ownerId: viewerId, accountId });
      }
    });
    return {};
  }
}

/** DELETE /api/v1/lists/:id/accounts: those listed leave; the others are ignored, as in Mastodon. */
@Injectable()
export class RemoveListMembers {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(
    viewerId: string,
    listId: string,
    accountIds: readonly string[],
  ): Promise<Record<string, never>> {
    await this.db.transaction(async (tx) => {
      await lockOwnList(tx, viewerId, listId);
      const removed: { account_id: string }[] = await tx.query(
        `WITH removed AS (
           DELETE FROM accounts.list_accounts WHERE list_id = $1 AND account_id = ANY($2::bigint[]) RETURNING account_id)
         SELECT account_id::text FROM removed`,
        [listId, [...new Set(accountIds)]],
      );
      for (const { account_id: accountId } of removed) {
        await this.outbox.add(tx, events.listMemberRemoved, {
          listId,
          ownerId: viewerId,
          accountId,
          reason: 'removed',
        });
      }
    });
    return {};
  }
}
