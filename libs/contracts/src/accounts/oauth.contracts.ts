import { z } from 'zod';
import { defineRequest } from '../define';
import { applicationRecord, id, isoDate, userState } from './records';
import { droppedScopes, knownScopes, parseScopes } from './scopes';

/**
 * RFC 6749 error codes. They are expected outcomes of the protocol that the gateway must answer
 * with their own names and statuses, so they travel in the response rather than as a ContractError.
 */
export const oauthErrorCode = z.enum([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
]);
export type OAuthErrorCode = z.infer<typeof oauthErrorCode>;

/** An issued access token; the secret itself is returned once and only its digest is stored. */
export const issuedToken = z.object({
  accessToken: z.string(),
  scopes: z.array(z.string()),
  createdAt: isoDate,
});
export type IssuedToken = z.infer<typeof issuedToken>;

const tokenOutcome = z.union([
  z.object({ token: issuedToken }),
  z.object({ error: oauthErrorCode, description: z.string().optional() }),
]);
export type TokenOutcome = z.infer<typeof tokenOutcome>;

/** How a client proved who it is (body parameters or HTTP Basic, already decoded by the gateway). */
const clientCredentials = {
  clientId: z.string().max(256),
  clientSecret: z.string().max(256),
};

/** Why a user who gave the right password may still not sign in (`invalid`: the wrong one). */
export const signInRefusal = z.enum(['invalid', 'disabled', 'unconfirmed', 'pending']);
export type SignInRefusal = z.infer<typeof signInRefusal>;

const pkceChallenge = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url SHA-256 digest');

export const accountsOAuth = {
  createApplication: defineRequest('accounts.application.create', {
    request: z.object({
      name: z.string(),
      website: z.string().nullable(),
      redirectUris: z.array(z.string()).max(32),
      /** Space-separated as the client sent it; validated against the known scopes by the handler. */
      scopes: z.string().nullable(),
    }),
    response: z.object({ application: applicationRecord, clientSecret: z.string() }),
  }),
  getApplications: defineRequest('accounts.application.get', {
    request: z.object({
      ids: z.array(id).max(100).default([]),
      clientIds: z.array(z.string().max(256)).max(100).default([]),
    }),
    response: z.object({ applications: z.array(applicationRecord) }),
  }),
  createAuthorizationCode: defineRequest('accounts.authorization_code.create', {
    request: z.object({
      userId: id,
      clientId: z.string().max(256),
      redirectUri: z.string().max(2000),
      scopes: z.array(z.string()).min(1).max(64),
      codeChallenge: pkceChallenge.nullable(),
      codeChallengeMethod: z.literal('S256').nullable(),
    }),
    response: z.object({ code: z.string() }),
  }),
  /**
   * Whether the user already holds a live token of this client with exactly these scopes: then,
   * as Doorkeeper does, the consent page is skipped and a code issued at once.
   */
  findPriorAuthorization: defineRequest('accounts.prior_authorization.find', {
    request: z.object({
      userId: id,
      clientId: z.string().max(256),
      scopes: z.array(z.string()).min(1).max(64),
    }),
    response: z.object({ authorized: z.boolean() }),
  }),
  exchangeAuthorizationCode: defineRequest('accounts.authorization_code.exchange', {
    request: z.object({
      ...clientCredentials,
      code: z.string().max(512),
      redirectUri: z.string().max(2000).nullable(),
      codeVerifier: z.string().max(256).nullable(),
    }),
    response: tokenOutcome,
  }),
  createClientToken: defineRequest('accounts.client_token.create', {
    request: z.object({ ...clientCredentials, scope: z.string().max(2000).nullable() }),
    response: tokenOutcome,
  }),
  revokeToken: defineRequest('accounts.token.revoke', {
    request: z.object({ ...clientCredentials, token: z.string().max(512) }),
    response: z.union([
      z.object({ revoked: z.boolean() }),
      z.object({ error: oauthErrorCode, description: z.string().optional() }),
    ]),
  }),
  checkSignIn: defineRequest('accounts.sign_in.check', {
    request: z.object({ email: z.string().max(320), password: z.string().max(1024) }),
    /** `refused` names why a known user may not sign in; the gateway words it as Mastodon does. */
    response: z.union([z.object({ user: userState }), z.object({ refused: signInRefusal })]),
  }),
  /**
   * Whether each user could still sign in now (`refused: null`) or why not; users that no longer
   * exist are `missing`. A web session lives only as long as its user could sign in: disabled,
   * suspended or deleted since, by whatever means, and the session is ended at its next use.
   */
  getSignInStates: defineRequest('accounts.sign_in_state.get', {
    request: z.object({ userIds: z.array(id).min(1).max(100) }),
    response: z.object({
      states: z.array(z.object({ userId: id, refused: signInRefusal.nullable() })),
      missing: z.array(id),
    }),
  }),
};

export const accountsRegistration = {
  createRegistration: defineRequest('accounts.registration.create', {
    request: z.object({
      /** The app whose client-credentials token asked; the new user's token belongs to it too. */
      applicationId: id,
      scopes: z.array(z.string()).min(1).max(64),
      username: z.string(),
      email: z.string(),
      password: z.string(),
      agreement: z.boolean(),
      locale: z.string().nullable(),
      reason: z.string().nullable(),
    }),
    response: z.object({ token: issuedToken, accountId: id }),
  }),
  confirmEmail: defineRequest('accounts.email.confirm', {
    request: z.object({ confirmationToken: z.string().max(512) }),
    response: z.object({ confirmed: z.boolean() }),
  }),
  /**
   * A new confirmation mail for an unconfirmed user, optionally to a new address; only through a
   * token of the app the user signed up with (`forbidden` otherwise, and once confirmed).
   */
  resendConfirmation: defineRequest('accounts.confirmation.resend', {
    request: z.object({ userId: id, applicationId: id, email: z.string().optional() }),
    response: z.object({}),
  }),
};

/**
 * The scopes a request may be granted: space- or `+`-separated, `read` when none, every one known
 * and literally registered on the app (Doorkeeper compares strings: `read` does not cover
 * `read:statuses`). Dropped scopes (`crypto`) are ignored. Null when the request is invalid.
 */
export function grantableScopes(
  requested: string | null | undefined,
  registered: readonly string[],
): string[] | null {
  const asked = parseScopes(requested).filter((scope) => !droppedScopes.includes(scope));
  const scopes = asked.length ? asked : ['read'];
  return scopes.every((scope) => knownScopes.includes(scope) && registered.includes(scope)) ? scopes : null;
}
