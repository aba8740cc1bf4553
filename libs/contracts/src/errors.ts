import { z } from 'zod';

export const errorCodes = [
  'not_found',
  'forbidden',
  'unauthorized',
  'unprocessable',
  'invalid_request',
  'gone',
  'rate_limited',
  'conflict',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

/** Field-level validation problems, shaped as Mastodon's registration `details`. */
export const errorDetails = z.record(
  z.string(),
  z.array(z.object({ error: z.string(), description: z.string() })),
);
export type ErrorDetails = z.infer<typeof errorDetails>;

export const wireError = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  details: errorDetails.optional(),
});
export type WireError = z.infer<typeof wireError>;

/** An expected failure of a use case; the gateway maps `code` to an HTTP status in one switch. */
export class ContractError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = 'ContractError';
  }

  toWire(): WireError {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }

  static fromWire(wire: WireError): ContractError {
    return new ContractError(wire.code, wire.message, wire.details);
  }
}

export const notFound = (message = 'Record not found'): ContractError =>
  new ContractError('not_found', message);
