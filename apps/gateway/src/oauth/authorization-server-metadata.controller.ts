import { Controller, Get, Inject } from '@nestjs/common';
import { knownScopes } from '@mammut/contracts';
import { CONFIG, type Config } from '@mammut/platform';
import { Auth } from '../auth/auth.decorator';

export interface AuthorizationServerMetadata {
  issuer: string;
  service_documentation: string;
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint: string;
  userinfo_endpoint: string;
  app_registration_endpoint: string;
  scopes_supported: string[];
  response_types_supported: string[];
  response_modes_supported: string[];
  code_challenge_methods_supported: string[];
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
}

/** RFC 8414 metadata as Mastodon 4.3+ publishes it; Phanpy turns PKCE on when it sees S256 here. */
@Controller()
export class AuthorizationServerMetadataController {
  constructor(@Inject(CONFIG) private readonly config: Config) {}

  @Get('.well-known/oauth-authorization-server')
  @Auth.none()
  metadata(): AuthorizationServerMetadata {
    const origin = this.config.publicOrigin;
    return {
      issuer: `${origin}/`,
      service_documentation: 'https://docs.joinmastodon.org/',
      authorization_endpoint: `${origin}/oauth/authorize`,
      token_endpoint: `${origin}/oauth/token`,
      revocation_endpoint: `${origin}/oauth/revoke`,
      userinfo_endpoint: `${origin}/oauth/userinfo`,
      app_registration_endpoint: `${origin}/api/v1/apps`,
      scopes_supported: [...knownScopes],
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    };
  }
}
