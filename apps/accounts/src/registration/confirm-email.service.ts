import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';
import { digestOf } from '../tokens/token-digest';

/** How long a confirmation link works (Devise's `confirm_within` in Mastodon). */
export const CONFIRMATION_TTL = '2 days';

/**
 * The link in the confirmation mail: confirms once, then the token is forgotten; `user.confirmed`
 * (and `user.activated` for an approved user) tells the other services, as the operator's
 * confirmation does.
 */
@Injectable()
export class ConfirmEmail {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(confirmationToken: string): Promise<{ confirmed: boolean }> {
    if (!confirmationToken) return { confirmed: false };
    return this.db.transaction(async (tx) => {
      const confirmed: { id: string; account_id: string; approved: boolean }[] = await tx.query(
        `WITH confirmed AS (
           UPDATE accounts.users SET confirmed_at = now(), confirmation_token = NULL, updated_at = now()
            WHERE confirmation_token = $1 AND confirmed_at IS NULL
              AND confirmation_sent_at > now() - $2::interval
            RETURNING id, account_id, approved)
         SELECT id::text, account_id::text, approved FROM confirmed`,
        [digestOf(confirmationToken), CONFIRMATION_TTL],
      );
      const user = confirmed[0];
      if (!user) return { confirmed: false };
      const events = contracts.accounts.admin.events;
      const payload = { userId: user.id, accountId: user.account_id };
      await this.outbox.add(tx, events.userConfirmed, payload);
      // An approved user is usable from now on; one awaiting review becomes so when approved.
      if (user.approved) await this.outbox.add(tx, events.userActivated, payload);
      return { confirmed: true };
    });
  }
}
