import { Inject, Injectable } from '@nestjs/common';
import { type AdminUser, ContractError, contracts, type RequestOf, type Role } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';
import { AdminUsersQueries } from './admin-users.queries';

const events = contracts.accounts.admin.events;

export type UserChanges = Omit<RequestOf<typeof contracts.accounts.admin.modifyUser>, 'userId'>;

interface UserState {
  account_id: string;
  role: Role;
  confirmed: boolean;
  approved: boolean;
  disabled: boolean;
}

/**
 * `tootctl accounts modify`: role, confirmation, approval and the disabled flag of a local user,
 * each change written as its event in the same transaction (and `user.activated` when the user
 * becomes confirmed and approved). A disabled user's tokens and web sessions stop working at once
 * (both check the user's state).
 */
@Injectable()
export class ModifyUser {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
    private readonly users: AdminUsersQueries,
  ) {}

  async execute(userId: string, changes: UserChanges): Promise<AdminUser> {
    await this.db.transaction(async (tx) => {
      const rows: UserState[] = await tx.query(
        `SELECT account_id::text, role, confirmed_at IS NOT NULL AS confirmed, approved, disabled
           FROM accounts.users WHERE id = $1 FOR UPDATE`,
        [userId],
      );
      const before = rows[0];
      if (!before) throw new ContractError('not_found', 'Record not found');
      const after: UserState = {
        ...before,
        role: changes.role ?? before.role,
        confirmed: before.confirmed || changes.confirm === true,
        approved: before.approved || changes.approve === true,
        disabled: changes.disabled ?? before.disabled,
      };
      await tx.query(
        `UPDATE accounts.users SET
           role = $2,
           confirmed_at = CASE WHEN $3 THEN COALESCE(confirmed_at, now()) ELSE confirmed_at END,
           confirmation_token = CASE WHEN $3 THEN NULL ELSE confirmation_token END,
           approved = $4,
           disabled = $5,
           updated_at = now()
         WHERE id = $1`,
        [userId, after.role, changes.confirm === true, after.approved, after.disabled],
      );
      const user = { userId, accountId: before.account_id };
      if (after.role !== before.role) {
        await this.outbox.add(tx, events.userRoleChanged, {
          ...user,
          role: after.role,
          previousRole: before.role,
        });
      }
      if (after.confirmed && !before.confirmed) await this.outbox.add(tx, events.userConfirmed, user);
      if (after.approved && !before.approved) await this.outbox.add(tx, events.userApproved, user);
      // Neither ever goes back to false, so this is the first time the user is both.
      if (after.confirmed && after.approved && !(before.confirmed && before.approved))
        await this.outbox.add(tx, events.userActivated, user);
      if (after.disabled !== before.disabled) {
        await this.outbox.add(tx, after.disabled ? events.userDisabled : events.userEnabled, user);
      }
    });
    return this.users.byId(userId);
  }
}
