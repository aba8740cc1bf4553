import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { digestOf } from '../tokens/token-digest';

/** How long a confirmation link works (Devise's `confirm_within` in Mastodon). */
export const CONFIRMATION_TTL = '2 days';

/** The link in the confirmation mail: confirms once, then the token is forgotten. */
@Injectable()
export class ConfirmEmail {
  constructor(@Inject(ACCOUNTS_DB) private readonly db: DataSource) {}

  async execute(confirmationToken: string): Promise<{ confirmed: boolean }> {
    if (!confirmationToken) return { confirmed: false };
    const [, affected]: [unknown[], number] = await this.db.query(
      `UPDATE accounts.users SET confirmed_at = now(), confirmation_token = NULL, updated_at = now()
        WHERE confirmation_token = $1 AND confirmed_at IS NULL
          AND confirmation_sent_at > now() - $2::interval`,
      [digestOf(confirmationToken), CONFIRMATION_TTL],
    );
    return { confirmed: affected > 0 };
  }
}
