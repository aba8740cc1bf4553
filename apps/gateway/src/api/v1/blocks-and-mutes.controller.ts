import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import { type MAccount, type SerializeContext, serializeAccount } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { accountPage, setListLinkHeader } from '../../http/account-page';
import { pageParams } from '../../http/pagination';
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
  async blocks(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MAccount[]> {
    const page = pageParams(query, 40, 80);
    const { items } = await this.bus.request(contracts.accounts.relationships.listBlocks, {
      viewerId: user.accountId,
      page,
    });
    return accountPage(items, page.limit, request, reply, this.ctx);
  }

  @Get('mutes')
  @Auth.user('read:mutes')
  async mutes(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MMutedAccount[]> {
    const page = pageParams(query, 40, 80);
    const { items } = await this.bus.request(contracts.accounts.relationships.listMutes, {
      viewerId: user.accountId,
      page,
    });
    setListLinkHeader(items, page.limit, request, reply, this.ctx.origin);
    return items.map((item) => ({
      ...serializeAccount(item.account, this.ctx),
      mute_expires_at: item.muteExpiresAt,
    }));
  }
}
