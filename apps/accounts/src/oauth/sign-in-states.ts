import { Inject, Injectable } from '@nestjs/common';
import type { SignInRefusal } from '@mammut/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';

/** What decides whether a user may sign in, as the users and accounts tables hold it. */
export interface SignInFacts {
  readonly disabled: boolean;
  readonly suspendedAt: Date | null;
  readonly confirmedAt: Date | null;
  readonly approved: boolean;
}

/**
 * Why a user (whose password is right) may not sign in, or null: Mastodon's order, disabled or
 * suspended first. The one rule for the sign-in form, the web sessions it starts, and the codes
 * and tokens those sessions obtain.
 */
export function signInRefusal(user: SignInFacts): Exclude<SignInRefusal, 'invalid'> | null {
  if (user.disabled || user.suspendedAt) return 'disabled';
  if (!user.confirmedAt) return 'unconfirmed';
  if (!user.approved) return 'pending';
  return null;
}

interface StateRow {
  id: string;
  disabled: boolean;
  suspended_at: Date | null;
  confirmed_at: Date | null;
  approved: boolean;
}

/** Whether users could sign in now: read from the tables each time, whoever changed them. */
@Injectable()
export class SignInStates {
  constructor(@Inject(ACCOUNTS_DB) private readonly db: DataSource) {}

  /** Each user's refusal (null: may sign in); users not found are missing. */
  async get(
    userIds: readonly string[],
    tx: EntityManager = this.db.manager,
  ): Promise<{ states: Array<{ userId: string; refused: SignInRefusal | null }>; missing: string[] }> {
    const rows: StateRow[] = await tx.query(
      `SELECT u.id, u.disabled, a.suspended_at, u.confirmed_at, u.approved
         FROM accounts.users u JOIN accounts.accounts a ON a.id = u.account_id
        WHERE u.id = ANY($1::bigint[])`,
      [userIds],
    );
    const found = new Set(rows.map((row) => row.id));
    return {
      states: rows.map((row) => ({
        userId: row.id,
        refused: signInRefusal({
          disabled: row.disabled,
          suspendedAt: row.suspended_at,
          confirmedAt: row.confirmed_at,
          approved: row.approved,
        }),
      })),
      missing: [...new Set(userIds)].filter((userId) => !found.has(userId)),
    };
  }

  /** Whether this one user could sign in now. */
  async maySignIn(userId: string, tx?: EntityManager): Promise<boolean> {
    const { states } = await this.get([userId], tx);
    return states[0]?.refused === null;
  }
}
