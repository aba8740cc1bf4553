import {
  type INestApplicationContext,
  Inject,
  Injectable,
  Module,
  type Provider,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorFunction,
  type HealthIndicatorResult,
  HealthIndicatorService,
  TerminusModule,
} from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { createServer, type Server } from 'node:http';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import { logger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import { REDIS, RUNTIME } from '../runtime/platform.module';
import type { Runtime } from '../runtime/runtime';

/** How long a dependency may take to answer a readiness probe before it counts as down. */
export const PROBE_TIMEOUT_MS = 2_000;

const log = logger('platform:health');

/** What `work` answers, or a rejection once `ms` passed without one (the timer cleared either way). */
export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A terminus indicator over one round trip to a dependency: `up` when it answers in time, `down`
 * otherwise. Why it failed is logged here, never published: readiness is reachable from outside.
 */
abstract class RoundTripIndicator {
  constructor(private readonly indicators: HealthIndicatorService) {}

  protected async roundTrip(
    key: string,
    probe: () => Promise<unknown>,
    timeoutMs: number,
  ): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(probe(), timeoutMs);
      return indicator.up();
    } catch (err) {
      log.warn({ err, check: key }, 'readiness check failed');
      return indicator.down();
    }
  }
}

/** Redis answers a PING. */
@Injectable()
export class RedisHealthIndicator extends RoundTripIndicator {
  constructor(
    indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    super(indicators);
  }

  pingCheck(key: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<HealthIndicatorResult> {
    return this.roundTrip(key, () => this.redis.ping(), timeoutMs);
  }
}

/** NATS answers a flush (a PING/PONG round trip): it fails while the connection is down or reconnecting. */
@Injectable()
export class NatsHealthIndicator extends RoundTripIndicator {
  constructor(
    indicators: HealthIndicatorService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {
    super(indicators);
  }

  pingCheck(key: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<HealthIndicatorResult> {
    return this.roundTrip(key, () => this.runtime.nats.flush(), timeoutMs);
  }
}

/** A service's PostgreSQL answers `SELECT 1` on that service's own pool. */
@Injectable()
export class PostgresHealthIndicator extends RoundTripIndicator {
  // Declared, not inherited: Nest reads the parameter types of the decorated class itself.
  constructor(indicators: HealthIndicatorService) {
    super(indicators);
  }

  pingCheck(
    key: string,
    dataSource: DataSource,
    timeoutMs = PROBE_TIMEOUT_MS,
  ): Promise<HealthIndicatorResult> {
    return this.roundTrip(key, () => dataSource.query('SELECT 1'), timeoutMs);
  }
}

/** Terminus' report, and whether it is ready (200) or not (503). */
export interface Readiness {
  readonly ready: boolean;
  readonly result: HealthCheckResult;
}

/**
 * The readiness indicators of this process: Redis and NATS from the runtime, plus one per
 * database a hosted service registers (`<service>.postgres`). The all-in-one process thus checks
 * every dependency it has; a service started alone checks only its own.
 */
@Injectable()
export class HealthChecks {
  private readonly indicators = new Map<string, HealthIndicatorFunction>();

  constructor(
    private readonly health: HealthCheckService,
    redis: RedisHealthIndicator,
    nats: NatsHealthIndicator,
  ) {
    this.register('redis', () => redis.pingCheck('redis'));
    this.register('nats', () => nats.pingCheck('nats'));
  }

  /** Adds (or replaces) the indicator reporting under `key`. */
  register(key: string, indicator: HealthIndicatorFunction): void {
    this.indicators.set(key, indicator);
  }

  /** Every indicator at once; not ready when one is down, or while the process shuts down. */
  async readiness(): Promise<Readiness> {
    try {
      return { ready: true, result: await this.health.check([...this.indicators.values()]) };
    } catch (error) {
      // Terminus reports a failed check as a 503 exception carrying the whole result.
      if (error instanceof ServiceUnavailableException) {
        return { ready: false, result: error.getResponse() as HealthCheckResult };
      }
      throw error;
    }
  }
}

/**
 * Imported by every module that registers or reads indicators; one HealthChecks per process.
 * Terminus logs nothing itself: each indicator logs why its dependency is down.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [HealthChecks, RedisHealthIndicator, NatsHealthIndicator, PostgresHealthIndicator],
  exports: [HealthChecks, PostgresHealthIndicator],
})
export class HealthModule {}

/**
 * The health listener on HEALTH_PORT: `/health` and `/health/ready` for Kubernetes' probes of a
 * service started alone, which has no gateway, and `/metrics` for Prometheus in every process
 * (the gateway and the all-in-one process open it too). A plain node:http listener beside the Nest
 * context, answering from the same terminus checks as the gateway; `/health` touches no dependency.
 */
export function serveHealth(
  checks: HealthChecks,
  metrics: Metrics,
  port: number,
  host: string,
): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0].replace(/\/+$/, '');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
    } else if (path === '/metrics') {
      metrics.serve(request, response);
    } else if (path === '/health') {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('OK');
    } else if (path === '/health/ready') {
      checks.readiness().then(
        ({ ready, result }) =>
          response
            .writeHead(ready ? 200 : 503, {
              'content-type': 'application/json; charset=utf-8',
              'cache-control': 'no-store',
            })
            .end(JSON.stringify(result)),
        (err: unknown) => {
          log.error({ err }, 'readiness failed');
          response.writeHead(500).end();
        },
      );
    } else {
      response.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ error: 'Record not found' }));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * The health listener of a process (gateway, service alone or all in one) on HEALTH_PORT, from its
 * Nest context's checks and its runtime's metrics; nothing when HEALTH_PORT is 0. `close` drains it.
 */
export async function openHealthListener(
  app: Pick<INestApplicationContext, 'get'>,
  metrics: Metrics,
  config: Pick<Config, 'healthPort' | 'host'>,
): Promise<{ close(): Promise<void> }> {
  if (!config.healthPort) return { close: () => Promise.resolve() };
  const server = await serveHealth(app.get(HealthChecks), metrics, config.healthPort, config.host);
  return { close: () => new Promise<void>((done) => server.close(() => done())) };
}

/**
 * The provider that puts a hosted service's own PostgreSQL among the readiness indicators, under
 * `<service>.postgres`: a process that cannot reach it cannot answer for that service.
 */
export function postgresReadiness(service: string, database: symbol): Provider {
  const key = `${service}.postgres`;
  return {
    provide: Symbol(`${key} readiness`),
    inject: [database, HealthChecks, PostgresHealthIndicator],
    useFactory: (dataSource: DataSource, checks: HealthChecks, postgres: PostgresHealthIndicator): string => {
      checks.register(key, () => postgres.pingCheck(key, dataSource));
      return key;
    },
  };
}
