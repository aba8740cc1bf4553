import { Injectable } from '@nestjs/common';
import {
  contracts,
  grantableScopes,
  type RequestOf,
  type ResponseOf,
  type TokenOutcome,
} from '@mammut/contracts';
import { AccessTokens } from './access-tokens';
import { Applications } from './applications.service';
import { invalidClient, invalidRequest, invalidScope, unauthorizedClient } from './oauth-errors';

type ClientTokenRequest = RequestOf<typeof contracts.accounts.oauth.createClientToken>;
type RevokeRequest = RequestOf<typeof contracts.accounts.oauth.revokeToken>;
type RevokeOutcome = ResponseOf<typeof contracts.accounts.oauth.revokeToken>;

/** What a client does with its own credentials: get an app token, revoke a token it issued. */
@Injectable()
export class ClientTokens {
  constructor(
    private readonly applications: Applications,
    private readonly tokens: AccessTokens,
  ) {}

  /** The client-credentials grant: an app token (no user), scopes ⊆ the app's, `read` by default. */
  async issue(input: ClientTokenRequest): Promise<TokenOutcome> {
    const app = await this.applications.authenticate(input.clientId, input.clientSecret);
    if (!app) return invalidClient();
    const scopes = grantableScopes(input.scope, app.scopes);
    if (!scopes) return invalidScope();
    return { token: await this.tokens.issue({ applicationId: app.id, userId: null, scopes }) };
  }

  /**
   * RFC 7009 as Doorkeeper answers it: the client must authenticate; an unknown or already
   * revoked token is a success (nothing to do); another client's token is `unauthorized_client`.
   */
  async revoke(input: RevokeRequest): Promise<RevokeOutcome> {
    const app = await this.applications.authenticate(input.clientId, input.clientSecret);
    if (!app) return invalidClient();
    if (!input.token) return invalidRequest('Missing required parameter: token.');
    const owner = await this.tokens.applicationOf(input.token);
    if (owner === null) return { revoked: false };
    if (owner !== app.id) return unauthorizedClient();
    return { revoked: await this.tokens.revoke(input.token, app.id) };
  }
}
