import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, type EventDef } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';

const events = contracts.accounts.admin.events;

export type Sanction = 'suspend' | 'unsuspend' | 'silence' | 'unsilence';

interface SanctionSpec {
  readonly column: 'suspended_at' | 'silenced_at';
  readonly on: boolean;
  readonly event: EventDef;
}

const SANCTIONS: Record<Sanction, SanctionSpec> = {
  suspend: { column: 'suspended_at', on: true, event: events.accountSuspended },
  unsuspend: { column: 'suspended_at', on: false, event: events.accountUnsuspended },
  silence: { column: 'silenced_at', on: true, event: events.accountSilenced },
  unsilence: { column: 'silenced_at', on: false, event: events.accountUnsilenced },
};

/**
 * An operator (or, later, moderation or a remote server's Delete) suspends or silences an account,
 * local or remote, or lifts it. Idempotent: the event is written only when the state changed. A
 * suspended user's tokens stop working at once (the grant cache hears the change); a deleted
 * account stays suspended.
 */
@Injectable()
export class SanctionAccount {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(accountId: string, sanction: Sanction): Promise<{ accountId: string; applied: boolean }> {
    const { column, on, event } = SANCTIONS[sanction];
    return this.db.transaction(async (tx) => {
      const rows: { deleted: boolean; active: boolean }[] = await tx.query(
        `SELECT deleted_at IS NOT NULL AS deleted, ${column} IS NOT NULL AS active
           FROM accounts.accounts WHERE id = $1 FOR UPDATE`,
        [accountId],
      );
      const current = rows[0];
      if (!current) throw new ContractError('not_found', 'Record not found');
      if (current.deleted && !on)
        throw new ContractError('forbidden', 'A deleted account cannot be restored');
      if (current.active === on) return { accountId, applied: on };
      await tx.query(
        `UPDATE accounts.accounts SET ${column} = ${on ? 'now()' : 'NULL'}, updated_at = now() WHERE id = $1`,
        [accountId],
      );
      await this.outbox.add(tx, event, { accountId });
      return { accountId, applied: on };
    });
  }
}
