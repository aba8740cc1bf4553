import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import type { MAccount, SerializeContext } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Auth, ViewerAccountId } from '../../../auth/auth.decorator';
import { accountPage } from '../../../http/account-page';
import { Errors } from '../../../http/errors';
import { pageParams } from '../../../http/pagination';
import { isId } from '../../../http/params';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';

type List =
  | typeof contracts.accounts.relationships.listFollowers
  | typeof contracts.accounts.relationships.listFollowing
  | typeof contracts.accounts.relationships.listEndorsements;

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
    @ViewerAccountId() viewerId: string | null,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MAccount[]> {
    return this.list(contracts.accounts.relationships.listFollowers, id, viewerId, query, request, reply);
  }

  @Get('following')
  @Auth.optional('read:accounts')
  following(
    @Param('id') id: string,
    @ViewerAccountId() viewerId: string | null,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MAccount[]> {
    return this.list(contracts.accounts.relationships.listFollowing, id, viewerId, query, request, reply);
  }

  @Get('endorsements')
  @Auth.optional('read:accounts')
  endorsements(
    @Param('id') id: string,
    @ViewerAccountId() viewerId: string | null,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MAccount[]> {
    return this.list(contracts.accounts.relationships.listEndorsements, id, viewerId, query, request, reply);
  }

  private async list(
    def: List,
    id: string,
    viewerId: string | null,
    query: Record<string, unknown>,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<MAccount[]> {
    if (!isId(id)) throw Errors.notFound();
    const page = pageParams(query, 40, 80);
    const { items } = await this.bus.request(def, {
      accountId: id,
      viewerId,
      page,
    });
    return accountPage(items, page.limit, request, reply, this.ctx);
  }
}
