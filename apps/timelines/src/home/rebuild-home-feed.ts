import { Inject, Injectable } from '@nestjs/common';
import { contracts, HOME_FEED_SIZE } from '@mammut/contracts';
import { BUS, type Bus, RUNTIME, type Runtime } from '@mammut/platform';
import { TimelinesJobs } from '../jobs/timelines-jobs';
import { HomeFeeds } from './home-feeds';

const rebuildHome = contracts.timelines.feeds.jobs.rebuildHome;
/** Followed accounts asked for per bus request. */
const FOLLOWED_PER_PAGE = 1000;
/** Authors read in one statuses query (one index range per author). */
const AUTHORS_PER_QUERY = 200;

type Followed = { accountId: string; reblogs: boolean; exclusive: boolean };
type FeedStatus = { id: string; accountId: string; reblogOfId: string | null };

/** Decimal ids, newest first. */
const newestFirst = (a: FeedStatus, b: FeedStatus): number =>
  b.id.length - a.id.length || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * Regenerates a home feed Redis lost (flushed, evicted: Redis holds nothing that cannot be
 * rebuilt), as Mastodon's RegenerationWorker and FeedManager#populate_home do: the account's own
 * newest statuses and those of the accounts it follows (public, unlisted and private ones, and
 * any that mention it), merged newest first up to the feed's size, under fan-out's rules (no
 * reblogs of an account whose reblogs the follower turned off, nothing of an account it keeps in
 * an exclusive list, one entry per shared status). Visibility, blocks and mutes are checked again
 * when the feed is read, as for everything fan-out writes.
 *
 * A reader whose feed is missing waits for the rebuild when it follows few enough accounts; for
 * more, the rebuild is a job and the reader gets what is there, told it is partial (Mastodon's
 * 206 while regenerating). A built feed is marked whole even when empty, so an account following
 * nobody is not rebuilt on every read.
 */
@Injectable()
export class RebuildHomeFeed {
  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    private readonly feeds: HomeFeeds,
    private readonly jobs: TimelinesJobs,
  ) {}

  async start(): Promise<void> {
    await this.jobs.work(rebuildHome, ({ accountId }) => this.execute(accountId), {
      maxAttempts: 5,
      backoffMs: [1000, 10_000, 60_000],
      concurrency: 2,
    });
  }

  /** Makes sure the feed can be read; answers whether it is still being rebuilt in the background. */
  async ensure(accountId: string): Promise<{ regenerating: boolean }> {
    if (await this.feeds.whole(accountId)) return { regenerating: false };
    const inline = this.runtime.config.feeds.rebuildInlineFollowing;
    const followed = await this.followed(accountId, inline + 1);
    if (followed.length <= inline) {
      await this.rebuild(accountId, followed);
      return { regenerating: false };
    }
    // Reads while it runs ask again, and JetStream drops the repeats as duplicates of this id.
    await this.jobs.enqueue(rebuildHome, { accountId }, { jobId: `home-rebuild:${accountId}` });
    return { regenerating: true };
  }

  /** Rebuilds the feed now, however many accounts it follows. */
  async execute(accountId: string): Promise<void> {
    await this.rebuild(accountId, await this.followed(accountId, Number.MAX_SAFE_INTEGER));
  }

  private async rebuild(accountId: string, followed: readonly Followed[]): Promise<void> {
    // Its own statuses, whatever their visibility, as fan-out gives them to their author.
    let merged = await this.statuses([accountId], {
      visibilities: ['public', 'unlisted', 'private', 'direct'],
      mentioning: null,
      withoutReblogsBy: [],
      sinceId: null,
    });
    const sources = followed.filter((f) => !f.exclusive);
    for (let i = 0; i < sources.length; i += AUTHORS_PER_QUERY) {
      const batch = sources.slice(i, i + AUTHORS_PER_QUERY);
      const found = await this.statuses(
        batch.map((f) => f.accountId),
        {
          visibilities: ['public', 'unlisted', 'private'],
          mentioning: accountId,
          withoutReblogsBy: batch.filter((f) => !f.reblogs).map((f) => f.accountId),
          // Once the feed is full, only what is newer than its oldest can still get in.
          sinceId: merged.length >= HOME_FEED_SIZE ? merged[HOME_FEED_SIZE - 1].id : null,
        },
      );
      merged = [...merged, ...found].sort(newestFirst).slice(0, HOME_FEED_SIZE);
    }
    await this.feeds.fill(accountId, merged);
  }

  private async statuses(
    accountIds: string[],
    filter: {
      visibilities: ('public' | 'unlisted' | 'private' | 'direct')[];
      mentioning: string | null;
      withoutReblogsBy: string[];
      sinceId: string | null;
    },
  ): Promise<FeedStatus[]> {
    const { statuses } = await this.bus.request(contracts.statuses.statuses.listStatusesByAuthors, {
      accountIds,
      ...filter,
      limit: HOME_FEED_SIZE,
    });
    return statuses;
  }

  /** The accounts it follows, at most `max` of them. */
  private async followed(accountId: string, max: number): Promise<Followed[]> {
    const all: Followed[] = [];
    let after: string | null = null;
    for (;;) {
      const limit = Math.min(FOLLOWED_PER_PAGE, max - all.length);
      if (limit <= 0) return all;
      const { followed }: { followed: Followed[] } = await this.bus.request(
        contracts.accounts.relationships.listFollowedAccounts,
        { accountId, after, limit },
      );
      all.push(...followed);
      if (followed.length < limit) return all;
      after = followed[followed.length - 1].accountId;
    }
  }
}
