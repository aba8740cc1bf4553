import { Inject, Injectable } from '@nestjs/common';
import { HOME_FEED_SIZE, type PageRequest } from '@mammut/contracts';
import { REDIS } from '@mammut/platform';
import type { Redis } from 'ioredis';

/** Ids are 64-bit: as sorted-set scores (doubles) they would lose their low bits and their order. */
const WIDTH = 20;
const member = (id: string): string => id.padStart(WIDTH, '0');
const idOf = (stored: string): string => stored.replace(/^0+(?=\d)/, '');

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

type FeedRedis = Redis & {
  feedAddReblog(feed: string, index: string, reblog: string, shared: string, size: number): Promise<number>;
  feedRemoveReblog(feed: string, index: string, reblog: string, shared: string): Promise<number>;
};

/**
 * Home feeds in Redis, one sorted set of status ids per account (`feed:home:<account>`), newest
 * last, at most HOME_FEED_SIZE. Ids are stored zero-padded with one score, so Redis orders them
 * exactly as numbers and pages them by range (`max_id`, `since_id`, `min_id`) without a float.
 */
@Injectable()
export class HomeFeeds {
  private readonly scripts: FeedRedis;

  constructor(@Inject(REDIS) private readonly redis: Redis) {
    this.scripts = redis as FeedRedis;
    if (!('feedAddReblog' in redis)) {
      redis.defineCommand('feedAddReblog', { numberOfKeys: 2, lua: ADD_REBLOG });
      redis.defineCommand('feedRemoveReblog', { numberOfKeys: 2, lua: REMOVE_REBLOG });
    }
  }

  private key(accountId: string): string {
    return `feed:home:${accountId}`;
  }

  private reblogIndex(accountId: string): string {
    return `feed:home:${accountId}:reblogs`;
  }

  /** Adds a reblog to several feeds, each unless it already shows the shared status; answers those it went to. */
  async addReblog(accountIds: readonly string[], reblogId: string, sharedId: string): Promise<string[]> {
    if (!accountIds.length) return [];
    const pipeline = this.scripts.pipeline() as unknown as FeedRedis;
    for (const accountId of accountIds) {
      void pipeline.feedAddReblog(
        this.key(accountId),
        this.reblogIndex(accountId),
        member(reblogId),
        member(sharedId),
        HOME_FEED_SIZE,
      );
    }
    const results = (await (pipeline as unknown as ReturnType<Redis['pipeline']>).exec()) ?? [];
    return accountIds.filter((_, i) => results[i]?.[1] === 1);
  }

  /** Takes a reblog out of several feeds. */
  async removeReblog(accountIds: readonly string[], reblogId: string, sharedId: string): Promise<void> {
    if (!accountIds.length) return;
    const pipeline = this.scripts.pipeline() as unknown as FeedRedis;
    for (const accountId of accountIds) {
      void pipeline.feedRemoveReblog(
        this.key(accountId),
        this.reblogIndex(accountId),
        member(reblogId),
        member(sharedId),
      );
    }
    await (pipeline as unknown as ReturnType<Redis['pipeline']>).exec();
  }

  /** Adds statuses to several feeds at once, trimming each to its size. */
  async add(accountIds: readonly string[], statusIds: readonly string[]): Promise<void> {
    if (!accountIds.length || !statusIds.length) return;
    const pipeline = this.redis.pipeline();
    const members = statusIds.flatMap((id) => [0, member(id)] as const);
    for (const accountId of accountIds) {
      pipeline.zadd(this.key(accountId), ...members);
      pipeline.zremrangebyrank(this.key(accountId), 0, -HOME_FEED_SIZE - 1);
    }
    await pipeline.exec();
  }

  async remove(accountIds: readonly string[], statusIds: readonly string[]): Promise<void> {
    if (!accountIds.length || !statusIds.length) return;
    const pipeline = this.redis.pipeline();
    for (const accountId of accountIds) pipeline.zrem(this.key(accountId), ...statusIds.map(member));
    await pipeline.exec();
  }

  /** A page of a feed, newest first. */
  async page(accountId: string, page: PageRequest): Promise<string[]> {
    const key = this.key(accountId);
    const below = page.maxId ? `(${member(page.maxId)}` : '+';
    if (page.minId !== undefined) {
      // The page just above min_id (and below max_id), oldest first from Redis, handed back newest first.
      const ids = await this.redis.zrangebylex(key, `(${member(page.minId)}`, below, 'LIMIT', 0, page.limit);
      return ids.map(idOf).reverse();
    }
    const ids = await this.redis.zrevrangebylex(
      key,
      below,
      page.sinceId ? `(${member(page.sinceId)}` : '-',
      'LIMIT',
      0,
      page.limit,
    );
    return ids.map(idOf);
  }
}
