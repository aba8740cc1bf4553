import { Inject, Injectable } from '@nestjs/common';
import { ContractError } from '@mammut/contracts';
import { REDIS } from '@mammut/platform';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long an `Idempotency-Key` names what it made (Mastodon: one hour). */
const IDEMPOTENCY_SECONDS = 3600;
const PENDING = 'pending';

/**
 * Mastodon's `Idempotency-Key` for posting: one author's key makes one thing (a status, or a
 * scheduled status) for an hour, even when the same request arrives twice at once, and a repeat
 * answers what the first one made. Statuses and scheduled statuses share the key space, as
 * Mastodon's `idempotency:status:<account>:<key>` does.
 */
@Injectable()
export class PostingIdempotency {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** `make`s once per author and key (always without a key); `find` reads back what the first request made. */
  async once<T extends { id: string }>(
    accountId: string,
    idempotencyKey: string | null,
    make: () => Promise<T>,
    find: (id: string) => Promise<T | undefined>,
  ): Promise<T> {
    if (!idempotencyKey) return make();
    const key = `idempotency:status:${accountId}:${idempotencyKey}`;
    const claimed = await this.redis.set(key, PENDING, 'EX', IDEMPOTENCY_SECONDS, 'NX');
    if (claimed !== 'OK') return this.earlier(key, find);
    try {
      const made = await make();
      await this.redis.set(key, made.id, 'EX', IDEMPOTENCY_SECONDS);
      return made;
    } catch (error) {
      await this.redis.del(key);
      throw error;
    }
  }

  /** What an earlier request with the same key made, once it is made. */
  private async earlier<T>(key: string, find: (id: string) => Promise<T | undefined>): Promise<T> {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const value = await this.redis.get(key);
      if (value !== PENDING) {
        const made = value ? await find(value) : undefined;
        if (made) return made;
        throw new ContractError('unavailable', 'The request with this Idempotency-Key did not complete');
      }
      await sleep(100);
    }
    throw new ContractError('unavailable', 'A request with this Idempotency-Key is still in progress');
  }
}
