import { ContractError, type ErrorDetails } from '@mammut/contracts';

export const REGISTRATION_LIMITS = {
  username: 30,
  email: 320,
  passwordMin: 8,
  // bcrypt's limit in Devise, which Mastodon keeps even though we hash with argon2.
  passwordMax: 72,
  reason: 1000,
} as const;

/**
 * Mastodon's default `reserved_usernames` (config/settings.yml), plus the mailbox names RFC 2142
 * reserves, so nobody can register an address-looking `postmaster@` on the instance.
 */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  'abuse',
  'account',
  'accounts',
  'admin',
  'administration',
  'administrator',
  'admins',
  'help',
  'helpdesk',
  'instance',
  'mod',
  'moderator',
  'moderators',
  'mods',
  'owner',
  'root',
  'security',
  'server',
  'staff',
  'support',
  'webmaster',
  'postmaster',
  'hostmaster',
  'noreply',
  'no_reply',
]);

const LOCALE = /^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * Collects registration problems as Rails reports them: `details` carries the bare message
 * ("has already been taken"), `error` the full sentences ("Username has already been taken").
 */
export class RegistrationErrors {
  private readonly sentences: string[] = [];
  readonly details: ErrorDetails = {};

  add(field: string, label: string, code: string, message: string): void {
    this.sentences.push(`${label} ${message}`);
    (this.details[field] ??= []).push({ error: code, description: message });
  }

  has(field: string): boolean {
    return field in this.details;
  }

  throwIfAny(): void {
    if (this.sentences.length) {
      throw new ContractError(
        'unprocessable',
        `Validation failed: ${this.sentences.join(', ')}`,
        this.details,
      );
    }
  }
}

export interface RegistrationFields {
  readonly username: string;
  readonly email: string;
  readonly password: string;
  readonly agreement: boolean;
  readonly locale: string | null;
  readonly reason: string | null;
}

/** An e-mail address as sign-up takes it (uniqueness is the caller's). */
export function checkEmail(email: string, errors: RegistrationErrors): void {
  if (!email) errors.add('email', 'Email', 'ERR_BLANK', "can't be blank");
  else if (email.length > REGISTRATION_LIMITS.email || !EMAIL.test(email)) {
    errors.add('email', 'Email', 'ERR_INVALID', 'is invalid');
  }
}

/** The checks that need no database; uniqueness is checked by the caller. */
export function checkRegistrationFields(
  fields: RegistrationFields,
  reasonRequired: boolean,
  errors: RegistrationErrors,
): void {
  const { username, email, password } = fields;
  if (!username) errors.add('username', 'Username', 'ERR_BLANK', "can't be blank");
  else if (!/^[a-z0-9_]+$/i.test(username)) {
    errors.add('username', 'Username', 'ERR_INVALID', 'must contain only letters, numbers and underscores');
  } else if (username.length > REGISTRATION_LIMITS.username) {
    errors.add(
      'username',
      'Username',
      'ERR_TOO_LONG',
      `is too long (maximum is ${REGISTRATION_LIMITS.username} characters)`,
    );
  } else if (RESERVED_USERNAMES.has(username.toLowerCase())) {
    errors.add('username', 'Username', 'ERR_RESERVED', 'is reserved');
  }
  checkEmail(email, errors);
  if (!password) errors.add('password', 'Password', 'ERR_BLANK', "can't be blank");
  else if ([...password].length < REGISTRATION_LIMITS.passwordMin) {
    errors.add(
      'password',
      'Password',
      'ERR_TOO_SHORT',
      `is too short (minimum is ${REGISTRATION_LIMITS.passwordMin} characters)`,
    );
  } else if ([...password].length > REGISTRATION_LIMITS.passwordMax) {
    errors.add(
      'password',
      'Password',
      'ERR_TOO_LONG',
      `is too long (maximum is ${REGISTRATION_LIMITS.passwordMax} characters)`,
    );
  } else if (password.includes('\u0000')) {
    errors.add('password', 'Password', 'ERR_INVALID', 'is invalid');
  }
  if (!fields.agreement) errors.add('agreement', 'Agreement', 'ERR_ACCEPTED', 'must be accepted');
  if (fields.locale && !LOCALE.test(fields.locale)) {
    errors.add('locale', 'Locale', 'ERR_INCLUSION', 'is not included in the list');
  }
  const reason = fields.reason?.trim() ?? '';
  if (reasonRequired && !reason) errors.add('reason', 'Reason', 'ERR_BLANK', "can't be blank");
  if (reason.length > REGISTRATION_LIMITS.reason || reason.includes('\u0000')) {
    errors.add(
      'reason',
      'Reason',
      'ERR_TOO_LONG',
      `is too long (maximum is ${REGISTRATION_LIMITS.reason} characters)`,
    );
  }
}
