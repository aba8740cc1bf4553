import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  contracts,
  grantableScopes,
  type RequestOf,
  type TokenOutcome,
} from '@mammut/contracts';
import { CLOCK, type Clock } from '@mammut/platform';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { digestOf, newSecret } from '../tokens/token-digest';
import { AccessTokens } from './access-tokens';
import { Applications } from './applications.service';
import { invalidClient, invalidGrant, invalidRequest } from './oauth-errors';
import { SignInStates } from './sign-in-states';

/** Doorkeeper's `authorization_code_expires_in` default, which Mastodon keeps. */
export const CODE_TTL_MS = 10 * 60 * 1000;

type CreateCode = RequestOf<typeof contracts.accounts.oauth.createAuthorizationCode>;
type Exchange = RequestOf<typeof contracts.accounts.oauth.exchangeAuthorizationCode>;
type PriorAuthorization = RequestOf<typeof contracts.accounts.oauth.findPriorAuthorization>;

interface GrantRow {
  id: string;
  application_id: string;
  user_id: string;
  redirect_uri: string;
  scopes: string[];
  code_challenge: string | null;
  expires_at: Date;
}

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))), verifier 43–128 unreserved characters. */
const pkceMatches = (verifier: string, challenge: string): boolean =>
  /^[A-Za-z0-9._~-]{43,128}$/.test(verifier) &&
  sameText(createHash('sha256').update(verifier).digest('base64url'), challenge);

/**
 * The authorization-code grant. A code is bound to client, user, redirect URI, scopes and PKCE
 * challenge, lives ten minutes and is spent by the one exchange that succeeds; as in Doorkeeper,
 * a failed exchange leaves it untouched and a spent code is just `invalid_grant`.
 */
@Injectable()
export class AuthorizationCodes {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly applications: Applications,
    private readonly tokens: AccessTokens,
    private readonly signInStates: SignInStates,
  ) {}

  async create(input: CreateCode): Promise<{ code: string }> {
    // The gateway checked all of this already; the owner of the data checks it again.
    const [app] = await this.applications.find([], [input.clientId]);
    if (!app) throw new ContractError('not_found', 'Unknown client');
    if (!app.redirectUris.includes(input.redirectUri)) {
      throw new ContractError('unprocessable', 'Redirect URI is not registered for this client');
    }
    if (grantableScopes(input.scopes.join(' '), app.scopes) === null) {
      throw new ContractError('unprocessable', 'Scopes are not registered for this client');
    }
    if ((input.codeChallenge === null) !== (input.codeChallengeMethod === null)) {
      throw new ContractError('invalid_request', 'code_challenge and its method go together');
    }
    // A web session may outlive its user's right to sign in (disabled or suspended since).
    if (!(await this.signInStates.maySignIn(input.userId))) {
      throw new ContractError('forbidden', 'Your login is currently disabled');
    }
    const code = newSecret();
    await this.db.query(
      `INSERT INTO accounts.oauth_access_grants
         (code_digest, application_id, user_id, redirect_uri, scopes, code_challenge, code_challenge_method, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        digestOf(code),
        app.id,
        input.userId,
        input.redirectUri,
        input.scopes,
        input.codeChallenge,
        input.codeChallengeMethod,
        new Date(this.clock.now().getTime() + CODE_TTL_MS),
      ],
    );
    return { code };
  }

  /** A live token of this client for this user whose scopes are exactly the ones asked for. */
  async priorAuthorization(input: PriorAuthorization): Promise<{ authorized: boolean }> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM accounts.oauth_access_tokens t
         JOIN accounts.oauth_applications a ON a.id = t.application_id
        WHERE a.client_id = $1 AND t.user_id = $2 AND t.revoked_at IS NULL
          AND t.scopes @> $3::text[] AND t.scopes <@ $3::text[]
        LIMIT 1`,
      [input.clientId, input.userId, input.scopes],
    );
    return { authorized: rows.length > 0 };
  }

  async exchange(input: Exchange): Promise<TokenOutcome> {
    const app = await this.applications.authenticate(input.clientId, input.clientSecret);
    if (!app) return invalidClient();
    if (!input.code) return invalidRequest('Missing required parameter: code.');
    const rows: GrantRow[] = await this.db.query(
      `SELECT id, application_id, user_id, redirect_uri, scopes, code_challenge, expires_at
         FROM accounts.oauth_access_grants WHERE code_digest = $1 AND revoked_at IS NULL`,
      [digestOf(input.code)],
    );
    const grant = rows[0];
    if (!grant || grant.application_id !== app.id) return invalidGrant();
    if (grant.expires_at.getTime() <= this.clock.now().getTime()) return invalidGrant();
    if (input.redirectUri !== grant.redirect_uri) return invalidGrant();
    if (grant.code_challenge) {
      if (!input.codeVerifier || !pkceMatches(input.codeVerifier, grant.code_challenge))
        return invalidGrant();
    } else if (input.codeVerifier) {
      // A verifier for a code that was issued without a challenge: Doorkeeper refuses it too.
      return invalidGrant();
    }
    return this.db.transaction(async (tx) => {
      // Spending the code and issuing the token commit together; a concurrent exchange loses here.
      const [, spent]: [unknown[], number] = await tx.query(
        `UPDATE accounts.oauth_access_grants SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
        [grant.id],
      );
      if (spent === 0) return invalidGrant();
      // Disabled or suspended since the code was issued: it buys nothing (the code stays spent).
      if (!(await this.signInStates.maySignIn(grant.user_id, tx))) return invalidGrant();
      const token = await this.tokens.issue(
        { applicationId: app.id, userId: grant.user_id, scopes: grant.scopes },
        tx,
      );
      return { token };
    });
  }
}
