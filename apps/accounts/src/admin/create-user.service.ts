import { Inject, Injectable } from '@nestjs/common';
import { type AdminUser, ContractError, type ErrorDetails, type Role } from '@mammut/contracts';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { PasswordHasher } from '../passwords/password-hasher';
import { LocalUsers } from '../registration/local-users';
import { checkRegistrationFields, RegistrationErrors } from '../registration/registration-rules';
import { AdminUsersQueries } from './admin-users.queries';

export interface CreateUserInput {
  readonly username: string;
  readonly email: string;
  readonly role: Role;
  readonly confirmed: boolean;
}

export interface CreatedUser {
  readonly user: AdminUser;
  /** Generated, shown once to the operator; only its hash is stored. */
  readonly password: string;
}

const LABELS: Record<string, string> = { username: 'Username', email: 'Email' };

/**
 * `tootctl accounts create`: a local account and its user with a generated password, approved
 * (an operator vouches for it), confirmed when asked. Usernames and e-mail addresses follow the
 * same rules as sign-up, except that the reserved names are allowed: they exist so that strangers
 * cannot pose as staff, and the operator is staff (the first admin is often `admin`).
 */
@Injectable()
export class CreateUser {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly localUsers: LocalUsers,
    private readonly users: AdminUsersQueries,
  ) {}

  async execute(input: CreateUserInput): Promise<CreatedUser> {
    const username = input.username.trim();
    const email = input.email.trim();
    const password = randomBytes(16).toString('hex');
    await this.validate(username, email, password);

    const encryptedPassword = await this.hasher.hash(password);
    try {
      await this.db.transaction((tx) =>
        this.localUsers.insert(tx, {
          username,
          email,
          encryptedPassword,
          role: input.role,
          confirmedAt: input.confirmed ? new Date() : null,
          approved: true,
        }),
      );
    } catch (error) {
      // Lost a race with a sign-up for the same name or address: the unique index decides.
      const field = LocalUsers.raceLostOn(error);
      if (!field) throw error;
      throw invalid({ [field]: [{ error: 'ERR_TAKEN', description: 'has already been taken' }] });
    }
    return { user: await this.users.byUsername(username), password };
  }

  private async validate(username: string, email: string, password: string): Promise<void> {
    const errors = new RegistrationErrors();
    checkRegistrationFields(
      { username, email, password, agreement: true, locale: null, reason: null },
      false,
      errors,
    );
    const details: ErrorDetails = {};
    for (const [field, problems] of Object.entries(errors.details)) {
      const kept = problems.filter((problem) => problem.error !== 'ERR_RESERVED');
      if (kept.length) details[field] = kept;
    }
    const taken = await this.localUsers.taken(
      details.username ? null : username,
      details.email ? null : email,
    );
    for (const field of taken)
      details[field] = [{ error: 'ERR_TAKEN', description: 'has already been taken' }];
    if (Object.keys(details).length) throw invalid(details);
  }
}

/** Rails' sentence form, as registration words it: "Validation failed: Username has already been taken". */
function invalid(details: ErrorDetails): ContractError {
  const sentences = Object.entries(details).flatMap(([field, problems]) =>
    problems.map((problem) => `${LABELS[field] ?? field} ${problem.description}`),
  );
  return new ContractError('unprocessable', `Validation failed: ${sentences.join(', ')}`, details);
}
