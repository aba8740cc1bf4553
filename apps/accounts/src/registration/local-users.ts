import { Inject, Injectable } from '@nestjs/common';
import { contracts, type Role } from '@mammut/contracts';
import { CONFIG, type Config, type Outbox } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';

export interface NewLocalUser {
  readonly username: string;
  readonly email: string;
  readonly encryptedPassword: string;
  readonly role?: Role;
  readonly confirmedAt: Date | null;
  /** Digest of the mailed confirmation token, when one was mailed. */
  readonly confirmationDigest?: string | null;
  readonly approved: boolean;
  readonly locale?: string | null;
  readonly reason?: string | null;
  /** The app that signed the user up; only it may resend the confirmation mail. */
  readonly createdByApplicationId?: string | null;
}

/** Which of a username and an e-mail address is already in use. */
export type TakenField = 'username' | 'email';

/**
 * Where local users come into being, for sign-up and for the operator's CLI alike: the account
 * row (with the actor URI federation will publish), its user row and the `account.created` event
 * (and `user.activated` for a user confirmed and approved already), in the caller's transaction.
 */
@Injectable()
export class LocalUsers {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async insert(tx: EntityManager, user: NewLocalUser): Promise<{ accountId: string; userId: string }> {
    const origin = this.config.publicOrigin;
    // Both ids come from the tables' `timestamp_id` defaults (ADR 0007).
    const [account]: { id: string }[] = await tx.query(
      `INSERT INTO accounts.accounts (username, uri, url) VALUES ($1, $2, $3) RETURNING id::text`,
      [user.username, `${origin}/users/${user.username}`, `${origin}/@${user.username}`],
    );
    const [created]: { id: string }[] = await tx.query(
      `INSERT INTO accounts.users (account_id, email, encrypted_password, role, confirmed_at, confirmation_token,
         confirmation_sent_at, approved, locale, reason, created_by_application_id, agreement)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, true) RETURNING id::text`,
      [
        account.id,
        user.email,
        user.encryptedPassword,
        user.role ?? 'user',
        user.confirmedAt,
        user.confirmationDigest ?? null,
        user.confirmationDigest ? new Date() : null,
        user.approved,
        user.locale ?? null,
        user.reason ?? null,
        user.createdByApplicationId ?? null,
      ],
    );
    const events = contracts.accounts.admin.events;
    await this.outbox.add(tx, events.accountCreated, {
      accountId: account.id,
      username: user.username,
      domain: null,
    });
    // Confirmed and approved at once (no mail to confirm, no review): usable from the start.
    if (user.confirmedAt && user.approved)
      await this.outbox.add(tx, events.userActivated, { userId: created.id, accountId: account.id });
    return { accountId: account.id, userId: created.id };
  }

  /**
   * The fields already taken (case-insensitively; remote accounts don't hold local names), by
   * anyone but `exceptUserId` (a user keeping its own address).
   */
  async taken(username: string | null, email: string | null, exceptUserId?: string): Promise<TakenField[]> {
    const [row]: { username: boolean; email: boolean }[] = await this.db.query(
      `SELECT $1::text IS NOT NULL AND EXISTS (SELECT 1 FROM accounts.accounts
                WHERE lower(username) = lower($1) AND domain IS NULL) AS username,
              $2::text IS NOT NULL AND EXISTS (SELECT 1 FROM accounts.users
                WHERE lower(email) = lower($2) AND id IS DISTINCT FROM $3::bigint) AS email`,
      [username, email, exceptUserId ?? null],
    );
    return (['username', 'email'] as const).filter((field) => row[field]);
  }

  /** The field whose unique index refused an insert that lost a race, or undefined for other errors. */
  static raceLostOn(error: unknown): TakenField | undefined {
    if (typeof error !== 'object' || error === null || (error as { code?: unknown }).code !== '23505') {
      return undefined;
    }
    const constraint = (error as { constraint?: unknown }).constraint;
    return typeof constraint === 'string' && constraint.startsWith('users_email') ? 'email' : 'username';
  }
}
