import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  contracts,
  notificationPolicyAction,
  type NotificationPolicyRules,
  type NotificationType,
  type UserState,
} from '@mammut/contracts';
import {
  type MAccount,
  type MGroupedNotificationsResults,
  type MNotificationPolicy,
  type SerializeContext,
  serializeAccount,
  serializeNotificationPolicy,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { type ListPage, Page, setListLinkHeader } from '../../http/account-page';
import { Errors, HttpError } from '../../http/errors';
import { setLinkHeader } from '../../http/pagination';
import { isId, toBool, toLimit, toStr } from '../../http/params';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';
import { typesOf } from '../v1/notifications.controller';
import { NotificationGroupPresenter } from './notification-group-presenter';

const groups = contracts.timelines.notificationGroups;

/** The policy's fields as Mastodon names them, each with its internal name. */
const POLICY_FIELDS: [string, keyof NotificationPolicyRules][] = [
  ['for_not_following', 'forNotFollowing'],
  ['for_not_followers', 'forNotFollowers'],
  ['for_new_accounts', 'forNewAccounts'],
  ['for_private_mentions', 'forPrivateMentions'],
  ['for_limited_accounts', 'forLimitedAccounts'],
];

/** Longer keys are never ours (the bus refuses them). */
const MAX_GROUP_KEY = 200;

/**
 * Mastodon 4.3's `/api/v2/notifications`: notifications grouped (favourites, reblogs and follows
 * of one kind and target within hours of each other), with the accounts and statuses they name
 * listed once beside them; and the notification policy.
 */
@Controller('api/v2/notifications')
export class NotificationsV2Controller {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: NotificationGroupPresenter,
  ) {}

  @Get()
  @Auth.user('read:notifications')
  async list(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
    @Page({ limit: 40, max: 80 }) page: ListPage,
  ): Promise<MGroupedNotificationsResults> {
    const expand = expandAccounts(query.expand_accounts);
    const fromAccount = toStr(query.account_id);
    if (fromAccount !== undefined && !isId(fromAccount)) {
      return { accounts: [], statuses: [], notification_groups: [] };
    }
    const { groups: found } = await this.bus.request(groups.listGroups, {
      accountId: user.accountId,
      ...selection(query),
      fromAccountId: fromAccount ?? null,
      page: page.params,
    });
    setLinkHeader(page.request, page.reply, this.ctx.origin, {
      newest: found[0]?.notification.id,
      oldest: found.at(-1)?.notification.id,
    });
    return this.presenter.groups(found, user.accountId, expand);
  }

  @Get('unread_count')
  @Auth.user('read:notifications')
  unreadCount(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
  ): Promise<{ count: number }> {
    return this.bus.request(groups.countUnreadGroups, {
      accountId: user.accountId,
      ...selection(query),
      limit: toLimit(query.limit, 100, 1000),
    });
  }

  @Get('policy')
  @Auth.user('read:notifications')
  async policy(@CurrentUser() user: UserState): Promise<MNotificationPolicy> {
    return serializeNotificationPolicy(
      await this.bus.request(contracts.timelines.notificationPolicy.getPolicy, { accountId: user.accountId }),
    );
  }

  @Put('policy')
  @Patch('policy')
  @Auth.user('write:notifications')
  update(
    @CurrentUser() user: UserState,
    @Query() query: Record<string, unknown>,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<MNotificationPolicy> {
    return this.updatePolicy(user, { ...query, ...(body ?? {}) });
  }

  @Get(':group_key')
  @Auth.user('read:notifications')
  async one(
    @CurrentUser() user: UserState,
    @Param('group_key') groupKey: string,
  ): Promise<MGroupedNotificationsResults> {
    if (groupKey.length > MAX_GROUP_KEY) throw Errors.notFound();
    const group = await this.bus.request(groups.getGroup, { accountId: user.accountId, groupKey });
    const presented = await this.presenter.groups([group], user.accountId);
    if (!presented.notification_groups.length) throw Errors.notFound();
    return presented;
  }

  @Post(':group_key/dismiss')
  @HttpCode(200)
  @Auth.user('write:notifications')
  async dismiss(
    @CurrentUser() user: UserState,
    @Param('group_key') groupKey: string,
  ): Promise<Record<string, never>> {
    if (groupKey.length <= MAX_GROUP_KEY) {
      await this.bus.request(groups.dismissGroup, { accountId: user.accountId, groupKey });
    }
    return {};
  }

  @Get(':group_key/accounts')
  @Auth.user('read:notifications')
  async accounts(
    @CurrentUser() user: UserState,
    @Param('group_key') groupKey: string,
    @Page({ limit: 40, max: 80 }) page: ListPage,
  ): Promise<MAccount[]> {
    if (groupKey.length > MAX_GROUP_KEY) return [];
    const { items } = await this.bus.request(groups.listGroupAccounts, {
      accountId: user.accountId,
      groupKey,
      page: page.params,
    });
    setListLinkHeader(items, page, this.ctx.origin);
    const accounts = await this.presenter.accounts(items.map((item) => item.accountId));
    return items.flatMap((item) => {
      const account = accounts.get(item.accountId);
      return account ? [serializeAccount(account, this.ctx)] : [];
    });
  }

  /** Every field given must be accept, filter or drop; otherwise nothing changes (422). */
  private async updatePolicy(user: UserState, params: Record<string, unknown>): Promise<MNotificationPolicy> {
    const changes: Partial<NotificationPolicyRules> = {};
    for (const [field, key] of POLICY_FIELDS) {
      if (params[field] === undefined) continue;
      const parsed = notificationPolicyAction.safeParse(toStr(params[field]));
      if (!parsed.success) {
        throw Errors.unprocessable(`Validation failed: ${field} is not one of accept, filter, drop`, {
          [field]: [{ error: 'ERR_INCLUSION', description: 'is not included in the list' }],
        });
      }
      changes[key] = parsed.data;
    }
    return serializeNotificationPolicy(
      await this.bus.request(contracts.timelines.notificationPolicy.updatePolicy, {
        accountId: user.accountId,
        changes,
      }),
    );
  }
}

/** Which notifications a grouped list or count takes, from Mastodon's parameters. */
function selection(query: Record<string, unknown>): {
  types: NotificationType[] | null;
  excludeTypes: NotificationType[];
  groupedTypes: NotificationType[] | null;
  includeFiltered: boolean;
} {
  const grouped = query.grouped_types === undefined ? [] : typesOf(query.grouped_types);
  return {
    types: query.types === undefined ? null : typesOf(query.types),
    excludeTypes: typesOf(query.exclude_types),
    // None named means Mastodon's default: every kind it groups.
    groupedTypes: grouped.length ? grouped : null,
    includeFiltered: toBool(query.include_filtered) ?? false,
  };
}

function expandAccounts(value: unknown): 'full' | 'partial_avatars' {
  const text = toStr(value);
  if (text === undefined || text === 'full') return 'full';
  if (text === 'partial_avatars') return 'partial_avatars';
  throw new HttpError(
    400,
    `Invalid value for 'expand_accounts': '${text}', allowed values are 'full' and 'partial_avatars'`,
  );
}
