import { ContractError } from '@mammut/contracts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NatsConnection } from 'nats';
import type { Config } from '../config/config';

/** Which end of a bus request a duration was measured at. */
export type BusSide = 'client' | 'server';

/**
 * The metrics of one process, scraped as Prometheus text from `/metrics` on its health listener
 * (HEALTH_PORT): request durations recorded as they happen, and gauges read at each scrape.
 */
export interface Metrics {
  /**
   * False when nothing could scrape them (HEALTH_PORT unset, the CLI): every record is a no-op,
   * and hot paths skip even reading the clock.
   */
  readonly enabled: boolean;
  /** One HTTP request the gateway answered, under its route template (`/api/v1/statuses/:id`). */
  recordHttpRequest(route: string, method: string, status: number, seconds: number): void;
  /** One bus request, by contract subject, ended `ok` or with its contract error code. */
  recordBusRequest(side: BusSide, subject: string, outcome: string, seconds: number): void;
  /** Answers a scrape with everything recorded and the gauges as they are now. */
  serve(request: IncomingMessage, response: ServerResponse): void;
  shutdown(): Promise<void>;
}

export const disabledMetrics: Metrics = {
  enabled: false,
  recordHttpRequest: () => undefined,
  recordBusRequest: () => undefined,
  serve: (_request, response) => void response.writeHead(404).end(),
  shutdown: () => Promise.resolve(),
};

/**
 * The metrics of a process named `processName` (`gateway`, `accounts`, `all-in-one`): on when it
 * has a health listener to serve them from, else `disabledMetrics`. The OpenTelemetry metrics SDK
 * is loaded only then. The gauges read the outbox relays and JetStream workers running on `nats`.
 */
export async function createMetrics(
  config: Pick<Config, 'healthPort' | 'telemetry'>,
  processName: string,
  nats: NatsConnection,
): Promise<Metrics> {
  if (!config.healthPort) return disabledMetrics;
  const { prometheusMetrics } = await import('./prometheus');
  return prometheusMetrics(config.telemetry, processName, nats);
}

/** How a bus request ended, as a label: `ok`, or its contract error code (`internal` for anything else). */
export const busOutcome = (error?: unknown): string =>
  error === undefined ? 'ok' : error instanceof ContractError ? error.code : 'internal';

/** Runs one bus request, recording its duration and outcome at `side` when metrics are on. */
export function measuredBusRequest<T>(
  metrics: Metrics,
  side: BusSide,
  subject: string,
  work: () => Promise<T>,
): Promise<T> {
  if (!metrics.enabled) return work();
  const started = performance.now();
  const record = (error?: unknown): void =>
    metrics.recordBusRequest(side, subject, busOutcome(error), (performance.now() - started) / 1000);
  return work().then(
    (answer) => {
      record();
      return answer;
    },
    (error: unknown) => {
      record(error);
      throw error;
    },
  );
}
