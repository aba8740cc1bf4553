import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import type { Config } from '../config/config';
import { Bus } from '../bus/bus';
import { logger } from '../logging/logger';

/** The process-wide connections every service module shares: one NATS, one Redis. */
export interface Runtime {
  readonly config: Config;
  readonly nats: NatsConnection;
  readonly bus: Bus;
  readonly redis: Redis;
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
    async close() {
      if (closed) return;
      closed = true;
      await bus.drain();
      await nats.drain().catch(() => undefined);
      await redis.quit().catch(() => undefined);
    },
  };
}
