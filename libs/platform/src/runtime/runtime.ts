import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import type { Config } from '../config/config';
import type { Namespace } from '@mammut/contracts';
import { Bus } from '../bus/bus';
import { BusServer } from '../bus/bus-server';
import { logger } from '../logging/logger';

/** The process-wide connections every service module shares: one NATS, one Redis. */
export interface Runtime {
  readonly config: Config;
  readonly nats: NatsConnection;
  readonly bus: Bus;
  readonly redis: Redis;
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
  const bus = new Bus(nats, {
    prefix: config.natsPrefix,
    timeoutMs: config.busTimeoutMs,
    inProcess: config.busInProcess,
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
    busServer: (namespaces, options = {}) =>
      new BusServer({ nats, prefix: config.natsPrefix, local: bus.local, serves: namespaces, ...options }),
    async close() {
      if (closed) return;
      closed = true;
      await nats.drain().catch(() => undefined);
      await redis.quit().catch(() => undefined);
    },
  };
}
