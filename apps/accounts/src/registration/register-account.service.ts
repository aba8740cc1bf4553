import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  contracts,
  type IssuedToken,
  type RequestOf,
  type ResponseOf,
} from '@mammut/contracts';
import { CONFIG, type Config, IDS, type IdGenerator, logger } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { AccessTokens } from '../oauth/access-tokens';
import { PasswordHasher } from '../passwords/password-hasher';
import { digestOf, newSecret } from '../tokens/token-digest';
import { checkRegistrationFields, RegistrationErrors } from './registration-rules';
import { ConfirmationMailer } from './confirmation-mailer';

type Registration = RequestOf<typeof contracts.accounts.registration.createRegistration>;
type Registered = ResponseOf<typeof contracts.accounts.registration.createRegistration>;

// Looked up when used: a module-level child would bind to the logger that existed before config was read.
const log = (): ReturnType<typeof logger> => logger('accounts:registration');

const isUniqueViolation = (error: unknown): error is { code: string; constraint?: string } =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

/**
 * `POST /api/v1/accounts`: a local account, its user and a token for the registering app, in one
 * transaction. The user is confirmed by mail when SMTP is configured, at once otherwise; approved
 * unless the instance reviews sign-ups.
 */
@Injectable()
export class RegisterAccount {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(IDS) private readonly ids: IdGenerator,
    private readonly hasher: PasswordHasher,
    private readonly tokens: AccessTokens,
    private readonly mailer: ConfirmationMailer,
  ) {}

  async execute(input: Registration): Promise<Registered> {
    if (this.config.registrationsMode === 'closed')
      throw new ContractError('forbidden', 'This action is not allowed');
    const username = input.username.trim();
    const email = input.email.trim();
    const errors = new RegistrationErrors();
    checkRegistrationFields(
      { ...input, username, email },
      this.config.registrationsMode === 'approved',
      errors,
    );
    await this.checkTaken(username, email, errors);
    errors.throwIfAny();

    const encryptedPassword = await this.hasher.hash(input.password);
    const confirmationToken = this.mailer.enabled ? newSecret() : null;
    const accountId = this.ids.next();
    const origin = this.config.publicOrigin;
    let token: IssuedToken;
    try {
      token = await this.db.transaction(async (tx) => {
        await tx.query(`INSERT INTO accounts.accounts (id, username, uri, url) VALUES ($1, $2, $3, $4)`, [
          accountId,
          username,
          `${origin}/users/${username}`,
          `${origin}/@${username}`,
        ]);
        const userId = this.ids.next();
        await tx.query(
          `INSERT INTO accounts.users (id, account_id, email, encrypted_password, confirmed_at, confirmation_token,
             confirmation_sent_at, approved, locale, reason, agreement)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, true)`,
          [
            userId,
            accountId,
            email,
            encryptedPassword,
            confirmationToken ? null : new Date(),
            confirmationToken ? digestOf(confirmationToken) : null,
            confirmationToken ? new Date() : null,
            this.config.registrationsMode !== 'approved',
            input.locale || null,
            input.reason?.trim() || null,
          ],
        );
        return this.tokens.issue({ applicationId: input.applicationId, userId, scopes: input.scopes }, tx);
      });
    } catch (error) {
      // Two sign-ups racing for one name or address: the unique index decides, as Rails would.
      if (!isUniqueViolation(error)) throw error;
      const field = error.constraint?.startsWith('users_email') ? 'email' : 'username';
      const taken = new RegistrationErrors();
      taken.add(field, field === 'email' ? 'Email' : 'Username', 'ERR_TAKEN', 'has already been taken');
      taken.throwIfAny();
      throw error;
    }

    if (confirmationToken) {
      // The account exists either way; a mail that fails is logged (and can be resent), not undone.
      await this.mailer.send(email, username, confirmationToken).catch((err: unknown) => {
        log().error({ err, accountId }, 'confirmation mail failed');
      });
    } else {
      log().info({ accountId, username }, 'no SMTP configured: email address confirmed without a mail');
    }
    return { token, accountId };
  }

  private async checkTaken(username: string, email: string, errors: RegistrationErrors): Promise<void> {
    if (!errors.has('username')) {
      const rows: unknown[] = await this.db.query(
        `SELECT 1 FROM accounts.accounts WHERE lower(username) = lower($1) AND domain IS NULL`,
        [username],
      );
      if (rows.length) errors.add('username', 'Username', 'ERR_TAKEN', 'has already been taken');
    }
    if (!errors.has('email')) {
      const rows: unknown[] = await this.db.query(
        `SELECT 1 FROM accounts.users WHERE lower(email) = lower($1)`,
        [email],
      );
      if (rows.length) errors.add('email', 'Email', 'ERR_TAKEN', 'has already been taken');
    }
  }
}
