import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import type { MAccount, SerializeContext } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { accountPage } from '../../http/account-page';
import { pageParams } from '../../http/pagination';
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
  async list(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MAccount[]> {
    const page = pageParams(query, 40, 80);
    const { items } = await this.bus.request(contracts.accounts.relationships.listEndorsements, {
      accountId: user.accountId,
      viewerId: user.accountId,
      page,
    });
    return accountPage(items, page.limit, request, reply, this.ctx);
  }
}
