import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { contracts, notificationType, type NotificationType, type UserState } from '@mammut/contracts';
import {
  type MMarker,
  type MNotification,
  type SerializeContext,
  serializeMarkers,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { type ListPage, Page } from '../../http/account-page';
import { Errors } from '../../http/errors';
import { setLinkHeader } from '../../http/pagination';
import { isId, toBool, toLimit, toStr, toStrList } from '../../http/params';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';
import { NotificationPresenter } from './notification-presenter';

/** Types a client names; unknown ones are ignored, as Mastodon ignores them. */
export const typesOf = (value: unknown): NotificationType[] =>
  toStrList(value).flatMap((type) =>
    notificationType.safeParse(type).success ? [type as NotificationType] : [],
  );

/** Notifications and read markers, each shown only while its status and its actor may be seen. */
@Controller('api/v1')
export class NotificationsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly notifications: NotificationPresenter,
  ) {}

  @Get('notifications')
  @Auth.user('read:notifications')
  async list(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
    @Page({ limit: 40, max: 80 }) page: ListPage,
  ): Promise<MNotification[]> {
    const types = query.types === undefined ? null : typesOf(query.types);
    const fromAccount = toStr(query.account_id);
    if (fromAccount !== undefined && !isId(fromAccount)) return [];
    const { notifications } = await this.bus.request(contracts.timelines.notifications.listNotifications, {
      accountId: user.accountId,
      types,
      excludeTypes: typesOf(query.exclude_types),
      fromAccountId: fromAccount ?? null,
      includeFiltered: toBool(query.include_filtered) ?? false,
      page: page.params,
    });
    setLinkHeader(page.request, page.reply, this.ctx.origin, {
      newest: notifications[0]?.id,
      oldest: notifications.at(-1)?.id,
    });
    return this.notifications.present(notifications, user.accountId);
  }

  @Get('notifications/unread_count')
  @Auth.user('read:notifications')
  async unreadCount(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
  ): Promise<{ count: number }> {
    return this.bus.request(contracts.timelines.notifications.countUnread, {
      accountId: user.accountId,
      types: query.types === undefined ? null : typesOf(query.types),
      limit: toLimit(query.limit, 100, 1000),
    });
  }

  @Post('notifications/clear')
  @HttpCode(200)
  @Auth.user('write:notifications')
  async clear(@CurrentUser() user: UserState): Promise<Record<string, never>> {
    await this.bus.request(contracts.timelines.notifications.clearNotifications, {
      accountId: user.accountId,
    });
    return {};
  }

  @Get('notifications/:id')
  @Auth.user('read:notifications')
  async one(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MNotification> {
    if (!isId(id)) throw Errors.notFound();
    const notification = await this.bus.request(contracts.timelines.notifications.getNotification, {
      accountId: user.accountId,
      id,
    });
    const [presented] = await this.notifications.present([notification], user.accountId);
    if (!presented) throw Errors.notFound();
    return presented;
  }

  @Post('notifications/:id/dismiss')
  @HttpCode(200)
  @Auth.user('write:notifications')
  async dismiss(@CurrentUser() user: UserState, @Param('id') id: string): Promise<Record<string, never>> {
    if (!isId(id)) throw Errors.notFound();
    await this.bus.request(contracts.timelines.notifications.dismissNotification, {
      accountId: user.accountId,
      id,
    });
    return {};
  }

  @Get('markers')
  @Auth.user('read:statuses')
  async markers(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
  ): Promise<Record<string, MMarker>> {
    const timelines = toStrList(query.timeline).filter(
      (timeline): timeline is 'home' | 'notifications' => timeline === 'home' || timeline === 'notifications',
    );
    if (!timelines.length) return {};
    const { markers } = await this.bus.request(contracts.timelines.notifications.getMarkers, {
      accountId: user.accountId,
      timelines,
    });
    return serializeMarkers(markers);
  }

  @Post('markers')
  @HttpCode(200)
  @Auth.user('write:statuses')
  async saveMarkers(
    @CurrentUser() user: UserState,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<Record<string, MMarker>> {
    const position = (timeline: string): string | null => {
      const value = (body ?? {})[timeline];
      const id =
        typeof value === 'object' && value !== null
          ? toStr((value as Record<string, unknown>).last_read_id)
          : undefined;
      if (id === undefined) return null;
      if (!isId(id)) {
        throw Errors.unprocessable('Validation failed: Last read ID is invalid', {
          [`${timeline}.last_read_id`]: [{ error: 'ERR_INVALID', description: 'is invalid' }],
        });
      }
      return id;
    };
    const home = position('home');
    const notifications = position('notifications');
    if (home === null && notifications === null) return {};
    const { markers } = await this.bus.request(contracts.timelines.notifications.saveMarkers, {
      accountId: user.accountId,
      home,
      notifications,
    });
    return serializeMarkers(markers);
  }
}
