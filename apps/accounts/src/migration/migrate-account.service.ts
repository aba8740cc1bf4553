import { Inject, Injectable } from '@nestjs/common';
import { ContractError, MIGRATION_COOLDOWN_DAYS } from '@mammut/contracts';
import type { DataSource } from 'typeorm';
import { MoveAccount } from '../admin/move-account.service';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { PasswordHasher } from '../passwords/password-hasher';

/**
 * The owner moves its account (Mastodon's Settings::MigrationsController): its password confirms
 * it, and an account that moved within the cooldown waits, so followers are not bounced around.
 * The move itself is the operator's (MoveAccount), never forced: the target must name this account.
 */
@Injectable()
export class MigrateAccount {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly move: MoveAccount,
  ) {}

  async execute(
    accountId: string,
    targetAccountId: string,
    currentPassword: string,
  ): Promise<{ accountId: string; movedToAccountId: string }> {
    const rows: { encrypted_password: string; cooling: boolean }[] = await this.db.query(
      `SELECT u.encrypted_password,
              COALESCE(a.moved_at > now() - make_interval(days => $2), false) AS cooling
         FROM accounts.users u JOIN accounts.accounts a ON a.id = u.account_id
        WHERE a.id = $1`,
      [accountId, MIGRATION_COOLDOWN_DAYS],
    );
    const user = rows[0];
    if (!user) throw new ContractError('not_found', 'Record not found');
    if (!(await this.hasher.verify(user.encrypted_password, currentPassword)))
      throw new ContractError('unprocessable', 'Validation failed: Current password is invalid');
    if (user.cooling)
      throw new ContractError(
        'unprocessable',
        `Validation failed: You can only move your account once every ${MIGRATION_COOLDOWN_DAYS} days`,
      );
    return this.move.execute(accountId, targetAccountId, false);
  }
}
