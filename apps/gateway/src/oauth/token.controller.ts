import { Body, Controller, Header, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { contracts, type TokenOutcome } from '@mammut/contracts';
import { type MToken, serializeToken } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import type { FastifyRequest } from 'fastify';
import { Auth } from '../auth/auth.decorator';
import { toStr } from '../http/params';
import { clientCredentialsOf, oauthError } from './oauth-protocol';

const tokenOrThrow = (outcome: TokenOutcome): MToken => {
  if ('error' in outcome) throw oauthError(outcome.error, outcome.description);
  return serializeToken(outcome.token);
};

/**
 * `/oauth/token` and `/oauth/revoke`: JSON, form or multipart bodies; the client authenticates
 * with HTTP Basic or `client_id`/`client_secret` in the body. Errors are RFC 6749 bodies.
 */
@Controller()
export class TokenController {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  @Post('oauth/token')
  @Auth.none()
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @Header('pragma', 'no-cache')
  async token(
    @Req() request: FastifyRequest,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<MToken> {
    const b = body ?? {};
    const grantType = toStr(b.grant_type);
    if (!grantType) throw oauthError('invalid_request', 'Missing required parameter: grant_type.');
    if (grantType !== 'authorization_code' && grantType !== 'client_credentials') {
      throw oauthError('unsupported_grant_type');
    }
    const client = clientCredentialsOf(request, b);
    if (!client) throw oauthError('invalid_client');
    const clientId = client.clientId.slice(0, 256);
    const clientSecret = client.clientSecret.slice(0, 256);
    if (grantType === 'client_credentials') {
      const scope = toStr(b.scope)?.slice(0, 2000) ?? null;
      return tokenOrThrow(
        await this.bus.request(contracts.accounts.oauth.createClientToken, { clientId, clientSecret, scope }),
      );
    }
    const code = toStr(b.code);
    if (!code) throw oauthError('invalid_request', 'Missing required parameter: code.');
    // `scope` sent with the code (Elk does) is ignored: the code carries its scopes.
    return tokenOrThrow(
      await this.bus.request(contracts.accounts.oauth.exchangeAuthorizationCode, {
        clientId,
        clientSecret,
        code: code.slice(0, 512),
        redirectUri: toStr(b.redirect_uri)?.slice(0, 2000) ?? null,
        codeVerifier: toStr(b.code_verifier)?.slice(0, 256) ?? null,
      }),
    );
  }

  @Post('oauth/revoke')
  @Auth.none()
  @HttpCode(200)
  async revoke(
    @Req() request: FastifyRequest,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<Record<string, never>> {
    const b = body ?? {};
    const client = clientCredentialsOf(request, b);
    if (!client) throw oauthError('invalid_client');
    const token = toStr(b.token);
    if (!token) throw oauthError('invalid_request', 'Missing required parameter: token.');
    const outcome = await this.bus.request(contracts.accounts.oauth.revokeToken, {
      clientId: client.clientId.slice(0, 256),
      clientSecret: client.clientSecret.slice(0, 256),
      token: token.slice(0, 512),
    });
    if ('error' in outcome) {
      throw oauthError(
        outcome.error,
        outcome.description,
        outcome.error === 'unauthorized_client' ? 403 : undefined,
      );
    }
    return {};
  }
}
