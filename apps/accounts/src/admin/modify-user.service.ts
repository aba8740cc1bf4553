import { Inject, Injectable } from '@nestjs/common';
import { ContractError, type Role } from '@mammut/contracts';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { AdminUsersQueries, type AdminUser } from './admin-users.queries';

export interface UserChanges {
  readonly role?: Role;
  /** Marks the e-mail address confirmed and forgets any pending confirmation token. */
  readonly confirm?: boolean;
  readonly disable?: boolean;
  readonly enable?: boolean;
  readonly approve?: boolean;
}

/** `tootctl accounts modify`: role, confirmation, approval and the disabled flag of a local user. */
@Injectable()
export class ModifyUser {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly users: AdminUsersQueries,
  ) {}

  async execute(username: string, changes: UserChanges): Promise<AdminUser> {
    if (changes.disable && changes.enable) {
      throw new ContractError('invalid_request', 'Choose one of --disable and --enable');
    }
    const user = await this.users.byUsername(username);
    const disabled = changes.disable ? true : changes.enable ? false : null;
    // One statement: each column keeps its value unless a change names it.
    await this.db.query(
      `UPDATE accounts.users SET
         role = COALESCE($2, role),
         confirmed_at = CASE WHEN $3 THEN COALESCE(confirmed_at, now()) ELSE confirmed_at END,
         confirmation_token = CASE WHEN $3 THEN NULL ELSE confirmation_token END,
         approved = approved OR $4,
         disabled = COALESCE($5, disabled),
         updated_at = now()
       WHERE id = $1`,
      [user.userId, changes.role ?? null, changes.confirm ?? false, changes.approve ?? false, disabled],
    );
    return this.users.byUsername(username);
  }
}
