import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, RUNTIME, type Runtime } from '@mammut/platform';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { FEDERATION_DB } from '../database/federation-database';

/** Distinct days of failures after which a host is unavailable (Mastodon's FAILURE_DAYS_THRESHOLD). */
export const FAILURE_DAYS_THRESHOLD = 7;
/** Failures in a row that open a host's circuit (Mastodon's Stoplight threshold). */
export const CIRCUIT_THRESHOLD = 10;
/** How long an open circuit refuses requests before one is tried again (Stoplight cool-off). */
export const CIRCUIT_COOL_OFF_MS = 60_000;
/** How long this replica trusts its copy of the unavailable domains (another replica may change them). */
const UNAVAILABLE_TTL_MS = 30_000;
/** Failure days are kept a little longer than the threshold needs. */
const FAILURE_DAYS_TTL_S = (FAILURE_DAYS_THRESHOLD + 3) * 86_400;

/** The host (with port) of a URL, lower-cased; the key of everything here. */
export const hostOf = (url: string): string => new URL(url).host.toLowerCase();

/**
 * What deliveries know about each remote host (Mastodon's DeliveryFailureTracker and Stoplight):
 * a circuit per host that opens after 10 failures in a row and stays open a minute, so a dead
 * server costs no connection attempts while it is down; the days on which deliveries to it
 * failed, and after failures on 7 distinct days the host is unavailable and nothing more is sent
 * to it. Any success, or a signed request from the host, makes it available again. Counters are
 * in Redis (every replica shares them), the unavailable domains in PostgreSQL. Days are read from
 * the injected CLOCK, so a test can move a week on without waiting one.
 */
@Injectable()
export class DeliveryHealth {
  private readonly redis: Redis;
  private unavailable?: { hosts: Set<string>; readAt: number };

  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(FEDERATION_DB) private readonly db: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.redis = runtime.redis;
  }

  async isAvailable(host: string): Promise<boolean> {
    return !(await this.unavailableHosts()).has(host);
  }

  /** The hosts marked unavailable, as this replica last read them. */
  async unavailableHosts(): Promise<ReadonlySet<string>> {
    const clock = this.clock.millis();
    if (!this.unavailable || Math.abs(clock - this.unavailable.readAt) > UNAVAILABLE_TTL_MS) {
      const rows: { domain: string }[] = await this.db.query(
        `SELECT domain FROM federation.unavailable_domains`,
      );
      this.unavailable = { hosts: new Set(rows.map((row) => row.domain)), readAt: clock };
    }
    return this.unavailable.hosts;
  }

  /** Whether requests to the host should wait: its circuit is open. */
  async circuitOpen(host: string): Promise<boolean> {
    return (await this.redis.exists(`federation:circuit:${host}:open`)) === 1;
  }

  /** A delivery failed (network, timeout, 5xx, 429) `at` a time: the circuit counts it, and its day is a failure day. */
  async recordFailure(host: string, at = this.clock.now()): Promise<void> {
    const failures = `federation:circuit:${host}:failures`;
    const results = await this.redis
      .multi()
      .incr(failures)
      .pexpire(failures, CIRCUIT_COOL_OFF_MS * 5)
      .exec();
    if (Number(results?.[0]?.[1] ?? 0) >= CIRCUIT_THRESHOLD)
      await this.redis.set(`federation:circuit:${host}:open`, '1', 'PX', CIRCUIT_COOL_OFF_MS);
    await this.recordFailureDay(host, at);
  }

  /**
   * A delivery did not reach the host `at` a time, its circuit open: the day counts, the circuit's
   * count does not (Mastodon tracks a failure for every job its Stoplight refuses too, so a host
   * that stays down keeps adding days while its circuit spares it the requests).
   */
  async recordFailureDay(host: string, at = this.clock.now()): Promise<void> {
    const days = `federation:failure_days:${host}`;
    const results = await this.redis
      .multi()
      .sadd(days, at.toISOString().slice(0, 10))
      .expire(days, FAILURE_DAYS_TTL_S)
      .scard(days)
      .exec();
    const distinctDays = Number(results?.[2]?.[1] ?? 0);
    if (distinctDays >= FAILURE_DAYS_THRESHOLD) {
      await this.db.query(
        `INSERT INTO federation.unavailable_domains (domain) VALUES ($1) ON CONFLICT DO NOTHING`,
        [host],
      );
      this.unavailable?.hosts.add(host);
    }
  }

  /** The days (`YYYY-MM-DD`, sorted) on which deliveries to the host failed since it last answered: what an operator reads. */
  async failureDays(host: string): Promise<string[]> {
    return (await this.redis.smembers(`federation:failure_days:${host}`)).sort();
  }

  /** The host answered (even with a refusal): it is up; its counters and any unavailability go. */
  async recordSuccess(host: string): Promise<void> {
    await this.redis.del(
      `federation:circuit:${host}:failures`,
      `federation:circuit:${host}:open`,
      `federation:failure_days:${host}`,
    );
    if ((await this.unavailableHosts()).has(host)) await this.makeAvailable(host);
  }

  /**
   * A signed request arrived from the host (Mastodon's track_inverse_success!): it is up. Costs
   * nothing when the host is not marked unavailable, so every inbound activity may call it.
   */
  async heardFrom(host: string): Promise<void> {
    if ((await this.unavailableHosts()).has(host)) await this.recordSuccess(host);
  }

  private async makeAvailable(host: string): Promise<void> {
    await this.db.query(`DELETE FROM federation.unavailable_domains WHERE domain = $1`, [host]);
    this.unavailable?.hosts.delete(host);
  }
}
