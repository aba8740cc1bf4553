import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { contracts, type TokenGrant } from '@mammut/contracts';
import {
  type MApplication,
  type MCredentialApplication,
  serializeApplication,
  serializeCredentialApplication,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, Grant } from '../../auth/auth.decorator';
import { Errors } from '../../http/errors';
import { toStr, toStrList } from '../../http/params';
import { VAPID_KEY } from '../../http/vapid-key';

/** Bounds what is read of each field before it crosses the bus; the service validates the rest. */
const MAX_FIELD = 4000;

/** `redirect_uris`: one string with URIs separated by newlines or spaces, or an array of them. */
export function redirectUrisOf(value: unknown): string[] {
  return toStrList(value)
    .flatMap((entry) => entry.split(/\s+/))
    .map((uri) => uri.slice(0, MAX_FIELD))
    .filter(Boolean)
    .slice(0, 64);
}

@Controller()
export class AppsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(VAPID_KEY) private readonly vapidKey: string,
  ) {}

  @Post('api/v1/apps')
  @Auth.none()
  @HttpCode(200)
  async create(@Body() body: Record<string, unknown> | undefined): Promise<MCredentialApplication> {
    const b = body ?? {};
    // Older clients send the singular `redirect_uri`.
    const redirectUris = redirectUrisOf(b.redirect_uris ?? b.redirect_uri);
    if (redirectUris.length > 32) {
      throw Errors.unprocessable('Validation failed: Redirect URI has too many entries', {
        redirect_uri: [{ error: 'ERR_TOO_LONG', description: 'has too many entries' }],
      });
    }
    const scopes = toStrList(b.scopes).join(' ').slice(0, MAX_FIELD);
    const { application, clientSecret } = await this.bus.request(contracts.accounts.oauth.createApplication, {
      name: toStr(b.client_name)?.slice(0, MAX_FIELD) ?? '',
      website: toStr(b.website)?.slice(0, MAX_FIELD) || null,
      redirectUris,
      scopes: scopes || null,
    });
    return serializeCredentialApplication(application, clientSecret, this.vapidKey);
  }

  @Get('api/v1/apps/verify_credentials')
  @Auth.app()
  async verify(@Grant() grant: TokenGrant): Promise<MApplication> {
    const { applications } = await this.bus.request(contracts.accounts.oauth.getApplications, {
      ids: [grant.applicationId],
    });
    if (!applications[0]) throw Errors.invalidToken();
    return serializeApplication(applications[0], this.vapidKey);
  }
}
