import {
  type Attributes,
  type Span,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { ContractError, type ErrorCode } from '@mammut/contracts';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import type { MsgHdrs } from 'nats';

/**
 * OpenTelemetry for the bus. NATS has no instrumentation on this stack, so the bus writes the
 * trace context into message headers itself (W3C `traceparent`/`tracestate` through the global
 * propagator) and opens a CLIENT span around each request and a SERVER span around each handler.
 */
export const busTracer = trace.getTracer('@mammut/platform/bus');

// Messaging conventions are still incubating: their constants are copied rather than imported
// from `@opentelemetry/semantic-conventions/incubating`, as that package advises.
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
/** The `ContractError` code a request ended with, expected or not. */
export const ATTR_CONTRACT_ERROR_CODE = 'mammut.contract.error_code';

export const natsHeaderSetter: TextMapSetter<MsgHdrs> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};

export const natsHeaderGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => carrier?.keys() ?? [],
  // MsgHdrs answers '' for a missing header; the propagators expect undefined.
  get: (carrier, key) => (carrier?.has(key) ? carrier.get(key) : undefined),
};

/** Attributes of both sides of a request: the contract subject and the NATS subject it travels on. */
export function busSpanAttributes(side: 'client' | 'server', natsSubject: string): Attributes {
  return {
    [ATTR_MESSAGING_SYSTEM]: 'nats',
    [ATTR_MESSAGING_DESTINATION_NAME]: natsSubject,
    [ATTR_MESSAGING_OPERATION_TYPE]: side === 'client' ? 'send' : 'process',
    [ATTR_MESSAGING_OPERATION_NAME]: side === 'client' ? 'request' : 'respond',
  };
}

/** Failures that mean something is broken, as opposed to answers such as `not_found`. */
const faults: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['internal', 'unavailable']);

/**
 * Marks how a request failed. Every contract error carries its code, but only faults set the
 * span's status to ERROR: a 404 is the service doing its job. `cause` is the original exception
 * behind an `internal` answer, recorded on the side that saw it.
 */
export function recordBusError(span: Span, error: unknown, cause?: unknown): void {
  const code: ErrorCode = error instanceof ContractError ? error.code : 'internal';
  span.setAttribute(ATTR_CONTRACT_ERROR_CODE, code);
  if (!faults.has(code)) return;
  span.setAttribute(ATTR_ERROR_TYPE, code);
  if (cause instanceof Error) span.recordException(cause);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
