import type {
  AccountRecord,
  NotificationGroupRecord,
  NotificationPolicyRecord,
  NotificationRequestRecord,
} from '@mammut/contracts';
import { serializeAccount } from './accounts.serializer';
import type { SerializeContext } from './context';
import type { MAccount } from './entities';
import type { MStatus } from './statuses.serializer';
import type { MReport } from './reports.serializer';

/** Mastodon 4.3's NotificationPolicy (`/api/v2/notifications/policy`). */
export interface MNotificationPolicy {
  for_not_following: NotificationPolicyRecord['forNotFollowing'];
  for_not_followers: NotificationPolicyRecord['forNotFollowers'];
  for_new_accounts: NotificationPolicyRecord['forNewAccounts'];
  for_private_mentions: NotificationPolicyRecord['forPrivateMentions'];
  for_limited_accounts: NotificationPolicyRecord['forLimitedAccounts'];
  summary: { pending_requests_count: number; pending_notifications_count: number };
}

/** The 4.2 shape still served at `/api/v1/notifications/policy`: a condition filters or not. */
export interface MNotificationPolicyV1 {
  filter_not_following: boolean;
  filter_not_followers: boolean;
  filter_new_accounts: boolean;
  filter_private_mentions: boolean;
  summary: MNotificationPolicy['summary'];
}

export interface MNotificationRequest {
  id: string;
  created_at: string;
  updated_at: string;
  account: MAccount;
  /** A string in Mastodon's JSON. */
  notifications_count: string;
  last_status: MStatus | null;
}

export interface MNotificationGroup {
  group_key: string;
  notifications_count: number;
  type: NotificationGroupRecord['notification']['type'];
  most_recent_notification_id: string;
  page_min_id?: string;
  page_max_id?: string;
  latest_page_notification_at?: string;
  sample_account_ids: string[];
  status_id?: string;
  /** The report an `admin.report` group is about. */
  report?: MReport;
}

/** What `expand_accounts=partial_avatars` gives for all but each group's newest account. */
export type MPartialAccount = Pick<
  MAccount,
  'id' | 'acct' | 'locked' | 'bot' | 'url' | 'avatar' | 'avatar_static'
>;

export interface MGroupedNotificationsResults {
  accounts: MAccount[];
  partial_accounts?: MPartialAccount[];
  statuses: MStatus[];
  notification_groups: MNotificationGroup[];
}

export function serializeNotificationPolicy(policy: NotificationPolicyRecord): MNotificationPolicy {
  return {
    for_not_following: policy.forNotFollowing,
    for_not_followers: policy.forNotFollowers,
    for_new_accounts: policy.forNewAccounts,
    for_private_mentions: policy.forPrivateMentions,
    for_limited_accounts: policy.forLimitedAccounts,
    summary: {
      pending_requests_count: policy.pendingRequestsCount,
      pending_notifications_count: policy.pendingNotificationsCount,
    },
  };
}

/** A condition "filters" in the v1 shape unless it accepts (dropping is stricter filtering). */
export function serializeNotificationPolicyV1(policy: NotificationPolicyRecord): MNotificationPolicyV1 {
  return {
    filter_not_following: policy.forNotFollowing !== 'accept',
    filter_not_followers: policy.forNotFollowers !== 'accept',
    filter_new_accounts: policy.forNewAccounts !== 'accept',
    filter_private_mentions: policy.forPrivateMentions !== 'accept',
    summary: serializeNotificationPolicy(policy).summary,
  };
}

export function serializeNotificationRequest(
  request: NotificationRequestRecord,
  from: AccountRecord,
  lastStatus: MStatus | undefined,
  ctx: SerializeContext,
): MNotificationRequest {
  return {
    id: request.id,
    created_at: request.createdAt,
    updated_at: request.updatedAt,
    account: serializeAccount(from, ctx),
    notifications_count: String(request.notificationsCount),
    last_status: lastStatus ?? null,
  };
}

/** Kinds whose group names a status. */
const WITH_STATUS = new Set(['favourite', 'reblog', 'status', 'mention', 'poll', 'update']);

export function serializeNotificationGroup(
  group: NotificationGroupRecord,
  sampleAccountIds: readonly string[],
  report?: MReport,
): MNotificationGroup {
  const serialized: MNotificationGroup = {
    group_key: group.groupKey,
    notifications_count: group.notificationsCount,
    type: group.notification.type,
    most_recent_notification_id: group.mostRecentNotificationId,
    sample_account_ids: [...sampleAccountIds],
  };
  if (group.page) {
    serialized.page_min_id = group.page.minId;
    serialized.page_max_id = group.page.maxId;
    serialized.latest_page_notification_at = group.page.latestNotificationAt;
  }
  if (WITH_STATUS.has(group.notification.type) && group.notification.statusId) {
    serialized.status_id = group.notification.statusId;
  }
  if (report) serialized.report = report;
  return serialized;
}

export function serializePartialAccount(account: AccountRecord, ctx: SerializeContext): MPartialAccount {
  const { id, acct, locked, bot, url, avatar, avatar_static } = serializeAccount(account, ctx);
  return { id, acct, locked, bot, url, avatar, avatar_static };
}
