import { type ApplicationRecord, grantableScopes, type OAuthErrorCode } from '@mammut/contracts';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../http/errors';
import { toStr } from '../http/params';

export const OOB_REDIRECT_URI = 'urn:ietf:wg:oauth:2.0:oob';

/** Doorkeeper's English descriptions (config/locales/doorkeeper.en.yml), which clients show as is. */
const DESCRIPTIONS: Record<OAuthErrorCode | 'access_denied' | 'unsupported_response_type', string> = {
  invalid_request:
    'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  unauthorized_client: 'You are not authorized to revoke this token',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  access_denied: 'The resource owner or authorization server denied the request.',
  unsupported_response_type: 'The authorization server does not support this response type.',
};

export function describeOAuthError(code: keyof typeof DESCRIPTIONS): string {
  return DESCRIPTIONS[code];
}

/** An RFC 6749 error body `{error, error_description}` with its status (401 for client auth). */
export function oauthError(code: OAuthErrorCode, description?: string, status?: number): HttpError {
  const defaultStatus = code === 'invalid_client' ? 401 : 400;
  return new HttpError(status ?? defaultStatus, code, undefined, {
    error_description: description ?? DESCRIPTIONS[code],
  });
}

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** `client_secret_basic` (RFC 6749 §2.3.1: each part form-urlencoded) first, else `client_secret_post`. */
export function clientCredentialsOf(
  request: FastifyRequest,
  body: Record<string, unknown>,
): ClientCredentials | null {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    try {
      const unescape = (part: string): string => decodeURIComponent(part.replace(/\+/g, ' '));
      return {
        clientId: unescape(decoded.slice(0, colon)),
        clientSecret: unescape(decoded.slice(colon + 1)),
      };
    } catch {
      return null;
    }
  }
  const clientId = toStr(body.client_id);
  const clientSecret = toStr(body.client_secret);
  return clientId && clientSecret ? { clientId, clientSecret } : null;
}

/** The parameters of an authorization request, from the query (GET) or the consent form (POST). */
export interface AuthorizeParams {
  readonly clientId: string | undefined;
  readonly redirectUri: string | undefined;
  readonly responseType: string | undefined;
  readonly scope: string | undefined;
  readonly state: string | undefined;
  readonly codeChallenge: string | undefined;
  readonly codeChallengeMethod: string | undefined;
}

export function authorizeParamsOf(source: Record<string, unknown>): AuthorizeParams {
  const str = (key: string): string | undefined => {
    const value = toStr(source[key]);
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    clientId: str('client_id'),
    redirectUri: str('redirect_uri'),
    responseType: str('response_type'),
    scope: str('scope'),
    state: str('state'),
    codeChallenge: str('code_challenge'),
    codeChallengeMethod: str('code_challenge_method'),
  };
}

export interface ValidAuthorization {
  readonly app: ApplicationRecord;
  readonly redirectUri: string;
  readonly scopes: string[];
  readonly state: string | undefined;
  readonly codeChallenge: string | null;
  readonly codeChallengeMethod: 'S256' | null;
}

export type AuthorizeCheck =
  /** The client or redirect URI cannot be trusted: show an error page, never redirect. */
  | { readonly kind: 'page'; readonly message: string }
  /** A valid client and redirect URI, but a bad request: tell the client through the redirect. */
  | { readonly kind: 'redirect'; readonly redirectUri: string; readonly query: Record<string, string> }
  | { readonly kind: 'ok'; readonly authorization: ValidAuthorization };

/** Doorkeeper's pre-authorization checks, in its order: client, redirect URI, response type, scopes, PKCE. */
export function checkAuthorization(
  params: AuthorizeParams,
  app: ApplicationRecord | undefined,
): AuthorizeCheck {
  if (!app) {
    return {
      kind: 'page',
      message:
        'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
    };
  }
  // Without redirect_uri Doorkeeper uses the app's only URI; with several it cannot guess.
  const redirectUri = params.redirectUri ?? (app.redirectUris.length === 1 ? app.redirectUris[0] : undefined);
  if (!redirectUri || !app.redirectUris.includes(redirectUri)) {
    return { kind: 'page', message: 'The redirect uri included is not valid.' };
  }
  const fail = (
    error: 'unsupported_response_type' | 'invalid_scope' | 'invalid_request',
    description?: string,
  ): AuthorizeCheck => ({
    kind: 'redirect',
    redirectUri,
    query: {
      error,
      error_description: description ?? describeOAuthError(error),
      ...(params.state !== undefined ? { state: params.state } : {}),
    },
  });
  if (params.responseType !== 'code') return fail('unsupported_response_type');
  const scopes = grantableScopes(params.scope, app.scopes);
  if (!scopes) return fail('invalid_scope');
  let codeChallenge: string | null = null;
  if (params.codeChallenge !== undefined) {
    // Only S256: `plain` would hand the verifier to anyone who sees the authorization URL.
    if (params.codeChallengeMethod !== 'S256')
      return fail('invalid_request', 'Code challenge method must be S256.');
    if (!/^[A-Za-z0-9_-]{43}$/.test(params.codeChallenge))
      return fail('invalid_request', 'Invalid code challenge.');
    codeChallenge = params.codeChallenge;
  }
  return {
    kind: 'ok',
    authorization: {
      app,
      redirectUri,
      scopes,
      state: params.state,
      codeChallenge,
      codeChallengeMethod: codeChallenge ? 'S256' : null,
    },
  };
}

/** Appends parameters to a redirect URI that may already have a query or a custom scheme. */
export function withQuery(uri: string, query: Record<string, string>): string {
  const search = new URLSearchParams(query).toString();
  return `${uri}${uri.includes('?') ? '&' : '?'}${search}`;
}
