import { ContractError, type ErrorDetails } from '@mammut/contracts';

/** Collects field errors and throws Mastodon's 422 `Validation failed: …` with `details`. */
export class Validation {
  private readonly messages: string[] = [];
  private readonly details: ErrorDetails = {};

  add(field: string, error: string, description: string): void {
    this.messages.push(description);
    (this.details[field] ??= []).push({ error, description });
  }

  maxLength(field: string, label: string, value: string | undefined, max: number): void {
    if (value !== undefined && [...value].length > max) {
      this.add(field, 'ERR_TOO_LONG', `${label} is too long (maximum is ${max} characters)`);
    }
  }

  /** PostgreSQL refuses NUL in text; say so as a validation error rather than fail later. */
  noNul(field: string, label: string, value: string | undefined | null): void {
    if (value?.includes('\u0000')) this.add(field, 'ERR_INVALID', `${label} contains invalid characters`);
  }

  get ok(): boolean {
    return this.messages.length === 0;
  }

  throwIfInvalid(): void {
    if (!this.ok)
      throw new ContractError(
        'unprocessable',
        `Validation failed: ${this.messages.join(', ')}`,
        this.details,
      );
  }
}
