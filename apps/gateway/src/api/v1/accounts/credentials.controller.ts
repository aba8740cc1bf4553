import { Body, Controller, Delete, Get, Header, Inject, Param, Patch } from '@nestjs/common';
import {
  contracts,
  type ResponseOf,
  type CredentialRecord,
  PROFILE_IMAGE_LIMITS,
  type ProfileImageKind,
  type UserState,
  visibility,
} from '@mammut/contracts';
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
import type { StoredUpload } from '../../../http/uploads/upload-spec';
import { StoredUploads, Uploads } from '../../../http/uploads/uploads';

/** Avatar and header, streamed into storage for the media service, at most 8 MB each (Mastodon's limit). */
const PROFILE_UPLOADS = {
  files: {
    avatar: { maxBytes: PROFILE_IMAGE_LIMITS.bytes, storage: true },
    header: { maxBytes: PROFILE_IMAGE_LIMITS.bytes, storage: true },
  },
};

/** An image the media service stored for this request, and which of the two it is. */
type Stored = ResponseOf<typeof contracts.media.profileImages.store> & { kind: ProfileImageKind };

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
  @Uploads(PROFILE_UPLOADS)
  async update(
    @CurrentUser() user: UserState,
    @Body() body: Record<string, unknown> | undefined,
    @StoredUploads() uploads: Readonly<Record<string, StoredUpload>>,
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
    // The images first (a refused one changes nothing), current only once the account took them.
    const images = await this.storeImages(user.accountId, uploads);
    const image = (kind: ProfileImageKind): Stored | undefined => images.find((one) => one.kind === kind);
    const fieldsGiven = b.fields_attributes !== undefined;
    let credentials: CredentialRecord;
    try {
      credentials = await this.bus.request(contracts.accounts.profiles.updateCredentials, {
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
        avatarUrl: image('avatar')?.url,
        avatarStaticUrl: image('avatar')?.staticUrl,
        headerUrl: image('header')?.url,
        headerStaticUrl: image('header')?.staticUrl,
        avatarDescription: toStr(b.avatar_description),
        headerDescription: toStr(b.header_description),
      });
    } catch (error) {
      await this.discard(user.accountId, images);
      throw error;
    }
    for (const image of images) {
      await this.bus.request(contracts.media.profileImages.commit, {
        accountId: user.accountId,
        kind: image.kind,
        key: image.key,
      });
    }
    return serializeCredentialAccount(credentials, this.ctx);
  }

  /** Mastodon 4.2's `DELETE /api/v1/profile/avatar|header`: back to the default image. */
  @Delete('api/v1/profile/:kind')
  @Auth.user('write:accounts')
  async removeImage(
    @CurrentUser() user: UserState,
    @Param('kind') kind: string,
  ): Promise<MCredentialAccount> {
    if (kind !== 'avatar' && kind !== 'header') throw Errors.notFound();
    const credentials = await this.bus.request(contracts.accounts.profiles.updateCredentials, {
      accountId: user.accountId,
      ...(kind === 'avatar' ? { avatarUrl: null } : { headerUrl: null }),
    });
    await this.bus.request(contracts.media.profileImages.commit, {
      accountId: user.accountId,
      kind,
      key: null,
    });
    return serializeCredentialAccount(credentials, this.ctx);
  }

  private async storeImages(
    accountId: string,
    uploads: Readonly<Record<string, StoredUpload>>,
  ): Promise<Stored[]> {
    const stored: Stored[] = [];
    try {
      for (const kind of ['avatar', 'header'] as const) {
        const upload = uploads[kind];
        if (!upload) continue;
        // From here the media service owns the upload: it removes it whatever it answers.
        upload.handOver();
        const image = await this.bus.request(contracts.media.profileImages.store, {
          accountId,
          kind,
          uploadKey: upload.key,
        });
        stored.push({ kind, ...image });
      }
    } catch (error) {
      await this.discard(accountId, stored);
      throw error;
    }
    return stored;
  }

  private async discard(accountId: string, images: Stored[]): Promise<void> {
    for (const image of images) {
      await this.bus
        .request(contracts.media.profileImages.discard, { accountId, key: image.key })
        .catch(() => undefined);
    }
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
