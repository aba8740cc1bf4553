import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { markTracingActive } from './tracing-state';
import type { Config } from '../config/config';
import { logger } from '../logging/logger';

/** The process's tracing, started (or not) once, before anything it instruments loads. */
export interface Telemetry {
  /** False when tracing is off: no SDK runs and the OpenTelemetry API stays a no-op. */
  readonly enabled: boolean;
  /** Exports what is still buffered, then stops. Call it last, after HTTP, the bus and the runtime closed. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  /**
   * Replaces the configured exporter and starts the SDK even when the configuration says `none`:
   * tests collect spans in memory through the same wiring production uses.
   */
  readonly spanProcessors?: SpanProcessor[];
}

const disabled: Telemetry = { enabled: false, shutdown: () => Promise.resolve() };

/**
 * Starts OpenTelemetry tracing for one process (`gateway`, `accounts`, `all-in-one`).
 *
 * The instrumentations patch `http`, `pg`, `ioredis` and `undici` when they are required, so this
 * must run before the application's modules load: entry points import only
 * `@mammut/platform/telemetry` statically and import the rest after this resolves. The SDK is
 * imported lazily as well, so a process with tracing off never loads it (it costs ~1 s at boot).
 */
export async function startTelemetry(
  config: Pick<Config, 'telemetry'>,
  processName: string,
  options: TelemetryOptions = {},
): Promise<Telemetry> {
  const processors = options.spanProcessors ?? (await configuredProcessors(config.telemetry));
  if (processors.length === 0) return disabled;
  const [{ NodeSDK }, http, pg, ioredis, undici, { telemetryResource, serviceName }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-ioredis'),
    import('@opentelemetry/instrumentation-undici'),
    import('./resource'),
  ]);
  const resource = telemetryResource(config.telemetry, processName);
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    spanProcessors: processors,
    instrumentations: [
      new http.HttpInstrumentation({
        // Kubernetes probes every few seconds; a trace each would bury the requests that matter.
        ignoreIncomingRequestHook: (request) => /^\/health(\/|\?|$)/.test(request.url ?? ''),
        // Credentials that ride in query strings (Doorkeeper's access_token, OAuth codes, the
        // confirmation link) must not reach the trace collector.
        redactedQueryParamsServer: [
          'access_token',
          'code',
          'code_verifier',
          'client_secret',
          'confirmation_token',
          'authenticity_token',
          'password',
        ],
      }),
      // Queries outside a traced operation (relay polling, migrations) would each be a lone root
      // trace; bound parameters stay out of spans because they carry user data.
      new pg.PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      new ioredis.IORedisInstrumentation({ requireParentSpan: true }),
      new undici.UndiciInstrumentation({ requireParentforSpans: true }),
    ],
    // Traces only: left unset, NodeSDK would also start OTLP metric and log exporters from the environment.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  markTracingActive();
  const log = logger('platform:telemetry');
  log.info(
    {
      serviceName: serviceName(config.telemetry, processName),
      exporter: options.spanProcessors ? 'custom' : config.telemetry.tracesExporter,
    },
    'tracing on',
  );
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown() {
      stopped ??= sdk.shutdown().catch((err: unknown) => log.warn({ err }, 'telemetry shutdown failed'));
      return stopped;
    },
  };
}

async function configuredProcessors(config: Config['telemetry']): Promise<SpanProcessor[]> {
  switch (config.tracesExporter) {
    case 'none':
      return [];
    case 'console': {
      const { ConsoleSpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
      return [new SimpleSpanProcessor(new ConsoleSpanExporter())];
    }
    case 'otlp': {
      const [{ BatchSpanProcessor }, { OTLPTraceExporter }] = await Promise.all([
        import('@opentelemetry/sdk-trace-base'),
        import('@opentelemetry/exporter-trace-otlp-proto'),
      ]);
      return [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.otlpEndpoint}/v1/traces` }))];
    }
  }
}
