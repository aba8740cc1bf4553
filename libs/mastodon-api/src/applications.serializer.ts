import type { ApplicationRecord, IssuedToken } from '@mammut/contracts';
import type { MApplication, MCredentialApplication, MToken } from './entities';

/** Application as `GET /api/v1/apps/verify_credentials` shows it: never the secret. */
export function serializeApplication(app: ApplicationRecord, vapidKey: string): MApplication {
  return {
    id: app.id,
    name: app.name,
    website: app.website,
    scopes: app.scopes,
    redirect_uris: app.redirectUris,
    // Deprecated but still read by clients: the registered URIs joined by newlines.
    redirect_uri: app.redirectUris.join('\n'),
    vapid_key: vapidKey,
  };
}

/** CredentialApplication: the one answer that carries the client secret (`POST /api/v1/apps`). */
export function serializeCredentialApplication(
  app: ApplicationRecord,
  clientSecret: string,
  vapidKey: string,
): MCredentialApplication {
  return {
    ...serializeApplication(app, vapidKey),
    client_id: app.clientId,
    client_secret: clientSecret,
    client_secret_expires_at: 0,
  };
}

/** Token: `created_at` is UNIX seconds, and there is no expiry or refresh token. */
export function serializeToken(token: IssuedToken): MToken {
  return {
    access_token: token.accessToken,
    token_type: 'Bearer',
    scope: token.scopes.join(' '),
    created_at: Math.floor(Date.parse(token.createdAt) / 1000),
  };
}
