import type { EventDef, PayloadOf } from '@mammut/contracts';
import type { JetStreamClient, JsMsg, NatsConnection } from 'nats';
import type { DataSource, EntityManager } from 'typeorm';
import { logger, type Logger } from '../logging/logger';
import { rowsOf } from './outbox';
import { PullWorker } from './pull-worker';
import {
  decodeJson,
  ensureDurableConsumer,
  ensureStreams,
  errorText,
  eventEnvelope,
  MammutHeaders,
  streamLayout,
  type StreamLayout,
} from './streams';

export interface EventMeta {
  /** The producer's outbox id: the idempotency key. */
  readonly eventId: string;
  readonly subject: string;
  readonly version: number;
  /** When the producer's transaction wrote the event (ISO 8601). */
  readonly occurredAt: string;
  readonly traceparent?: string;
  /** 1 on first delivery; more after a failure or a lost ack. */
  readonly deliveryCount: number;
}

export type EventHandler<D extends EventDef> = (
  payload: PayloadOf<D>,
  tx: EntityManager,
  meta: EventMeta,
) => Promise<void>;

export interface EventConsumeOptions {
  /** Durable name, unique per purpose: `timelines-follow`. Replicas share it (and the work). */
  readonly consumer: string;
  /** The consumer's own schema, which holds its `handled_events` table. */
  readonly schema: string;
  readonly dataSource: DataSource;
  /** Events handled at once by this process; 1 (default) keeps stream order. */
  readonly concurrency?: number;
  /** Delay before a failed event is delivered again, by delivery count (1-based). */
  readonly retryDelayMs?: (deliveryCount: number) => number;
  /** Redelivery after a crash mid-handler. Longer than the slowest handler. */
  readonly ackWaitMs?: number;
}

export interface EventConsumersOptions {
  readonly nats: NatsConnection;
  /** NATS_PREFIX (config `natsPrefix`). */
  readonly prefix: string;
}

/** 1 s, 2 s, 4 s … capped at a minute: a failing handler is retried until it is fixed. */
export const defaultRetryDelayMs = (deliveryCount: number): number =>
  Math.min(60_000, 1000 * 2 ** Math.max(0, deliveryCount - 1));

type Outcome = 'applied' | 'duplicate';

/**
 * Durable, idempotent event consumers. For each message, one PostgreSQL transaction records
 * (consumer, event id) in `handled_events` and runs the handler; a message whose id is already
 * there is skipped. The ack goes out only after the commit, so a crash anywhere means a
 * redelivery, and the redelivery is a no-op if the first attempt had committed.
 */
export class EventConsumers {
  private readonly layout: StreamLayout;
  private readonly js: JetStreamClient;
  private readonly workers: PullWorker[] = [];
  private readonly log = logger('platform:events');

  constructor(private readonly options: EventConsumersOptions) {
    this.layout = streamLayout(options.prefix);
    this.js = options.nats.jetstream();
  }

  /** Ensures the stream and the durable consumer, then handles events until `stop()`. */
  async consume<D extends EventDef>(
    def: D,
    options: EventConsumeOptions,
    handler: EventHandler<D>,
  ): Promise<void> {
    const jsm = await this.options.nats.jetstreamManager();
    await ensureStreams(jsm, this.layout, ['events']);
    await ensureDurableConsumer(jsm, {
      stream: this.layout.events,
      durable: options.consumer,
      filterSubject: this.layout.subject(def.subject),
      ackWaitMs: options.ackWaitMs ?? 30_000,
      maxAckPending: 1000,
    });
    const log = this.log.child({ consumer: options.consumer });
    const concurrency = options.concurrency ?? 1;
    const worker = new PullWorker(
      this.js,
      {
        stream: this.layout.events,
        durable: options.consumer,
        concurrency,
        batch: Math.max(10, concurrency * 2),
        log,
      },
      (msg) => this.handle(def, options, handler, msg, log),
    );
    await worker.start();
    this.workers.push(worker);
  }

  /** Stops every consumer after the events in hand are committed and acked (or nak'ed). */
  async stop(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((worker) => worker.stop()));
  }

  private async handle<D extends EventDef>(
    def: D,
    options: EventConsumeOptions,
    handler: EventHandler<D>,
    msg: JsMsg,
    log: Logger,
  ): Promise<void> {
    const envelope = eventEnvelope.safeParse(decodeJson(msg.data));
    if (!envelope.success) {
      // Retrying cannot make it parse: drop it loudly rather than block the consumer forever.
      log.error({ seq: msg.seq, subject: msg.subject }, 'malformed event envelope; terminated');
      msg.term();
      return;
    }
    const payload = def.payload.safeParse(envelope.data.payload);
    if (!payload.success) {
      log.error(
        { eventId: envelope.data.id, subject: def.subject, issues: payload.error.issues },
        'event payload does not match its declaration; terminated',
      );
      msg.term();
      return;
    }
    const traceparent = msg.headers?.get(MammutHeaders.traceparent) || undefined;
    const meta: EventMeta = {
      eventId: envelope.data.id,
      subject: envelope.data.subject,
      version: envelope.data.version,
      occurredAt: envelope.data.occurredAt,
      deliveryCount: msg.info.deliveryCount,
      ...(traceparent ? { traceparent } : {}),
    };
    let outcome: Outcome;
    try {
      outcome = await options.dataSource.transaction(async (tx): Promise<Outcome> => {
        // A concurrent delivery of the same event waits here for our commit, then skips.
        const claimed = rowsOf(
          await tx.query(
            `INSERT INTO "${options.schema}"."handled_events" ("consumer", "event_id")
             VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
            [options.consumer, meta.eventId],
          ),
        );
        if (!claimed.length) return 'duplicate';
        await handler(payload.data as PayloadOf<D>, tx, meta);
        return 'applied';
      });
    } catch (error) {
      const delay = (options.retryDelayMs ?? defaultRetryDelayMs)(meta.deliveryCount);
      log.warn(
        { eventId: meta.eventId, deliveryCount: meta.deliveryCount, retryInMs: delay, err: errorText(error) },
        'event handler failed; will retry',
      );
      msg.nak(delay);
      return;
    }
    if (outcome === 'duplicate') log.debug({ eventId: meta.eventId }, 'event already handled');
    msg.ack();
  }
}
