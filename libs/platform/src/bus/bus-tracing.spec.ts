import { ContractError, defineRequest } from '@mammut/contracts';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  headers as natsHeaders,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type SubscriptionOptions,
} from 'nats';
import { z } from 'zod';
import { initLogging } from '../logging/logger';
import { Bus } from './bus';
import { BusServer } from './bus-server';
import { LocalHandlers } from './local-handlers';
import { natsHeaderGetter, natsHeaderSetter } from './bus-tracing';
import { markTracingActive } from '../telemetry/tracing-state';

const getNote = defineRequest('notes.note.get', {
  request: z.object({ id: z.string(), fail: z.enum(['none', 'not_found', 'crash']).default('none') }),
  response: z.object({ id: z.string(), text: z.string() }),
});
const notes = { getNote };

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const testTracer = provider.getTracer('test');

beforeAll(() => {
  // The crash case logs its exception on purpose.
  initLogging('silent');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  markTracingActive();
});

afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

beforeEach(() => exporter.reset());

/**
 * Just enough of a NatsConnection for the bus: request() hands the message, headers included, to
 * the subscription's callback and resolves with what it responds. The real round trip is in
 * test-e2e/tracing.e2e.spec.ts.
 */
function loopbackNats(): NatsConnection {
  const callbacks = new Map<string, NonNullable<SubscriptionOptions['callback']>>();
  const fake = {
    subscribe(subject: string, options: SubscriptionOptions) {
      if (options.callback) callbacks.set(subject, options.callback);
      return { unsubscribe: () => callbacks.delete(subject) };
    },
    request(subject: string, data: Uint8Array, options: { headers?: MsgHdrs }) {
      return new Promise<Pick<Msg, 'data'>>((resolve, reject) => {
        const callback = callbacks.get(subject);
        if (!callback) return reject(new Error('no responders'));
        const msg = {
          subject,
          data,
          headers: options.headers,
          respond: (reply: Uint8Array) => resolve({ data: reply }),
        };
        callback(null, msg as unknown as Msg);
      });
    },
  };
  return fake as unknown as NatsConnection;
}

/**
 * A bus whose server answers `notes.note.get`; the handler makes one child span, as a query
 * would. (Registered by hand here; Nest registers `busController` methods the same way.)
 */
function busWithHandler(inProcess: boolean): Bus {
  const nats = loopbackNats();
  const local = new LocalHandlers();
  const server = new BusServer({ nats, prefix: 'p1', local, serves: [notes] });
  server.addHandler('notes.note.get', ({ id, fail }: { id: string; fail: string }) =>
    testTracer.startActiveSpan('query', (query) => {
      query.end();
      if (fail === 'not_found') return Promise.reject(new ContractError('not_found', 'No such note'));
      if (fail === 'crash') return Promise.reject(new Error('disk on fire'));
      return Promise.resolve({ id, text: 'hello' });
    }),
  );
  server.listen((error) => expect(error).toBeUndefined());
  return new Bus(nats, { prefix: 'p1', timeoutMs: 1000, inProcess }, local);
}

const byKind = (spans: ReadableSpan[], kind: SpanKind): ReadableSpan => {
  const found = spans.filter((s) => s.kind === kind && s.name === 'notes.note.get');
  expect(found).toHaveLength(1);
  return found[0];
};

describe('NATS header carrier', () => {
  it('writes the active span as a W3C traceparent and reads it back as a remote parent', () => {
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    };
    const hdrs = natsHeaders();
    propagation.inject(trace.setSpanContext(ROOT_CONTEXT, spanContext), hdrs, natsHeaderSetter);
    expect(hdrs.get('traceparent')).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');

    const extracted = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, hdrs, natsHeaderGetter));
    expect(extracted).toEqual({ ...spanContext, isRemote: true });
  });

  it('reads no parent from a message without headers or without traceparent', () => {
    expect(
      trace.getSpanContext(propagation.extract(ROOT_CONTEXT, undefined, natsHeaderGetter)),
    ).toBeUndefined();
    const other = natsHeaders();
    other.set('nats-msg-id', '1');
    expect(trace.getSpanContext(propagation.extract(ROOT_CONTEXT, other, natsHeaderGetter))).toBeUndefined();
  });
});

describe.each([
  ['over NATS', false],
  ['in process', true],
])('Bus spans (%s)', (_label, inProcess) => {
  it('nests caller → CLIENT span → SERVER span → the handler work, in one trace', async () => {
    const bus = busWithHandler(inProcess);
    await testTracer.startActiveSpan('caller', async (caller) => {
      await expect(bus.request(getNote, { id: '7' })).resolves.toEqual({ id: '7', text: 'hello' });
      caller.end();
    });
    const spans = exporter.getFinishedSpans();
    const caller = spans.find((s) => s.name === 'caller');
    const client = byKind(spans, SpanKind.CLIENT);
    const server = byKind(spans, SpanKind.SERVER);
    const query = spans.find((s) => s.name === 'query');

    expect(client.parentSpanContext?.spanId).toBe(caller?.spanContext().spanId);
    expect(server.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
    // Over NATS the parent arrives in the headers; in process it is the async context itself.
    expect(server.parentSpanContext?.isRemote ?? false).toBe(!inProcess);
    expect(query?.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    for (const [span, operation] of [
      [client, 'send'],
      [server, 'process'],
    ] as const) {
      expect(span.attributes).toEqual({
        'messaging.system': 'nats',
        'messaging.destination.name': 'p1.notes.note.get',
        'messaging.operation.type': operation,
        'messaging.operation.name': operation === 'send' ? 'request' : 'respond',
      });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
  });

  it('marks an expected error with its code and leaves the status unset', async () => {
    const bus = busWithHandler(inProcess);
    await expect(bus.request(getNote, { id: '7', fail: 'not_found' })).rejects.toMatchObject({
      code: 'not_found',
    });
    const spans = exporter.getFinishedSpans();
    for (const span of [byKind(spans, SpanKind.CLIENT), byKind(spans, SpanKind.SERVER)]) {
      expect(span.attributes['mammut.contract.error_code']).toBe('not_found');
      expect(span.attributes['error.type']).toBeUndefined();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
  });

  it('marks a crash as an ERROR on both sides and records the exception where it happened', async () => {
    const bus = busWithHandler(inProcess);
    await expect(bus.request(getNote, { id: '7', fail: 'crash' })).rejects.toMatchObject({
      code: 'internal',
    });
    const spans = exporter.getFinishedSpans();
    const client = byKind(spans, SpanKind.CLIENT);
    const server = byKind(spans, SpanKind.SERVER);
    for (const span of [client, server]) {
      expect(span.attributes['mammut.contract.error_code']).toBe('internal');
      expect(span.attributes['error.type']).toBe('internal');
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Internal error' });
    }
    expect(server.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([
      ['exception', 'disk on fire'],
    ]);
    expect(client.events).toEqual([]);
  });
});
