import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import type { Config } from '../config/config';
import type { Namespace } from '@mammut/contracts';
import { Bus } from '../bus/bus';
import { BusServer } from '../bus/bus-server';
import { logger } from '../logging/logger';
import { createMetrics, type Metrics } from '../metrics/metrics';

/** The process-wide connections every service module shares: one NATS, one Redis. */
export interface Runtime {
  readonly config: Config;
  readonly nats: NatsConnection;
  readonly bus: Bus;
  readonly redis: Redis;
  /** What `/metrics` serves on the health listener; off (no-ops) without HEALTH_PORT. */
  readonly metrics: Metrics;
  /**
   * The transport strategy that serves `namespaces` on the bus (`connectMicroservice` or
   * `createMicroservice`); co-located callers of this runtime's `bus` are answered in process.
   */
  busServer(namespaces: Namespace[], options?: { subscribe?: boolean }): BusServer;
  close(): Promise<void>;
}

export async function createRuntime(config: Config, name: string): Promise<Runtime> {
  const log = logger('platform:runtime');
  const nats = await connect({ servers: config.natsUrl, name: `mammut-${name}`, maxReconnectAttempts: -1 });
  const metrics = await createMetrics(config, name, nats);
  const bus = new Bus(nats, {
    prefix: config.natsPrefix,
    timeoutMs: config.busTimeoutMs,
    inProcess: config.busInProcess,
    metrics,
  });
  const redis = new Redis(config.redisUrl, {
    keyPrefix: config.redisPrefix || undefined,
    maxRetriesPerRequest: 2,
    // A stalled (not disconnected) Redis must not stall requests: commands give up after a second.
    commandTimeout: 1000,
    lazyConnect: false,
  });
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis error'));
  let closed = false;
  return {
    config,
    nats,
    bus,
    redis,
    metrics,
    busServer: (namespaces, options = {}) =>
      new BusServer({
        nats,
        prefix: config.natsPrefix,
        local: bus.local,
        serves: namespaces,
        metrics,
        ...options,
      }),
    async close() {
      if (closed) return;
      closed = true;
      await nats.drain().catch(() => undefined);
      await redis.quit().catch(() => undefined);
      await metrics.shutdown().catch(() => undefined);
    },
  };
}
