import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { assertSchemaCurrent, busController, HealthModule, postgresReadiness } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { TIMELINES_DB, timelinesDatabaseProvider } from './database/timelines-database';
import { HomeDelivery } from './home/home-delivery';
import { HomeFanOut } from './home/home-fan-out';
import { HomeFeeds } from './home/home-feeds';
import { RebuildHomeFeed } from './home/rebuild-home-feed';
import { TimelinesHandlers } from './home/timelines.handlers';
import { TimelinesJobs } from './jobs/timelines-jobs';
import { ListFanOut } from './lists/list-fan-out';
import { ListFeeds } from './lists/list-feeds';
import { NotificationGroupsHandlers } from './notifications/notification-groups.handlers';
import { NotificationGroupsQueries } from './notifications/notification-groups.queries';
import { NotificationPoliciesRepository } from './notifications/notification-policies.repository';
import { NotificationPolicyHandlers } from './notifications/notification-policy.handlers';
import { NotificationsHandlers } from './notifications/notifications.handlers';
import { NotificationsStore } from './notifications/notifications.store';
import { Notify } from './notifications/notify';
import { FiltersChanged } from './streaming/filters-changed';
import { StreamPublisher } from './streaming/stream-publisher';
import { TagFanOut } from './tags/tag-fan-out';

/**
 * Home and list feeds (Redis, by fan-out on write, in batched jobs for many followers; a lost
 * home feed rebuilt from statuses), notifications (with their policies, requests
 * and groups) and markers; answers `timelines.*` on the bus.
 */
@Module({
  imports: [HealthModule],
  controllers: [
    busController(contracts.timelines.feeds, TimelinesHandlers),
    busController(contracts.timelines.notifications, NotificationsHandlers),
    busController(contracts.timelines.notificationPolicy, NotificationPolicyHandlers),
    busController(contracts.timelines.notificationGroups, NotificationGroupsHandlers),
  ],
  providers: [
    timelinesDatabaseProvider,
    postgresReadiness('timelines', TIMELINES_DB),
    HomeFeeds,
    StreamPublisher,
    TimelinesJobs,
    HomeDelivery,
    HomeFanOut,
    RebuildHomeFeed,
    ListFeeds,
    ListFanOut,
    TagFanOut,
    TimelinesHandlers,
    NotificationsStore,
    NotificationPoliciesRepository,
    NotificationGroupsQueries,
    Notify,
    NotificationsHandlers,
    NotificationPolicyHandlers,
    NotificationGroupsHandlers,
    FiltersChanged,
  ],
})
export class TimelinesModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(TIMELINES_DB) private readonly db: DataSource,
    private readonly fanOut: HomeFanOut,
    private readonly rebuild: RebuildHomeFeed,
    private readonly jobs: TimelinesJobs,
    private readonly listFanOut: ListFanOut,
    private readonly tagFanOut: TagFanOut,
    private readonly notify: Notify,
    private readonly filtersChanged: FiltersChanged,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await assertSchemaCurrent(this.db);
    await this.fanOut.start();
    await this.rebuild.start();
    await this.listFanOut.start();
    await this.tagFanOut.start();
    await this.notify.start();
    await this.filtersChanged.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.fanOut.stop();
    await this.listFanOut.stop();
    await this.tagFanOut.stop();
    await this.notify.stop();
    await this.filtersChanged.stop();
    await this.jobs.stop();
    await this.db.destroy();
  }
}
