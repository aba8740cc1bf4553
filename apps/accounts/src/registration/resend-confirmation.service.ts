import { Inject, Injectable } from '@nestjs/common';
import { ContractError, type contracts, type RequestOf } from '@mammut/contracts';
import { logger } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { digestOf, newSecret } from '../tokens/token-digest';
import { ConfirmationMailer } from './confirmation-mailer';
import { LocalUsers } from './local-users';
import { checkEmail, RegistrationErrors } from './registration-rules';

type Resend = RequestOf<typeof contracts.accounts.registration.resendConfirmation>;

interface UserRow {
  email: string;
  username: string;
  confirmed: boolean;
  created_by_application_id: string | null;
}

const log = (): ReturnType<typeof logger> => logger('accounts:registration');

const awaitingOnly = (): ContractError =>
  new ContractError('forbidden', 'This method is only available while the e-mail is awaiting confirmation');

/**
 * `POST /api/v1/emails/confirmations`: a fresh confirmation link (the old one stops working),
 * optionally to a corrected address. Only the app that signed the user up may ask, and only
 * while the address awaits confirmation.
 */
@Injectable()
export class ResendConfirmation {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly users: LocalUsers,
    private readonly mailer: ConfirmationMailer,
  ) {}

  async execute(input: Resend): Promise<Record<string, never>> {
    const [user]: UserRow[] = await this.db.query(
      `SELECT u.email, a.username, u.confirmed_at IS NOT NULL AS confirmed, u.created_by_application_id::text
         FROM accounts.users u JOIN accounts.accounts a ON a.id = u.account_id WHERE u.id = $1`,
      [input.userId],
    );
    if (!user || user.created_by_application_id !== input.applicationId) {
      throw new ContractError(
        'forbidden',
        'This method is only available to the application the user originally signed-up with',
      );
    }
    if (user.confirmed) {
      throw new ContractError(
        'forbidden',
        'This method is only available while the e-mail is awaiting confirmation',
      );
    }
    const email = input.email === undefined ? user.email : input.email.trim();
    const errors = new RegistrationErrors();
    checkEmail(email, errors);
    if (!errors.has('email') && (await this.users.taken(null, email, input.userId)).includes('email')) {
      errors.add('email', 'Email', 'ERR_TAKEN', 'has already been taken');
    }
    errors.throwIfAny();
    const token = newSecret();
    let result: [unknown[], number];
    try {
      result = await this.db.query(
        `UPDATE accounts.users SET email = $2, confirmation_token = $3, confirmation_sent_at = now(), updated_at = now()
          WHERE id = $1 AND confirmed_at IS NULL`,
        [input.userId, email, digestOf(token)],
      );
    } catch (error) {
      if (LocalUsers.raceLostOn(error) !== 'email') throw error;
      const taken = new RegistrationErrors();
      taken.add('email', 'Email', 'ERR_TAKEN', 'has already been taken');
      taken.throwIfAny();
      throw error;
    }
    // Confirmed in the meantime: no link to mail.
    if (result[1] === 0) throw awaitingOnly();
    await this.mailer.send(email, user.username, token).catch((err: unknown) => {
      log().error({ err, userId: input.userId }, 'confirmation mail failed');
    });
    return {};
  }
}
