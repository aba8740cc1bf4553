import { Controller, Get, Inject } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import type { MAccount, SerializeContext } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { accountPage, type ListPage, Page } from '../../http/account-page';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';

/** GET /api/v1/endorsements: the accounts the viewer features on its profile. */
@Controller('api/v1/endorsements')
export class EndorsementsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  @Get()
  @Auth.user('read:accounts')
  async list(@CurrentUser() user: UserState, @Page() page: ListPage): Promise<MAccount[]> {
    const { items } = await this.bus.request(contracts.accounts.relationships.listEndorsements, {
      accountId: user.accountId,
      viewerId: user.accountId,
      page: page.params,
    });
    return accountPage(items, page, this.ctx);
  }
}
