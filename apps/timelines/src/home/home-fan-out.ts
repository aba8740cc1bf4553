import { Inject, Injectable } from '@nestjs/common';
import { contracts, HOME_DELIVERY_BATCH, type StatusRecord } from '@mammut/contracts';
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
import { HomeDelivery } from './home-delivery';
import { HomeFeeds } from './home-feeds';
import { StreamPublisher } from '../streaming/stream-publisher';
import { streamSubjects } from '@mammut/contracts';

const statusEvents = contracts.statuses.statuses.events;
const followEvents = contracts.accounts.relationships.events;
/** Local followers asked for per bus request while fanning out: one delivery job's batch. */
const FOLLOWERS_PER_PAGE = HOME_DELIVERY_BATCH;
/** A local follower of an account, by follow row (`cursor`). */
type Follower = { cursor: string; accountId: string; reblogs: boolean };
/** How many of an account's statuses a new follow brings into the follower's feed (and an unfollow takes out). */
const MERGE_SIZE = 200;

/**
 * Fan-out on write, as Mastodon's FanOutOnWriteService does for home feeds: a new status goes to
 * its author's feed and to each local follower's (a direct one only to followers it mentions);
 * a deleted one leaves them all. A new follow merges the followed account's recent statuses into
 * the follower's feed, an unfollow takes them out. Visibility, blocks and mutes are checked again
 * when a feed is read, so what a feed holds never reaches a viewer who may not see it.
 */
@Injectable()
export class HomeFanOut extends EventSubscriber {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(TIMELINES_DB) db: DataSource,
    private readonly feeds: HomeFeeds,
    private readonly streams: StreamPublisher,
    private readonly delivery: HomeDelivery,
  ) {
    super(runtime, { schema: TIMELINES_SCHEMA, dataSource: db });
  }

  override async start(): Promise<void> {
    await this.delivery.start();
    await super.start();
  }

  protected subscriptions(): Subscription[] {
    return [
      {
        consumer: 'timelines-statuses',
        concurrency: 8,
        handlers: [
          on(statusEvents.statusCreated, ({ status }) => this.deliver(status)),
          on(statusEvents.statusUpdated, ({ status }) => this.announceEdit(status)),
          on(statusEvents.statusDeleted, async (deleted) => {
            const message = { event: 'delete' as const, statusId: deleted.statusId };
            const { reblogOfId } = deleted;
            const remove = (ids: string[]): Promise<void> =>
              reblogOfId
                ? this.feeds.removeReblog(ids, deleted.statusId, reblogOfId)
                : this.feeds.remove(ids, [deleted.statusId]);
            await remove([deleted.accountId]);
            this.streams.toUsers([deleted.accountId], message);
            await this.eachFollowerPage(deleted.accountId, async (followers) => {
              const ids = followers.map((f) => f.accountId);
              await remove(ids);
              this.streams.toUsers(ids, message);
            });
            if (deleted.visibility === 'public') {
              for (const subject of [
                streamSubjects.public,
                streamSubjects.publicLocal,
                streamSubjects.publicRemote,
              ])
                this.streams.publish(subject, message);
            }
          }),
        ],
      },
      {
        consumer: 'timelines-accounts',
        concurrency: 8,
        handlers: [
          on(followEvents.followCreated, ({ accountId, targetAccountId }) =>
            this.merge(accountId, targetAccountId),
          ),
          on(followEvents.followRemoved, ({ accountId, targetAccountId }) =>
            this.unmerge(accountId, targetAccountId),
          ),
        ],
      },
    ];
  }

  /**
   * A status into its author's feed and its followers' (HomeDelivery's rules): inside this
   * consumer for an author with few local followers, as one job per page of followers for more,
   * so that a large fan-out runs in parallel and retries page by page.
   */
  private async deliver(status: StatusRecord): Promise<void> {
    const message = { event: 'update' as const, statusId: status.id };
    const { reblogOfId } = status;
    if (status.local) {
      const own = reblogOfId
        ? await this.feeds.addReblog([status.accountId], status.id, reblogOfId)
        : await this.feeds.add([status.accountId], [status.id]).then(() => [status.accountId]);
      this.streams.toUsers(own, message);
    }
    const delivered = {
      id: status.id,
      accountId: status.accountId,
      visibility: status.visibility,
      mentions: status.mentions,
      reblogOfId,
    };
    const inline = this.runtime.config.feeds.fanOutInlineFollowers;
    // Pages are held until they are known to stay within the inline count; past it all are queued.
    const held: Follower[][] = [];
    let counted = 0;
    let queued = false;
    await this.eachFollowerPage(status.accountId, async (followers) => {
      counted += followers.length;
      if (!queued && counted <= inline) {
        held.push(followers);
        return;
      }
      queued = true;
      for (const page of [...held.splice(0), followers])
        await this.delivery.enqueue(delivered, page, page[0].cursor);
    });
    for (const page of held) await this.delivery.toFollowers(delivered, page);
    this.streams.toPublic(status, message);
    this.streams.toConversations(status);
  }

  /**
   * An edit, live as `status.update` wherever the status was delivered: its author, the followers
   * whose home feed took it, and the public streams. Feeds hold ids, so they need no change.
   */
  private async announceEdit(status: StatusRecord): Promise<void> {
    const message = { event: 'status.update' as const, statusId: status.id };
    if (status.local) this.streams.toUsers([status.accountId], message);
    const mentioned = new Set(status.mentions);
    await this.eachFollowerPage(status.accountId, async (followers) => {
      const wanted = followers
        .filter((f) => (status.visibility === 'direct' ? mentioned.has(f.accountId) : true))
        .map((f) => f.accountId);
      this.streams.toUsers(await this.delivery.withoutExclusiveLists(status.accountId, wanted), message);
    });
    this.streams.toPublic(status, message);
  }

  private eachFollowerPage(
    accountId: string,
    apply: (followers: Follower[]) => Promise<void>,
  ): Promise<void> {
    return eachPage<Follower>(
      {
        limit: FOLLOWERS_PER_PAGE,
        fetch: async (after) =>
          (
            await this.bus.request(contracts.accounts.relationships.listLocalFollowers, {
              accountId,
              after,
              limit: FOLLOWERS_PER_PAGE,
            })
          ).followers,
        cursorOf: (follower) => follower.cursor,
      },
      apply,
    );
  }

  private async isLocal(accountId: string): Promise<boolean> {
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, {
      ids: [accountId],
    });
    return accounts[0]?.domain === null;
  }

  private async merge(followerId: string, targetId: string): Promise<void> {
    if (!(await this.isLocal(followerId))) return;
    const { statuses } = await this.bus.request(contracts.statuses.statuses.listAuthorStatuses, {
      accountId: targetId,
      visibilities: ['public', 'unlisted', 'private'],
      mentioning: followerId,
      excludeReplies: false,
      tagged: null,
      page: { limit: MERGE_SIZE },
    });
    await this.feeds.add(
      [followerId],
      statuses.map((s) => s.id),
    );
  }

  private async unmerge(followerId: string, targetId: string): Promise<void> {
    if (!(await this.isLocal(followerId))) return;
    const { statuses } = await this.bus.request(contracts.statuses.statuses.listAuthorStatuses, {
      accountId: targetId,
      visibilities: ['public', 'unlisted', 'private', 'direct'],
      mentioning: null,
      excludeReplies: false,
      tagged: null,
      page: { limit: MERGE_SIZE },
    });
    await this.feeds.remove(
      [followerId],
      statuses.map((s) => s.id),
    );
  }
}
