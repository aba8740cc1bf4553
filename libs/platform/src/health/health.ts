import { Inject, Injectable, Module } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import { RUNTIME } from '../runtime/platform.module';
import type { Runtime } from '../runtime/runtime';

export type Probe = () => Promise<unknown>;

export interface HealthReport {
  readonly ok: boolean;
  /** `ok` or `down` per dependency; why a probe failed is logged by its owner, not published. */
  readonly checks: Record<string, 'ok' | 'down'>;
}

const PROBE_TIMEOUT_MS = 2_000;

function withTimeout(probe: Probe, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([probe(), timeout]).finally(() => clearTimeout(timer));
}

/**
 * The readiness probes of this process: Redis and NATS from the runtime, plus one per database a
 * hosted service registers. The all-in-one process thus checks every dependency it has; a service
 * started alone checks only its own.
 */
@Injectable()
export class HealthChecks {
  private readonly probes = new Map<string, Probe>();

  constructor(@Inject(RUNTIME) runtime: Runtime) {
    this.register('redis', () => runtime.redis.ping());
    // A flush is a PING/PONG round trip: it fails while the connection is down or reconnecting.
    this.register('nats', () => runtime.nats.flush());
  }

  register(name: string, probe: Probe): void {
    this.probes.set(name, probe);
  }

  async run(timeoutMs = PROBE_TIMEOUT_MS): Promise<HealthReport> {
    const entries = await Promise.all(
      [...this.probes].map(async ([name, probe]) => {
        try {
          await withTimeout(probe, timeoutMs);
          return [name, 'ok'] as const;
        } catch {
          return [name, 'down'] as const;
        }
      }),
    );
    return { ok: entries.every(([, state]) => state === 'ok'), checks: Object.fromEntries(entries) };
  }
}

/** Imported by every module that registers or reads probes; one HealthChecks per process. */
@Module({ providers: [HealthChecks], exports: [HealthChecks] })
export class HealthModule {}

/**
 * `/health` and `/health/ready` for a service started alone, which has no gateway: Kubernetes
 * probes it on HEALTH_PORT. Plain node:http, so it keeps answering while Nest is busy starting.
 */
export function serveHealth(checks: HealthChecks, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0].replace(/\/+$/, '');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
    } else if (path === '/health') {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('OK');
    } else if (path === '/health/ready') {
      void checks.run().then((report) => {
        response
          .writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json; charset=utf-8' })
          .end(JSON.stringify(report));
      });
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
