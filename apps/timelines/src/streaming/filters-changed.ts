import { Inject, Injectable } from '@nestjs/common';
import { contracts, streamSubjects } from '@mammut/contracts';
import { EventSubscriber, type Subscription, on, RUNTIME, type Runtime } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { TIMELINES_DB, TIMELINES_SCHEMA } from '../database/timelines-database';
import { StreamPublisher } from './stream-publisher';

/**
 * Tells an account's open `user` streams that its filters changed, as Mastodon publishes
 * `filters_changed` on the account's timeline channel, so that a client fetches its filters
 * again. A stream message, not a notification: nothing is stored, and a client that was not
 * connected reads its filters when it comes back anyway.
 */
@Injectable()
export class FiltersChanged extends EventSubscriber {
  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(TIMELINES_DB) db: DataSource,
    private readonly streams: StreamPublisher,
  ) {
    super(runtime, { schema: TIMELINES_SCHEMA, dataSource: db });
  }

  protected subscriptions(): Subscription[] {
    return [
      {
        consumer: 'timelines-filters',
        handlers: [
          on(contracts.accounts.filters.events.filtersChanged, ({ accountId }) => {
            this.streams.publish(streamSubjects.user(accountId), { event: 'filters_changed' });
            return Promise.resolve();
          }),
        ],
      },
    ];
  }
}
