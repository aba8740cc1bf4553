import type { ObservableResult } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { NatsConnection } from 'nats';
import type { TelemetryConfig } from '../config/config';
import { pullingWorkers } from '../events/pull-worker';
import { withTimeout } from '../health/health';
import { runningRelays } from '../events/outbox-relay';
import { logger } from '../logging/logger';
import { telemetryResource } from '../telemetry/resource';
import type { Metrics } from './metrics';

/** Upper bounds of the HTTP duration buckets, in seconds: Prometheus' defaults. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Bus requests are mostly answered in a millisecond or two: finer at the low end. */
const BUS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** How long one gauge source (a schema's outbox, a consumer) may take before a scrape goes on without it. */
const GAUGE_READ_TIMEOUT_MS = 2_000;

const log = logger('platform:metrics');

/**
 * The metrics of one process on OpenTelemetry's SDK, read by its Prometheus exporter's request
 * handler (the health listener serves it; the exporter opens no port of its own). The resource
 * (service name, OTEL_RESOURCE_ATTRIBUTES) is exported as `target_info`.
 */
export function prometheusMetrics(
  telemetry: TelemetryConfig,
  processName: string,
  nats: NatsConnection,
): Metrics {
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const provider = new MeterProvider({
    resource: telemetryResource(telemetry, processName),
    readers: [exporter],
  });
  const meter = provider.getMeter('@mammut/platform');
  const http = meter.createHistogram('mammut_http_request_duration_seconds', {
    description: 'HTTP requests the gateway answered, by route template, method and status class',
    unit: 's',
    advice: { explicitBucketBoundaries: HTTP_BUCKETS },
  });
  const bus = meter.createHistogram('mammut_bus_request_duration_seconds', {
    description:
      'Bus requests, by side (client: asked and waited for; server: handled), contract subject and outcome (ok or the error code)',
    unit: 's',
    advice: { explicitBucketBoundaries: BUS_BUCKETS },
  });
  meter
    .createObservableGauge('mammut_outbox_backlog', {
      description: 'Outbox rows not yet relayed to JetStream, by service schema (read at each scrape)',
    })
    .addCallback((result) =>
      observeEach(
        result,
        runningRelays(nats),
        (relay) => relay.backlog(),
        (relay) => ({
          schema: relay.schema,
        }),
      ),
    );
  meter
    .createObservableGauge('mammut_jetstream_consumer_pending', {
      description:
        'Messages a durable JetStream consumer this process pulls from has not delivered yet (num_pending, read at each scrape)',
    })
    .addCallback((result) =>
      observeEach(
        result,
        pullingWorkers(nats),
        (worker) => worker.pending(),
        (worker) => ({
          stream: worker.stream,
          consumer: worker.durable,
        }),
      ),
    );
  return {
    enabled: true,
    recordHttpRequest(route, method, status, seconds) {
      http.record(seconds, { route, method, status_class: `${Math.floor(status / 100)}xx` });
    },
    recordBusRequest(side, subject, outcome, seconds) {
      bus.record(seconds, { side, subject, outcome });
    },
    serve(request, response) {
      exporter.getMetricsRequestHandler(request, response);
    },
    shutdown: () => provider.shutdown(),
  };
}

/**
 * Reads every source at once and observes what answered in time. A source that failed or is slow
 * (PostgreSQL or NATS away) is logged and left out of this scrape rather than failing or stalling
 * the scrape of everything else; its series keeps the value last read (the SDK's cumulative
 * state), so an outage shows in the log and in readiness, not as a gauge dropping to nothing.
 */
async function observeEach<S>(
  result: ObservableResult,
  sources: readonly S[],
  read: (source: S) => Promise<number>,
  labels: (source: S) => Record<string, string>,
): Promise<void> {
  await Promise.all(
    sources.map(async (source) => {
      try {
        result.observe(await withTimeout(read(source), GAUGE_READ_TIMEOUT_MS), labels(source));
      } catch (err) {
        log.warn({ err, ...labels(source) }, 'metric not read');
      }
    }),
  );
}
