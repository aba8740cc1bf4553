import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { NotificationsStore } from './notifications.store';

@Injectable()
export class NotificationsHandlers {
  constructor(private readonly store: NotificationsStore) {}

  readonly bound = defineHandlers(contracts.timelines.notifications, {
    listNotifications: async (request) => ({ notifications: await this.store.list(request) }),
    getNotification: ({ accountId, id }) => this.store.get(accountId, id),
    dismissNotification: async ({ accountId, id }) => {
      await this.store.dismiss(accountId, id);
      return {};
    },
    clearNotifications: async ({ accountId }) => {
      await this.store.clear(accountId);
      return {};
    },
    countUnread: async ({ accountId, types, limit }) => ({
      count: await this.store.countUnread(accountId, types, limit),
    }),
    getMarkers: async ({ accountId, timelines }) => ({
      markers: await this.store.markers(accountId, timelines),
    }),
    saveMarkers: async ({ accountId, home, notifications }) => ({
      markers: await this.store.saveMarkers(accountId, { home, notifications }),
    }),
  });
}
