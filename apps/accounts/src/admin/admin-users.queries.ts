import { Inject, Injectable } from '@nestjs/common';
import { type AdminUser, ContractError, type Role } from '@mammut/contracts';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';

interface AdminUserRow {
  user_id: string;
  account_id: string;
  username: string;
  email: string;
  role: Role;
  confirmed_at: Date | null;
  approved: boolean;
  disabled: boolean;
  suspended_at: Date | null;
  silenced_at: Date | null;
  created_at: Date;
  last_sign_in_at: Date | null;
}

const COLUMNS = `u.id AS user_id, a.id AS account_id, a.username, u.email, u.role, u.confirmed_at, u.approved,
  u.disabled, a.suspended_at, a.silenced_at, u.created_at, u.last_sign_in_at`;

const toAdminUser = (row: AdminUserRow): AdminUser => ({
  userId: row.user_id,
  accountId: row.account_id,
  username: row.username,
  email: row.email,
  role: row.role,
  confirmed: row.confirmed_at !== null,
  approved: row.approved,
  disabled: row.disabled,
  suspended: row.suspended_at !== null,
  silenced: row.silenced_at !== null,
  createdAt: row.created_at.toISOString(),
  lastSignInAt: row.last_sign_in_at?.toISOString() ?? null,
});

/** Local users for the operator CLI (and, later, the admin API). */
@Injectable()
export class AdminUsersQueries {
  constructor(@Inject(ACCOUNTS_DB) private readonly db: DataSource) {}

  /** Oldest first, as `tootctl accounts list` would page them. */
  async list(): Promise<AdminUser[]> {
    const rows: AdminUserRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM accounts.users u JOIN accounts.accounts a ON a.id = u.account_id ORDER BY u.id`,
    );
    return rows.map(toAdminUser);
  }

  /**
   * Local accounts of users whose role may manage users (Mammut's moderator and admin: Mastodon
   * gives `manage_users` to both of its default staff roles), by account id after `after`;
   * suspended accounts are left out, since they hear of nothing.
   */
  async userManagers(after: string | null, limit: number): Promise<string[]> {
    const rows: { account_id: string }[] = await this.db.query(
      `SELECT a.id::text AS account_id
         FROM accounts.users u JOIN accounts.accounts a ON a.id = u.account_id
        WHERE u.role IN ('moderator', 'admin') AND a.suspended_at IS NULL
          AND ($1::bigint IS NULL OR a.id > $1::bigint)
        ORDER BY a.id
        LIMIT $2`,
      [after, limit],
    );
    return rows.map((row) => row.account_id);
  }

  /** The roles of the local users among the accounts; accounts without a user are left out. */
  async roles(accountIds: readonly string[]): Promise<{ accountId: string; role: Role }[]> {
    const rows: { account_id: string; role: Role }[] = await this.db.query(
      `SELECT u.account_id::text AS account_id, u.role FROM accounts.users u
        WHERE u.account_id = ANY($1::bigint[])`,
      [[...new Set(accountIds)]],
    );
    return rows.map((row) => ({ accountId: row.account_id, role: row.role }));
  }

  /** Usernames are unique case-insensitively among local accounts, as registration enforces. */
  async byUsername(username: string): Promise<AdminUser> {
    const rows: AdminUserRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM accounts.users u JOIN accounts.accounts a ON a.id = u.account_id
        WHERE lower(a.username) = lower($1) AND a.domain IS NULL`,
      [username],
    );
    if (!rows[0]) throw new ContractError('not_found', `No local user named ${username}`);
    return toAdminUser(rows[0]);
  }

  async byId(userId: string): Promise<AdminUser> {
    const rows: AdminUserRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM accounts.users u JOIN accounts.accounts a ON a.id = u.account_id WHERE u.id = $1`,
      [userId],
    );
    if (!rows[0]) throw new ContractError('not_found', 'Record not found');
    return toAdminUser(rows[0]);
  }
}
