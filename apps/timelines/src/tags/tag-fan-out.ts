import { Inject, Injectable } from '@nestjs/common';
import { contracts, type StatusRecord } from '@mammut/contracts';
import {
  BUS,
  type Bus,
  EventSubscriber,
  type Subscription,
  on,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { TIMELINES_DB, TIMELINES_SCHEMA } from '../database/timelines-database';
import { eachPage } from '../each-page';
import { HomeFeeds } from '../home/home-feeds';
import { StreamPublisher } from '../streaming/stream-publisher';

const statusEvents = contracts.statuses.statuses.events;
/** Followers of hashtags asked for per bus request. */
const FOLLOWERS_PER_PAGE = 1000;

/** A public original with hashtags: what hashtag streams and feeds carry. */
const tagged = (status: { visibility: string; reblogOfId: string | null; tags: string[] }): boolean =>
  status.visibility === 'public' && status.reblogOfId === null && status.tags.length > 0;

/**
 * Hashtags on the move, as Mastodon's FanOutOnWriteService broadcasts them: a public status (not a
 * reblog) goes to its hashtags' streams and into the home feeds of the local accounts that follow
 * any of its hashtags; a deleted one leaves both. The viewer's rules (blocks, mutes, filters) are
 * applied when a feed or stream is presented, as for every other status.
 */
@Injectable()
export class TagFanOut extends EventSubscriber {
  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(TIMELINES_DB) db: DataSource,
    private readonly feeds: HomeFeeds,
    private readonly streams: StreamPublisher,
  ) {
    super(runtime, { schema: TIMELINES_SCHEMA, dataSource: db });
  }

  protected subscriptions(): Subscription[] {
    return [
      {
        consumer: 'timelines-hashtags',
        concurrency: 8,
        handlers: [
          // Only public, tagged originals reach hashtag feeds: the others cost no transaction.
          on(statusEvents.statusCreated, ({ status }) => this.deliver(status), {
            when: ({ status }) => tagged(status),
          }),
          on(
            statusEvents.statusDeleted,
            async (deleted) => {
              const message = { event: 'delete' as const, statusId: deleted.statusId };
              this.streams.toHashtags(deleted, message);
              await this.eachFollowerPage(deleted.tags, async (ids) => {
                await this.feeds.remove(
                  ids.filter((id) => id !== deleted.accountId),
                  [deleted.statusId],
                );
              });
            },
            { when: tagged },
          ),
        ],
      },
    ];
  }

  private async deliver(status: StatusRecord): Promise<void> {
    const message = { event: 'update' as const, statusId: status.id };
    this.streams.toHashtags(status, message);
    await this.eachFollowerPage(status.tags, async (ids) => {
      const recipients = ids.filter((id) => id !== status.accountId);
      await this.feeds.add(recipients, [status.id]);
      this.streams.toUsers(recipients, message);
    });
  }

  private eachFollowerPage(tags: string[], apply: (ids: string[]) => Promise<void>): Promise<void> {
    return eachPage(
      {
        limit: FOLLOWERS_PER_PAGE,
        fetch: async (after) =>
          (
            await this.bus.request(contracts.statuses.tags.listTagFollowers, {
              names: tags.slice(0, 100),
              after,
              limit: FOLLOWERS_PER_PAGE,
            })
          ).followers,
        cursorOf: (follower) => follower.cursor,
      },
      (followers) => apply(followers.map((f) => f.accountId)),
    );
  }
}
