import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { NotificationGroupsQueries } from './notification-groups.queries';

@Injectable()
export class NotificationGroupsHandlers {
  constructor(private readonly groups: NotificationGroupsQueries) {}

  readonly bound = defineHandlers(contracts.timelines.notificationGroups, {
    listGroups: async (request) => ({ groups: await this.groups.list(request) }),
    getGroup: ({ accountId, groupKey }) => this.groups.get(accountId, groupKey),
    dismissGroup: async ({ accountId, groupKey }) => {
      await this.groups.dismiss(accountId, groupKey);
      return {};
    },
    listGroupAccounts: async ({ accountId, groupKey, page }) => ({
      items: await this.groups.accounts(accountId, groupKey, page),
    }),
    countUnreadGroups: async (request) => ({
      count: await this.groups.countUnread({ ...request, fromAccountId: null }),
    }),
  });
}
