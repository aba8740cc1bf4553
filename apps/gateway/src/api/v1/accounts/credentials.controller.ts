import { Body, Controller, Get, Inject, Patch } from '@nestjs/common';
import { contracts, type UserState, visibility } from '@mammut/contracts';
import {
  type MCredentialAccount,
  type MPreferences,
  type SerializeContext,
  serializeCredentialAccount,
  serializePreferences,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../../auth/auth.decorator';
import { Errors } from '../../../http/errors';
import { toBool, toObjectList, toStr } from '../../../http/params';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';

@Controller()
export class CredentialsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  @Get('api/v1/accounts/verify_credentials')
  @Auth.user('read:accounts', 'profile')
  async verify(@CurrentUser() user: UserState): Promise<MCredentialAccount> {
    const credentials = await this.bus.request(contracts.accounts.profiles.getCredentials, {
      accountId: user.accountId,
    });
    return serializeCredentialAccount(credentials, this.ctx);
  }

  @Patch('api/v1/accounts/update_credentials')
  @Auth.user('write:accounts')
  async update(
    @CurrentUser() user: UserState,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<MCredentialAccount> {
    const b = body ?? {};
    const source = (typeof b.source === 'object' && b.source !== null ? b.source : {}) as Record<
      string,
      unknown
    >;
    const privacy = toStr(source.privacy);
    if (privacy !== undefined && !visibility.safeParse(privacy).success) {
      throw Errors.unprocessable('Validation failed: Default privacy is not included in the list', {
        'source.privacy': [{ error: 'ERR_INCLUSION', description: 'is not included in the list' }],
      });
    }
    const fieldsGiven = b.fields_attributes !== undefined;
    const credentials = await this.bus.request(contracts.accounts.profiles.updateCredentials, {
      accountId: user.accountId,
      displayName: toStr(b.display_name),
      note: toStr(b.note),
      locked: toBool(b.locked),
      bot: toBool(b.bot),
      discoverable: toBool(b.discoverable),
      indexable: toBool(b.indexable),
      hideCollections: toBool(b.hide_collections),
      fields: fieldsGiven
        ? toObjectList(b.fields_attributes).map((f) => ({
            name: toStr(f.name) ?? '',
            value: toStr(f.value) ?? '',
          }))
        : undefined,
      privacy: privacy as (typeof visibility.options)[number] | undefined,
      sensitive: toBool(source.sensitive),
      language: source.language === undefined ? undefined : (toStr(source.language) ?? null),
    });
    return serializeCredentialAccount(credentials, this.ctx);
  }

  @Get('api/v1/preferences')
  @Auth.user('read:accounts')
  async preferences(@CurrentUser() user: UserState): Promise<MPreferences> {
    const credentials = await this.bus.request(contracts.accounts.profiles.getCredentials, {
      accountId: user.accountId,
    });
    return serializePreferences(credentials);
  }
}
