import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamManager,
  nanos,
  NatsError,
  RetentionPolicy,
  type StreamConfig,
  StorageType,
} from 'nats';
import { z } from 'zod';

/**
 * Where one Mammut instance keeps its JetStream data. Every subject and stream name carries the
 * NATS_PREFIX, so several instances (test files, a second federating instance) share one NATS.
 */
export interface StreamLayout {
  readonly prefix: string;
  /** Events (`events.>`): kept for a while, deduplicated by outbox id. */
  readonly events: string;
  /** Jobs (`jobs.>`): a work queue, a message leaves it when acked. */
  readonly jobs: string;
  /** Jobs that kept failing (`dead.>`), for an operator to inspect and replay. */
  readonly dead: string;
  /** `events.statuses.status.created` → `<prefix>.events.statuses.status.created`. */
  subject(contractSubject: string): string;
  /** The inverse of `subject`. */
  contractSubject(natsSubject: string): string;
}

export function streamLayout(prefix: string): StreamLayout {
  const head = prefix ? `${prefix}.` : '';
  const namePrefix = prefix ? `${prefix.toUpperCase()}_` : '';
  return {
    prefix,
    events: `${namePrefix}EVENTS`,
    jobs: `${namePrefix}JOBS`,
    dead: `${namePrefix}DEAD`,
    subject: (contractSubject) => `${head}${contractSubject}`,
    contractSubject: (natsSubject) =>
      head && natsSubject.startsWith(head) ? natsSubject.slice(head.length) : natsSubject,
  };
}

/** JetStream keeps msg ids this long to drop a relay's re-publish of the same outbox row. */
export const DUPLICATE_WINDOW_MS = 2 * 60_000;
/** Events stay this long so a consumer that was down (or is new) can catch up. */
export const EVENTS_MAX_AGE_MS = 7 * 24 * 3600_000;

export type StreamKind = 'events' | 'jobs' | 'dead';

function streamConfig(layout: StreamLayout, kind: StreamKind): Partial<StreamConfig> {
  const common: Partial<StreamConfig> = {
    storage: StorageType.File,
    num_replicas: 1,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  };
  switch (kind) {
    case 'events':
      return {
        ...common,
        name: layout.events,
        subjects: [layout.subject('events.>')],
        retention: RetentionPolicy.Limits,
        max_age: nanos(EVENTS_MAX_AGE_MS),
      };
    case 'jobs':
      return {
        ...common,
        name: layout.jobs,
        subjects: [layout.subject('jobs.>')],
        retention: RetentionPolicy.Workqueue,
      };
    case 'dead':
      return {
        ...common,
        name: layout.dead,
        subjects: [layout.subject('dead.>')],
        retention: RetentionPolicy.Limits,
      };
  }
}

/** The JetStream API error code of a failure, when it is one. */
export function jsErrorCode(error: unknown): number | undefined {
  return error instanceof NatsError ? error.api_error?.err_code : undefined;
}

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;
const CONSUMER_NOT_FOUND = 10014;

/** Creates the streams when missing; replicas starting together may race, which is harmless. */
export async function ensureStreams(
  jsm: JetStreamManager,
  layout: StreamLayout,
  kinds: readonly StreamKind[],
): Promise<void> {
  for (const kind of kinds) {
    const config = streamConfig(layout, kind);
    const name = config.name as string;
    try {
      await jsm.streams.info(name);
      continue;
    } catch (error) {
      if (jsErrorCode(error) !== STREAM_NOT_FOUND) throw error;
    }
    try {
      await jsm.streams.add(config);
    } catch (error) {
      if (jsErrorCode(error) !== STREAM_NAME_IN_USE) throw error;
    }
  }
}

export interface DurableConsumerSpec {
  readonly stream: string;
  readonly durable: string;
  readonly filterSubject: string;
  /** How long a delivered message may stay unacked before it is redelivered (a crashed worker). */
  readonly ackWaitMs: number;
  readonly maxAckPending: number;
}

/**
 * Creates the durable pull consumer, or checks the existing one still filters the same subject:
 * two definitions sharing a durable name would silently steal each other's messages.
 */
export async function ensureDurableConsumer(jsm: JetStreamManager, spec: DurableConsumerSpec): Promise<void> {
  try {
    const info = await jsm.consumers.info(spec.stream, spec.durable);
    if (info.config.filter_subject !== spec.filterSubject) {
      throw new Error(
        `JetStream consumer ${spec.stream}/${spec.durable} filters ${info.config.filter_subject ?? '(nothing)'}, not ${spec.filterSubject}: pick another consumer name`,
      );
    }
    if (
      info.config.ack_wait !== nanos(spec.ackWaitMs) ||
      info.config.max_ack_pending !== spec.maxAckPending
    ) {
      await jsm.consumers.update(spec.stream, spec.durable, {
        ack_wait: nanos(spec.ackWaitMs),
        max_ack_pending: spec.maxAckPending,
      });
    }
    return;
  } catch (error) {
    if (jsErrorCode(error) !== CONSUMER_NOT_FOUND) throw error;
  }
  await jsm.consumers.add(spec.stream, {
    durable_name: spec.durable,
    filter_subject: spec.filterSubject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(spec.ackWaitMs),
    // Retries are ours (nak with a delay, dead letters for jobs), not the server's.
    max_deliver: -1,
    max_ack_pending: spec.maxAckPending,
  });
}

/** NATS headers Mammut sets on events, jobs and dead letters. */
export const MammutHeaders = {
  eventId: 'Mammut-Event-Id',
  jobId: 'Mammut-Job-Id',
  traceparent: 'traceparent',
  originalSubject: 'Mammut-Original-Subject',
  attempts: 'Mammut-Attempts',
  lastError: 'Mammut-Last-Error',
  failedAt: 'Mammut-Failed-At',
} as const;

/** What the relay publishes for one outbox row. The id is the outbox id: consumers dedupe on it. */
export const eventEnvelope = z.object({
  id: z.string().regex(/^\d+$/),
  subject: z.string(),
  version: z.number().int(),
  occurredAt: z.string(),
  payload: z.unknown(),
  /** What the event is about (`follow:1:2`); absent on events written before aggregates existed. */
  aggregate: z.string().min(1).optional(),
  /** Its place among the aggregate's events, numbered by the producer in commit order from 1. */
  aggregateVersion: z.number().int().positive().optional(),
});
export type EventEnvelope = z.infer<typeof eventEnvelope>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeJson = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** Parses a message body as JSON; undefined when it is not JSON at all. */
export function decodeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data)) as unknown;
  } catch {
    return undefined;
  }
}

/** A header value must be one line; error messages are not. */
export function headerValue(text: string, max = 1000): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, max);
}

/** Zod issues on one line: `statusId: Invalid input; …`. */
export const zodProblems = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');

export const errorText = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
