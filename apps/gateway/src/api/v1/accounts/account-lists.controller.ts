import { Controller, Get, Inject, Param } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import type { MAccount, SerializeContext } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, ViewerAccountId } from '../../../auth/auth.decorator';
import { accountPage, type ListPage, Page } from '../../../http/account-page';
import { Errors } from '../../../http/errors';
import { isId } from '../../../http/params';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';

const lists = {
  followers: contracts.accounts.relationships.listFollowers,
  following: contracts.accounts.relationships.listFollowing,
  endorsements: contracts.accounts.relationships.listEndorsements,
};

/** An account's public lists; a token, when sent, hides what its owner blocks or mutes. */
@Controller('api/v1/accounts/:id')
export class AccountListsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  @Get('followers')
  @Auth.optional('read:accounts')
  followers(
    @Param('id') id: string,
    @ViewerAccountId() viewer: string | null,
    @Page() page: ListPage,
  ): Promise<MAccount[]> {
    return this.list('followers', id, viewer, page);
  }

  @Get('following')
  @Auth.optional('read:accounts')
  following(
    @Param('id') id: string,
    @ViewerAccountId() viewer: string | null,
    @Page() page: ListPage,
  ): Promise<MAccount[]> {
    return this.list('following', id, viewer, page);
  }

  @Get('endorsements')
  @Auth.optional('read:accounts')
  endorsements(
    @Param('id') id: string,
    @ViewerAccountId() viewer: string | null,
    @Page() page: ListPage,
  ): Promise<MAccount[]> {
    return this.list('endorsements', id, viewer, page);
  }

  private async list(
    list: keyof typeof lists,
    id: string,
    viewerId: string | null,
    page: ListPage,
  ): Promise<MAccount[]> {
    if (!isId(id)) throw Errors.notFound();
    const { items } = await this.bus.request(lists[list], { accountId: id, viewerId, page: page.params });
    return accountPage(items, page, this.ctx);
  }
}
