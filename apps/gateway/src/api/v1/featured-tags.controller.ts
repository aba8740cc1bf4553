import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import {
  type MFeaturedTag,
  type MTag,
  type SerializeContext,
  serializeFeaturedTag,
  serializeTag,
} from '@mammut/mastodon-api';
import { BUS, type Bus, hashtagName } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { Errors } from '../../http/errors';
import { isId, toStr } from '../../http/params';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';

const tags = contracts.statuses.tags;

/** Featured hashtags: one's own (listed, added, removed, suggested) and any account's, on its profile. */
@Controller('api/v1')
export class FeaturedTagsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  @Get('featured_tags')
  @Auth.user('read:accounts')
  own(@CurrentUser() user: UserState): Promise<MFeaturedTag[]> {
    return this.featuredBy(user.accountId);
  }

  @Post('featured_tags')
  @HttpCode(200)
  @Auth.user('write:accounts')
  async feature(
    @CurrentUser() user: UserState,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<MFeaturedTag> {
    const name = hashtagName(toStr(body?.name) ?? '');
    if (name === null) {
      throw Errors.unprocessable('Validation failed: Tag is invalid', {
        name: [{ error: 'ERR_INVALID', description: 'is invalid' }],
      });
    }
    const [featured, username] = await Promise.all([
      this.bus.request(tags.featureTag, { accountId: user.accountId, name }),
      this.usernameOf(user.accountId),
    ]);
    return serializeFeaturedTag(featured, username, this.ctx);
  }

  @Delete('featured_tags/:id')
  @Auth.user('write:accounts')
  async unfeature(@CurrentUser() user: UserState, @Param('id') id: string): Promise<Record<string, never>> {
    if (!isId(id)) throw Errors.notFound();
    return this.bus.request(tags.unfeatureTag, { accountId: user.accountId, featuredTagId: id });
  }

  @Get('featured_tags/suggestions')
  @Auth.user('read:accounts')
  async suggestions(@CurrentUser() user: UserState): Promise<MTag[]> {
    const { tags: suggested } = await this.bus.request(tags.suggestFeaturedTags, {
      accountId: user.accountId,
    });
    return suggested.map((tag) => serializeTag(tag, this.ctx, true));
  }

  /** Anyone's featured hashtags, as its profile shows them (none for a suspended or unknown account). */
  @Get('accounts/:id/featured_tags')
  @Auth.optional('read:accounts')
  async ofAccount(@Param('id') id: string): Promise<MFeaturedTag[]> {
    if (!isId(id)) throw Errors.notFound();
    return this.featuredBy(id);
  }

  private async featuredBy(accountId: string): Promise<MFeaturedTag[]> {
    const [{ featuredTags }, username] = await Promise.all([
      this.bus.request(tags.listFeaturedTags, { accountId }),
      this.usernameOf(accountId),
    ]);
    return featuredTags.map((tag) => serializeFeaturedTag(tag, username, this.ctx));
  }

  private async usernameOf(accountId: string): Promise<string> {
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, {
      ids: [accountId],
    });
    const account = accounts[0];
    if (!account || account.suspended) throw Errors.notFound();
    return account.domain ? `${account.username}@${account.domain}` : account.username;
  }
}
