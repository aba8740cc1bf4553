import { Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import type { MConversation, SerializeContext } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { type ListPage, Page, setListLinkHeader } from '../../http/account-page';
import { Errors } from '../../http/errors';
import { isId } from '../../http/params';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';
import { ConversationPresenter } from './conversation-presenter';

const c = contracts.statuses.conversations;

/** The conversation id of a path, or 404 as for one that is not the viewer's. */
function conversationIdOf(id: string): string {
  if (!isId(id)) throw Errors.notFound();
  return id;
}

/** Direct conversations (`/api/v1/conversations`): the viewer's own, paged by their last status. */
@Controller('api/v1/conversations')
export class ConversationsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: ConversationPresenter,
  ) {}

  /** 20 a page, 40 at most, with `Link` cursored by last status (`next` only for a full page). */
  @Get()
  @Auth.user('read:statuses')
  async list(
    @CurrentUser() user: UserState,
    @Page({ limit: 20, max: 40 }) page: ListPage,
  ): Promise<MConversation[]> {
    const { conversations } = await this.bus.request(c.listConversations, {
      accountId: user.accountId,
      page: page.params,
    });
    setListLinkHeader(
      conversations.map((conversation) => ({ cursor: conversation.lastStatus.id })),
      page,
      this.ctx.origin,
    );
    return this.presenter.present(conversations, user.accountId);
  }

  @Post(':id/read')
  @HttpCode(200)
  @Auth.user('write:conversations')
  async read(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MConversation> {
    const conversation = await this.bus.request(c.markConversationRead, {
      accountId: user.accountId,
      conversationId: conversationIdOf(id),
    });
    const [presented] = await this.presenter.present([conversation], user.accountId);
    if (!presented) throw Errors.notFound();
    return presented;
  }

  @Delete(':id')
  @Auth.user('write:conversations')
  async remove(@CurrentUser() user: UserState, @Param('id') id: string): Promise<Record<string, never>> {
    await this.bus.request(c.removeConversation, {
      accountId: user.accountId,
      conversationId: conversationIdOf(id),
    });
    return {};
  }
}
