import { Inject, Injectable } from '@nestjs/common';
import { contracts, type PayloadOf } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';
import { TimelinesJobs } from '../jobs/timelines-jobs';
import { StreamPublisher } from '../streaming/stream-publisher';
import { HomeFeeds } from './home-feeds';

const deliverHome = contracts.timelines.feeds.jobs.deliverHome;
/** What delivering a status needs to know of it. */
export type DeliveredStatus = PayloadOf<typeof deliverHome>['status'];
export interface HomeFollower {
  readonly accountId: string;
  /** Whether the follower takes the author's reblogs. */
  readonly reblogs: boolean;
}

/**
 * A status into the home feeds of a batch of its author's local followers, inside the event
 * consumer for a few followers, or as one job of many (`jobs.timelines.home_feed.deliver`) for an
 * author with more: the rules are the same either way. Feeds are sorted sets, so a batch
 * delivered twice (a retried job) changes nothing; its followers may see the stream event twice.
 */
@Injectable()
export class HomeDelivery {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly feeds: HomeFeeds,
    private readonly streams: StreamPublisher,
    private readonly jobs: TimelinesJobs,
  ) {}

  async start(): Promise<void> {
    await this.jobs.work(deliverHome, ({ status, followers }) => this.toFollowers(status, followers), {
      maxAttempts: 8,
      backoffMs: [1000, 5000, 30_000, 120_000],
      concurrency: 4,
    });
  }

  /**
   * Queues a batch. The job id (the status and the batch's first follow row) makes the event
   * consumer's retry of the same status enqueue nothing new within JetStream's duplicate window.
   */
  async enqueue(
    status: DeliveredStatus,
    followers: readonly HomeFollower[],
    batchKey: string,
  ): Promise<void> {
    await this.jobs.enqueue(
      deliverHome,
      { status, followers: followers.map(({ accountId, reblogs }) => ({ accountId, reblogs })) },
      { jobId: `home-deliver:${status.id}:${batchKey}` },
    );
  }

  /**
   * A direct status only to followers it mentions, a reblog only to followers who take the
   * reblogger's reblogs and to a feed only when it does not show the shared status already; none
   * to a follower keeping the author in an exclusive list. Each feed it went to streams it.
   */
  async toFollowers(status: DeliveredStatus, followers: readonly HomeFollower[]): Promise<void> {
    const message = { event: 'update' as const, statusId: status.id };
    const { reblogOfId } = status;
    const mentioned = new Set(status.mentions);
    const wanted = followers
      .filter((f) => (status.visibility === 'direct' ? mentioned.has(f.accountId) : true))
      .filter((f) => reblogOfId === null || f.reblogs)
      .map((f) => f.accountId);
    const recipients = await this.withoutExclusiveLists(status.accountId, wanted);
    if (reblogOfId) {
      this.streams.toUsers(await this.feeds.addReblog(recipients, status.id, reblogOfId), message);
    } else {
      await this.feeds.add(recipients, [status.id]);
      this.streams.toUsers(recipients, message);
    }
  }

  /** Followers who keep the author in an exclusive list see its statuses there, not at home (Mastodon 4.2). */
  async withoutExclusiveLists(authorId: string, followerIds: string[]): Promise<string[]> {
    if (!followerIds.length) return followerIds;
    const { ownerIds } = await this.bus.request(contracts.accounts.lists.filterExclusiveOwners, {
      accountId: authorId,
      ownerIds: followerIds,
    });
    if (!ownerIds.length) return followerIds;
    const excluded = new Set(ownerIds);
    return followerIds.filter((id) => !excluded.has(id));
  }
}
