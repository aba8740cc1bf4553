import { Inject, Injectable } from '@nestjs/common';
import { HOME_FEED_SIZE, type PageRequest } from '@mammut/contracts';
import { REDIS } from '@mammut/platform';
import type { Redis } from 'ioredis';

/** Ids are 64-bit: as sorted-set scores (doubles) they would lose their low bits and their order. */
const WIDTH = 20;
const member = (id: string): string => id.padStart(WIDTH, '0');
const idOf = (stored: string): string => stored.replace(/^0+(?=\d)/, '');

/**
 * Home feeds in Redis, one sorted set of status ids per account (`feed:home:<account>`), newest
 * last, at most HOME_FEED_SIZE. Ids are stored zero-padded with one score, so Redis orders them
 * exactly as numbers and pages them by range (`max_id`, `since_id`, `min_id`) without a float.
 */
@Injectable()
export class HomeFeeds {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  private key(accountId: string): string {
    return `feed:home:${accountId}`;
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
