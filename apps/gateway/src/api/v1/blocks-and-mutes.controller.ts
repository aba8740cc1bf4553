import { Controller, Get, Inject } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import { type MAccount, type SerializeContext, serializeAccount } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { accountPage, type ListPage, Page, setListLinkHeader } from '../../http/account-page';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';

/** Mastodon's MutedAccount: an Account with when its mute ends. */
export interface MMutedAccount extends MAccount {
  mute_expires_at: string | null;
}

/** The viewer's blocked and muted accounts, paged by block and mute row. */
@Controller('api/v1')
export class BlocksAndMutesController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  @Get('blocks')
  @Auth.user('read:blocks')
  async blocks(@CurrentUser() user: UserState, @Page() page: ListPage): Promise<MAccount[]> {
    const { items } = await this.bus.request(contracts.accounts.relationships.listBlocks, {
      viewerId: user.accountId,
      page: page.params,
    });
    return accountPage(items, page, this.ctx);
  }

  @Get('mutes')
  @Auth.user('read:mutes')
  async mutes(@CurrentUser() user: UserState, @Page() page: ListPage): Promise<MMutedAccount[]> {
    const { items } = await this.bus.request(contracts.accounts.relationships.listMutes, {
      viewerId: user.accountId,
      page: page.params,
    });
    setListLinkHeader(items, page, this.ctx.origin);
    return items.map((item) => ({
      ...serializeAccount(item.account, this.ctx),
      mute_expires_at: item.muteExpiresAt,
    }));
  }
}
