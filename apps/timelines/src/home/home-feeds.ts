import { Inject, Injectable } from '@nestjs/common';
import { HOME_FEED_SIZE, type PageRequest } from '@mammut/contracts';
import { REDIS } from '@mammut/platform';
import type { Redis } from 'ioredis';

/** Ids are 64-bit: as sorted-set scores (doubles) they would lose their low bits and their order. */
const WIDTH = 20;
const member = (id: string): string => id.padStart(WIDTH, '0');
const idOf = (stored: string): string => stored.replace(/^0+(?=\d)/, '');
/**
 * The member that marks a feed as whole: above every id (20 nines, past 2^64), so trimming, which
 * drops the lowest, never takes it, and pages stop below it. It lives in the feed's own key, so
 * whatever loses the feed (a flush, an eviction) loses the mark with it.
 */
export const WHOLE_FEED_MARK = '9'.repeat(WIDTH);

/** The Redis keys of feeds, one builder for every kind. */
export const feedKey = {
  home: (accountId: string): string => `feed:home:${accountId}`,
  list: (listId: string): string => `feed:list:${listId}`,
} as const;

/**
 * Adds a reblog to one feed unless the feed already shows the status it shares, itself or through
 * an earlier reblog (Mastodon's reblog tracking). KEYS: the feed, its reblog index (shared status →
 * reblog); ARGV: reblog member, shared member, feed size. The index is trimmed with the feed: it
 * never holds more than twice the feed's size.
 */
const ADD_REBLOG = `
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], 0, ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[3]) - 1)
if redis.call('HLEN', KEYS[2]) > 2 * tonumber(ARGV[3]) then redis.call('DEL', KEYS[2]) end
return 1`;

/** Takes a reblog out of one feed and its index. KEYS as ADD_REBLOG; ARGV: reblog member, shared member. */
const REMOVE_REBLOG = `
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[2]) end
return 1`;

interface FeedScripts {
  feedAddReblog(feed: string, index: string, reblog: string, shared: string, size: number): unknown;
  feedRemoveReblog(feed: string, index: string, reblog: string, shared: string): unknown;
}

/**
 * Feeds in Redis, one sorted set of status ids per owner (an account's home, a list), newest
 * last, at most HOME_FEED_SIZE. Ids are stored zero-padded with one score, so Redis orders them
 * exactly as numbers and pages them by range (`max_id`, `since_id`, `min_id`) without a float.
 */
export class StatusFeeds {
  constructor(
    protected readonly redis: Redis,
    protected readonly key: (ownerId: string) => string,
  ) {
    if (!('feedAddReblog' in redis)) {
      redis.defineCommand('feedAddReblog', { numberOfKeys: 2, lua: ADD_REBLOG });
      redis.defineCommand('feedRemoveReblog', { numberOfKeys: 2, lua: REMOVE_REBLOG });
    }
  }

  protected reblogIndex(ownerId: string): string {
    return `${this.key(ownerId)}:reblogs`;
  }

  /** Adds a reblog to several feeds, each unless it already shows the shared status; answers those it went to. */
  async addReblog(ownerIds: readonly string[], reblogId: string, sharedId: string): Promise<string[]> {
    if (!ownerIds.length) return [];
    const pipeline = this.redis.pipeline();
    const scripts = pipeline as unknown as FeedScripts;
    for (const ownerId of ownerIds) {
      scripts.feedAddReblog(
        this.key(ownerId),
        this.reblogIndex(ownerId),
        member(reblogId),
        member(sharedId),
        HOME_FEED_SIZE,
      );
    }
    const results = (await pipeline.exec()) ?? [];
    return ownerIds.filter((_, i) => results[i]?.[1] === 1);
  }

  /** Takes a reblog out of several feeds. */
  async removeReblog(ownerIds: readonly string[], reblogId: string, sharedId: string): Promise<void> {
    if (!ownerIds.length) return;
    const pipeline = this.redis.pipeline();
    const scripts = pipeline as unknown as FeedScripts;
    for (const ownerId of ownerIds)
      scripts.feedRemoveReblog(
        this.key(ownerId),
        this.reblogIndex(ownerId),
        member(reblogId),
        member(sharedId),
      );
    await pipeline.exec();
  }

  /** Adds statuses to several feeds at once, trimming each to its size. */
  async add(ownerIds: readonly string[], statusIds: readonly string[]): Promise<void> {
    if (!ownerIds.length || !statusIds.length) return;
    const pipeline = this.redis.pipeline();
    const members = statusIds.flatMap((id) => [0, member(id)] as const);
    for (const ownerId of ownerIds) {
      pipeline.zadd(this.key(ownerId), ...members);
      pipeline.zremrangebyrank(this.key(ownerId), 0, -HOME_FEED_SIZE - 1);
    }
    await pipeline.exec();
  }

  async remove(ownerIds: readonly string[], statusIds: readonly string[]): Promise<void> {
    if (!ownerIds.length || !statusIds.length) return;
    const pipeline = this.redis.pipeline();
    for (const ownerId of ownerIds) pipeline.zrem(this.key(ownerId), ...statusIds.map(member));
    await pipeline.exec();
  }

  /** Forgets whole feeds. */
  async drop(ownerIds: readonly string[]): Promise<void> {
    if (ownerIds.length) await this.redis.del(...ownerIds.map(this.key));
  }

  /** A page of a feed, newest first. */
  async page(ownerId: string, page: PageRequest): Promise<string[]> {
    const { command, args, reversed } = this.pageRange(ownerId, page);
    return this.pageOf((await this.redis.call(command, ...args)) as string[], reversed);
  }

  /**
   * The range command reading a page: newest first below `max_id` (and above `since_id`), or,
   * for `min_id`, the page just above it, oldest first from Redis, handed back newest first.
   */
  protected pageRange(
    ownerId: string,
    page: PageRequest,
  ): { command: string; args: (string | number)[]; reversed: boolean } {
    const key = this.key(ownerId);
    const below = `(${page.maxId ? member(page.maxId) : WHOLE_FEED_MARK}`;
    if (page.minId !== undefined)
      return {
        command: 'zrangebylex',
        args: [key, `(${member(page.minId)}`, below, 'LIMIT', 0, page.limit],
        reversed: true,
      };
    const above = page.sinceId ? `(${member(page.sinceId)}` : '-';
    return { command: 'zrevrangebylex', args: [key, below, above, 'LIMIT', 0, page.limit], reversed: false };
  }

  protected pageOf(stored: readonly string[], reversed: boolean): string[] {
    const ids = stored.map(idOf);
    return reversed ? ids.reverse() : ids;
  }
}

/**
 * Home feeds (`feed:home:<account>`). A feed is whole once built from statuses (marked so inside
 * its key); fan-out after a loss only adds to what is left, which is no feed to answer from.
 */
@Injectable()
export class HomeFeeds extends StatusFeeds {
  constructor(@Inject(REDIS) redis: Redis) {
    super(redis, feedKey.home);
  }

  /** Whether the feed is there and whole; an empty feed that was built is. */
  async whole(accountId: string): Promise<boolean> {
    return (await this.redis.zscore(this.key(accountId), WHOLE_FEED_MARK)) !== null;
  }

  /**
   * A page of the feed and whether the feed is whole, in one round trip (every home timeline read
   * asks both): the page, or null when the feed is not whole and must be built first.
   */
  async wholePage(accountId: string, page: PageRequest): Promise<string[] | null> {
    const { command, args, reversed } = this.pageRange(accountId, page);
    const results = await this.redis
      .pipeline()
      .zscore(this.key(accountId), WHOLE_FEED_MARK)
      .call(command, ...args)
      .exec();
    const [[markError, mark], [pageError, stored]] = results ?? [
      [null, null],
      [null, []],
    ];
    if (markError) throw markError;
    if (pageError) throw pageError;
    return mark === null ? null : this.pageOf(stored as string[], reversed);
  }

  /**
   * Puts rebuilt statuses (newest first) into a feed, beside whatever fan-out added meanwhile,
   * in one pipeline that marks the feed whole last, so a rebuild cut short leaves a feed that is
   * rebuilt again. Reblogs go in oldest first under the reblog rule of fan-out, after the
   * statuses they may share; the reblog index starts again with them (what it held may have
   * outlived the feed, and would keep their reblogs out).
   */
  async fill(
    accountId: string,
    statuses: readonly { id: string; reblogOfId: string | null }[],
  ): Promise<void> {
    const key = this.key(accountId);
    const pipeline = this.redis.pipeline();
    pipeline.del(this.reblogIndex(accountId));
    const originals = statuses.filter((s) => s.reblogOfId === null);
    if (originals.length) pipeline.zadd(key, ...originals.flatMap((s) => [0, member(s.id)] as const));
    pipeline.zremrangebyrank(key, 0, -HOME_FEED_SIZE - 1);
    const scripts = pipeline as unknown as FeedScripts;
    for (const { id, reblogOfId } of [...statuses].reverse()) {
      if (reblogOfId !== null)
        scripts.feedAddReblog(
          key,
          this.reblogIndex(accountId),
          member(id),
          member(reblogOfId),
          HOME_FEED_SIZE,
        );
    }
    pipeline.zadd(key, 0, WHOLE_FEED_MARK);
    await pipeline.exec();
  }
}
