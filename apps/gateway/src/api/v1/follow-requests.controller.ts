import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import {
  type MAccount,
  type MRelationship,
  type SerializeContext,
  serializeRelationship,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { accountPage, type ListPage, Page } from '../../http/account-page';
import { Errors } from '../../http/errors';
import { isId } from '../../http/params';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';

/** Requests to follow the viewer, and the viewer's answers to them. */
@Controller('api/v1/follow_requests')
export class FollowRequestsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  @Get()
  @Auth.user('read:follows')
  async list(@CurrentUser() user: UserState, @Page() page: ListPage): Promise<MAccount[]> {
    const { items } = await this.bus.request(contracts.accounts.relationships.listFollowRequests, {
      viewerId: user.accountId,
      page: page.params,
    });
    return accountPage(items, page, this.ctx);
  }

  @Post(':id/authorize')
  @HttpCode(200)
  @Auth.user('write:follows')
  async authorize(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MRelationship> {
    if (!isId(id)) throw Errors.notFound();
    return serializeRelationship(
      await this.bus.request(contracts.accounts.relationships.authorizeFollowRequest, {
        viewerId: user.accountId,
        targetId: id,
      }),
    );
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Auth.user('write:follows')
  async reject(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MRelationship> {
    if (!isId(id)) throw Errors.notFound();
    return serializeRelationship(
      await this.bus.request(contracts.accounts.relationships.rejectFollowRequest, {
        viewerId: user.accountId,
        targetId: id,
      }),
    );
  }
}
