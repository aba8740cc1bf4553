import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  contracts,
  type IssuedToken,
  type RequestOf,
  type ResponseOf,
} from '@mammut/contracts';
import { CONFIG, type Config, logger } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { AccessTokens } from '../oauth/access-tokens';
import { PasswordHasher } from '../passwords/password-hasher';
import { digestOf, newSecret } from '../tokens/token-digest';
import { checkRegistrationFields, RegistrationErrors } from './registration-rules';
import { ConfirmationMailer } from './confirmation-mailer';
import { LocalUsers } from './local-users';

type Registration = RequestOf<typeof contracts.accounts.registration.createRegistration>;
type Registered = ResponseOf<typeof contracts.accounts.registration.createRegistration>;

// Looked up when used: a module-level child would bind to the logger that existed before config was read.
const log = (): ReturnType<typeof logger> => logger('accounts:registration');

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
    private readonly users: LocalUsers,
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
    let created: { token: IssuedToken; accountId: string };
    try {
      created = await this.db.transaction(async (tx) => {
        const { accountId, userId } = await this.users.insert(tx, {
          username,
          email,
          encryptedPassword,
          confirmedAt: confirmationToken ? null : new Date(),
          confirmationDigest: confirmationToken ? digestOf(confirmationToken) : null,
          approved: this.config.registrationsMode !== 'approved',
          locale: input.locale || null,
          reason: input.reason?.trim() || null,
          createdByApplicationId: input.applicationId,
        });
        const issued = await this.tokens.issue(
          { applicationId: input.applicationId, userId, scopes: input.scopes },
          tx,
        );
        return { token: issued, accountId };
      });
    } catch (error) {
      // Two sign-ups racing for one name or address: the unique index decides, as Rails would.
      const field = LocalUsers.raceLostOn(error);
      if (!field) throw error;
      const taken = new RegistrationErrors();
      taken.add(field, field === 'email' ? 'Email' : 'Username', 'ERR_TAKEN', 'has already been taken');
      taken.throwIfAny();
      throw error;
    }
    const { token, accountId } = created;

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
    const taken = await this.users.taken(
      errors.has('username') ? null : username,
      errors.has('email') ? null : email,
    );
    for (const field of taken) {
      errors.add(field, field === 'email' ? 'Email' : 'Username', 'ERR_TAKEN', 'has already been taken');
    }
  }
}
