import { initLogging, loadConfig, startTelemetry } from '@mammut/platform/telemetry';
import type { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * A test system with tracing on, run in a child process by `tracing.e2e.spec.ts` (preloaded with
 * `swc-register.js`): the instrumentations hook Node's `require`, which jest's module registry
 * never calls, so they can only patch http and pg outside jest. It starts telemetry exactly as
 * the entry points do (before the rest is imported), only with an in-memory exporter, and answers
 * the parent over IPC.
 */

export interface SpanRecord {
  readonly name: string;
  readonly kind: SpanKind;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  /** True when the parent came from another process (HTTP or NATS headers). */
  readonly parentIsRemote: boolean;
  readonly scope: string;
  readonly attributes: Record<string, unknown>;
  readonly status: { readonly code: SpanStatusCode; readonly message?: string };
}

export type ChildMessage =
  | {
      readonly type: 'ready';
      readonly url: string;
      readonly databaseUrl: string;
      readonly natsPrefix: string;
    }
  | { readonly type: 'spans'; readonly spans: SpanRecord[] }
  | { readonly type: 'failed'; readonly message: string };

export type ParentMessage = { readonly type: 'spans' } | { readonly type: 'stop' };

const toRecord = (span: ReadableSpan): SpanRecord => ({
  name: span.name,
  kind: span.kind,
  traceId: span.spanContext().traceId,
  spanId: span.spanContext().spanId,
  parentSpanId: span.parentSpanContext?.spanId,
  parentIsRemote: span.parentSpanContext?.isRemote ?? false,
  scope: span.instrumentationScope.name,
  attributes: { ...span.attributes },
  status: span.status,
});

const send = (message: ChildMessage): void => void process.send?.(message);

async function main(): Promise<void> {
  initLogging(process.env.MAMMUT_TEST_LOG_LEVEL ?? 'silent');
  const exporter = new InMemorySpanExporter();
  const telemetry = await startTelemetry(loadConfig({}), 'test', {
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const { startTestSystem } = await import('./system');
  const system = await startTestSystem();
  process.on('message', (message: ParentMessage) => {
    switch (message.type) {
      case 'spans':
        send({ type: 'spans', spans: exporter.getFinishedSpans().map(toRecord) });
        break;
      case 'stop':
        void system
          .stop()
          .then(() => telemetry.shutdown())
          .finally(() => process.disconnect());
        break;
    }
  });
  send({
    type: 'ready',
    url: system.url,
    databaseUrl: system.databaseUrl,
    natsPrefix: system.system.runtime.config.natsPrefix,
  });
}

main().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  process.disconnect();
});
