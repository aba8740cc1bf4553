import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  contracts,
  type NotificationPolicyAction,
  type NotificationPolicyRules,
  type UserState,
} from '@mammut/contracts';
import {
  type MNotificationPolicyV1,
  type MNotificationRequest,
  type SerializeContext,
  serializeNotificationPolicyV1,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { type ListPage, Page } from '../../http/account-page';
import { Errors } from '../../http/errors';
import { setLinkHeader } from '../../http/pagination';
import { isId, toBool, toStrList } from '../../http/params';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';
import { NotificationGroupPresenter } from '../v2/notification-group-presenter';

const c = contracts.timelines.notificationPolicy;

/** The v1 policy's fields: true filters what the condition catches, false accepts it. */
const V1_FIELDS: [string, keyof NotificationPolicyRules][] = [
  ['filter_not_following', 'forNotFollowing'],
  ['filter_not_followers', 'forNotFollowers'],
  ['filter_new_accounts', 'forNewAccounts'],
  ['filter_private_mentions', 'forPrivateMentions'],
];

/** The most ids one bulk accept or dismiss takes. */
const MAX_BULK = 200;

/**
 * Notification requests (the filtered mentions of one sender, waiting to be accepted or
 * dismissed) and the older v1 shape of the notification policy.
 */
@Controller('api/v1/notifications')
export class NotificationRequestsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: NotificationGroupPresenter,
  ) {}

  @Get('requests')
  @Auth.user('read:notifications')
  async list(
    @CurrentUser() user: UserState,
    @Page({ limit: 40, max: 80 }) page: ListPage,
  ): Promise<MNotificationRequest[]> {
    const { requests } = await this.bus.request(c.listRequests, {
      accountId: user.accountId,
      page: page.params,
    });
    setLinkHeader(page.request, page.reply, this.ctx.origin, {
      newest: requests[0]?.id,
      oldest: requests.at(-1)?.id,
    });
    return this.presenter.requests(requests, user.accountId);
  }

  /**
   * Accepting merges at once here (Mastodon merges in a background job and answers whether it
   * finished): by the time a client asks, it always has.
   */
  @Get('requests/merged')
  @Auth.user('read:notifications')
  merged(): { merged: boolean } {
    return { merged: true };
  }

  @Post('requests/accept')
  @HttpCode(200)
  @Auth.user('write:notifications')
  async acceptMany(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<Record<string, never>> {
    await this.bus.request(c.acceptRequests, { accountId: user.accountId, ids: idsOf(query, body) });
    return {};
  }

  @Post('requests/dismiss')
  @HttpCode(200)
  @Auth.user('write:notifications')
  async dismissMany(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<Record<string, never>> {
    await this.bus.request(c.dismissRequests, { accountId: user.accountId, ids: idsOf(query, body) });
    return {};
  }

  @Get('requests/:id')
  @Auth.user('read:notifications')
  async one(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MNotificationRequest> {
    if (!isId(id)) throw Errors.notFound();
    const request = await this.bus.request(c.getRequest, { accountId: user.accountId, id });
    const [presented] = await this.presenter.requests([request], user.accountId);
    if (!presented) throw Errors.notFound();
    return presented;
  }

  @Post('requests/:id/accept')
  @HttpCode(200)
  @Auth.user('write:notifications')
  async accept(@CurrentUser() user: UserState, @Param('id') id: string): Promise<Record<string, never>> {
    if (!isId(id)) throw Errors.notFound();
    const { ids } = await this.bus.request(c.acceptRequests, { accountId: user.accountId, ids: [id] });
    if (!ids.length) throw Errors.notFound();
    return {};
  }

  @Post('requests/:id/dismiss')
  @HttpCode(200)
  @Auth.user('write:notifications')
  async dismiss(@CurrentUser() user: UserState, @Param('id') id: string): Promise<Record<string, never>> {
    if (!isId(id)) throw Errors.notFound();
    const { ids } = await this.bus.request(c.dismissRequests, { accountId: user.accountId, ids: [id] });
    if (!ids.length) throw Errors.notFound();
    return {};
  }

  @Get('policy')
  @Auth.user('read:notifications')
  async policy(@CurrentUser() user: UserState): Promise<MNotificationPolicyV1> {
    return serializeNotificationPolicyV1(await this.bus.request(c.getPolicy, { accountId: user.accountId }));
  }

  /** Mastodon 4.2's booleans: true filters, false accepts; for_limited_accounts is left as it is. */
  @Put('policy')
  @Patch('policy')
  @Auth.user('write:notifications')
  async updatePolicy(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<MNotificationPolicyV1> {
    const params = { ...query, ...(body ?? {}) };
    const changes: Partial<Record<keyof NotificationPolicyRules, NotificationPolicyAction>> = {};
    for (const [field, key] of V1_FIELDS) {
      const value = toBool(params[field]);
      if (value !== undefined) changes[key] = value ? 'filter' : 'accept';
    }
    return serializeNotificationPolicyV1(
      await this.bus.request(c.updatePolicy, { accountId: user.accountId, changes }),
    );
  }
}

/** `id[]` of a bulk action, from the body or the query; what is not an id names nothing. */
function idsOf(query: Record<string, unknown>, body: Record<string, unknown> | undefined): string[] {
  const given = toStrList(body?.id ?? query.id);
  return [...new Set(given.filter(isId))].slice(0, MAX_BULK);
}
