import { Inject, Injectable } from '@nestjs/common';
import { contracts, type ResponseOf, type Role } from '@mammut/contracts';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { PasswordHasher } from '../passwords/password-hasher';
import { signInRefusal } from './sign-in-states';

type SignInOutcome = ResponseOf<typeof contracts.accounts.oauth.checkSignIn>;

interface UserRow {
  id: string;
  account_id: string;
  encrypted_password: string;
  role: Role;
  confirmed_at: Date | null;
  approved: boolean;
  disabled: boolean;
  suspended_at: Date | null;
}

/**
 * Email and password → the user, for the sign-in form. The user's state is told only after the
 * password matched, so the form cannot be used to learn which addresses have accounts.
 */
@Injectable()
export class CheckSignIn {
  /** Verified when the email is unknown, so both paths cost one argon2 verification. */
  private decoy: Promise<string> | undefined;

  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
  ) {}

  async execute(email: string, password: string): Promise<SignInOutcome> {
    const rows: UserRow[] = await this.db.query(
      `SELECT u.id, u.account_id, u.encrypted_password, u.role, u.confirmed_at, u.approved, u.disabled, a.suspended_at
         FROM accounts.users u JOIN accounts.accounts a ON a.id = u.account_id
        WHERE lower(u.email) = lower($1)`,
      [email.trim()],
    );
    const row = rows[0];
    if (!row) {
      this.decoy ??= this.hasher.hash('decoy password, never matches');
      await this.hasher.verify(await this.decoy, password);
      return { refused: 'invalid' };
    }
    if (!(await this.hasher.verify(row.encrypted_password, password))) return { refused: 'invalid' };
    const refused = signInRefusal({
      disabled: row.disabled,
      suspendedAt: row.suspended_at,
      confirmedAt: row.confirmed_at,
      approved: row.approved,
    });
    if (refused) return { refused };
    await this.db.query(
      `UPDATE accounts.users SET sign_in_count = sign_in_count + 1, last_sign_in_at = now() WHERE id = $1`,
      [row.id],
    );
    return {
      user: {
        userId: row.id,
        accountId: row.account_id,
        role: row.role,
        confirmed: true,
        approved: true,
        disabled: false,
        suspended: false,
      },
    };
  }
}
