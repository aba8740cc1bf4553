import { Body, Controller, Get, Header, Inject, Patch } from '@nestjs/common';
import { contracts, type CredentialRecord, type UserState, visibility } from '@mammut/contracts';
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
import { JSON_CONTENT_TYPE, type JsonText, renderedJson } from '../../../http/rendered-json';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';
import type { ReceivedFile } from '../../../http/uploads/upload-spec';
import { UploadedFiles, Uploads } from '../../../http/uploads/uploads';

/** Mastodon's avatar and header limit (8 MB with libvips, since 4.4). */
export const PROFILE_IMAGE_LIMIT = 8 * 1024 * 1024;

@Controller()
export class CredentialsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  /** Every client asks this on start and many on every refresh: rendered once per change. */
  private readonly credentialJson = renderedJson((credentials: CredentialRecord) =>
    serializeCredentialAccount(credentials, this.ctx),
  );

  @Get('api/v1/accounts/verify_credentials')
  @Auth.user('read:accounts', 'profile')
  @Header('content-type', JSON_CONTENT_TYPE)
  async verify(@CurrentUser() user: UserState): Promise<JsonText<MCredentialAccount>> {
    const credentials = await this.bus.request(contracts.accounts.profiles.getCredentials, {
      accountId: user.accountId,
    });
    return this.credentialJson(credentials);
  }

  // Clients send this as multipart/form-data (masto does), with or without the two images.
  @Patch('api/v1/accounts/update_credentials')
  @Auth.user('write:accounts')
  @Uploads({
    files: { avatar: { maxBytes: PROFILE_IMAGE_LIMIT }, header: { maxBytes: PROFILE_IMAGE_LIMIT } },
  })
  async update(
    @CurrentUser() user: UserState,
    @Body() body: Record<string, unknown> | undefined,
    @UploadedFiles() files: Readonly<Record<string, ReceivedFile>>,
  ): Promise<MCredentialAccount> {
    const images = Object.keys(files);
    if (images.length) {
      // Nothing can store or process images until the media service exists: refuse rather than
      // answer 200 and drop them, and change nothing else either.
      throw Errors.unprocessable(
        'Validation failed: Profile images cannot be stored on this server yet',
        Object.fromEntries(
          images.map((field) => [field, [{ error: 'ERR_UNSUPPORTED', description: 'cannot be stored yet' }]]),
        ),
      );
    }
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
