import type { OAuthErrorCode } from '@mammut/contracts';

/** An RFC 6749 error outcome; the gateway adds Doorkeeper's descriptions and the HTTP status. */
export interface OAuthFailure {
  readonly error: OAuthErrorCode;
  readonly description?: string;
}

export const invalidClient = (): OAuthFailure => ({ error: 'invalid_client' });
export const invalidGrant = (): OAuthFailure => ({ error: 'invalid_grant' });
export const invalidScope = (): OAuthFailure => ({ error: 'invalid_scope' });
export const unauthorizedClient = (): OAuthFailure => ({ error: 'unauthorized_client' });
export const invalidRequest = (description?: string): OAuthFailure =>
  description ? { error: 'invalid_request', description } : { error: 'invalid_request' };
