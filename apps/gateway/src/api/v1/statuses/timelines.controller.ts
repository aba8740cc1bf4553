import { Controller, Get, Header, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { contracts, type UserState } from '@mammut/contracts';
import type { MStatus, SerializeContext } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser, ViewerAccountId } from '../../../auth/auth.decorator';
import { type ListPage, Page } from '../../../http/account-page';
import { setLinkHeader } from '../../../http/pagination';
import { toBool } from '../../../http/params';
import { JSON_CONTENT_TYPE, type JsonText } from '../../../http/rendered-json';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';
import { StatusPresenter } from './status-presenter';

/** The home and public timelines: ids or statuses from their owner, then the viewer's rules. */
@Controller('api/v1/timelines')
export class TimelinesController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: StatusPresenter,
  ) {}

  /** 206 Partial Content while a lost feed is rebuilt in the background, as Mastodon answers then. */
  @Get('home')
  @Auth.user('read:statuses')
  async home(
    @CurrentUser() user: UserState,
    @Page({ limit: 20, max: 40 }) page: ListPage,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { ids, regenerating } = await this.bus.request(contracts.timelines.feeds.getHomeFeed, {
      accountId: user.accountId,
      page: page.params,
    });
    // The page's cursors are the feed's, whatever the rules leave of it.
    setLinkHeader(page.request, page.reply, this.ctx.origin, { newest: ids[0], oldest: ids.at(-1) });
    let body: JsonText<MStatus[]> = '[]';
    if (ids.length) {
      const { statuses, reblogged } = await this.bus.request(contracts.statuses.statuses.getStatuses, {
        ids,
      });
      body = await this.presenter.presentJson(statuses, user.accountId, { context: 'home', reblogged });
    }
    void reply
      .status(regenerating ? 206 : 200)
      .header('content-type', JSON_CONTENT_TYPE)
      .send(body);
  }

  /**
   * Statuses sharing a link (Mastodon 4.3's link timeline). Statuses carry no preview cards yet, so
   * no status shares one: the list is empty, as Mastodon's is for a link without a card.
   */
  @Get('link')
  @Auth.optional('read:statuses')
  link(): MStatus[] {
    return [];
  }

  @Get('public')
  @Auth.optional('read:statuses')
  @Header('content-type', JSON_CONTENT_TYPE)
  async public(
    @Query() query: Record<string, unknown>,
    @ViewerAccountId() viewer: string | null,
    @Page({ limit: 20, max: 40 }) page: ListPage,
  ): Promise<JsonText<MStatus[]>> {
    const local = toBool(query.local) ? true : toBool(query.remote) ? false : null;
    const { statuses } = await this.bus.request(contracts.statuses.statuses.listPublicStatuses, {
      local,
      onlyMedia: toBool(query.only_media) ?? false,
      page: page.params,
    });
    setLinkHeader(page.request, page.reply, this.ctx.origin, {
      newest: statuses[0]?.id,
      oldest: statuses.at(-1)?.id,
    });
    return this.presenter.presentJson(statuses, viewer, { context: 'public' });
  }
}
