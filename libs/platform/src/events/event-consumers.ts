import type { EventDef, PayloadOf } from '@mammut/contracts';
import type { JsMsg, NatsConnection } from 'nats';
import type { DataSource, EntityManager } from 'typeorm';
import { logger, type Logger } from '../logging/logger';
import { rowsOf } from './outbox';
import { PullWorker } from './pull-worker';
import { together } from './together';
import {
  decodeJson,
  ensureDurableConsumer,
  ensureStreams,
  errorText,
  type EventEnvelope,
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
  /** What the event is about (`follow:1:2`), and its place among that aggregate's events (1, 2 …). */
  readonly aggregate?: { readonly key: string; readonly version: number };
}

export type EventHandler<D extends EventDef> = (
  payload: PayloadOf<D>,
  tx: EntityManager,
  meta: EventMeta,
) => Promise<void>;

/** One event declaration and what a consumer does with it (`on(def, handler)`). */
export interface EventSubscription {
  readonly def: EventDef;
  readonly handler: EventHandler<EventDef>;
  /** Which of these events the handler has anything to do with; the others only keep the order. */
  readonly when?: (payload: unknown) => boolean;
}

/**
 * `handler` for the events of `def`; with `when`, only for those it says yes to: the rest cost
 * the consumer one statement (their aggregate's place moves on) instead of a transaction.
 */
export function on<D extends EventDef>(
  def: D,
  handler: EventHandler<D>,
  options: { when?: (payload: PayloadOf<D>) => boolean } = {},
): EventSubscription {
  return {
    def,
    handler: handler as unknown as EventHandler<EventDef>,
    ...(options.when ? { when: options.when as (payload: unknown) => boolean } : {}),
  };
}

export interface EventConsumeOptions {
  /** Durable name, unique per purpose: `timelines-accounts`. Replicas share it (and the work). */
  readonly consumer: string;
  /** The consumer's own schema, which holds its `handled_events` and `aggregate_positions`. */
  readonly schema: string;
  readonly dataSource: DataSource;
  /** Events handled at once by this process (one at a time per aggregate whatever this is). */
  readonly concurrency?: number;
  /** Delay before a failed event is delivered again, by delivery count (1-based). */
  readonly retryDelayMs?: (deliveryCount: number) => number;
  /** Redelivery after a crash mid-handler. Longer than the slowest handler. */
  readonly ackWaitMs?: number;
  /**
   * How long an event waits for an earlier one of its aggregate that has not arrived yet. Past
   * it the earlier one is taken as lost (its stream retention ran out before this consumer
   * existed, say) and the event is applied.
   */
  readonly gapTimeoutMs?: number;
}

export interface EventConsumersOptions {
  readonly nats: NatsConnection;
  /** NATS_PREFIX (config `natsPrefix`). */
  readonly prefix: string;
}

/** 1 s, 2 s, 4 s … capped at a minute: a failing handler is retried until it is fixed. */
export const defaultRetryDelayMs = (deliveryCount: number): number =>
  Math.min(60_000, 1000 * 2 ** Math.max(0, deliveryCount - 1));

/** How soon an event that arrived before its predecessor is looked at again. */
const GAP_RETRY_MS = 200;
const DEFAULT_GAP_TIMEOUT_MS = 30_000;

type Outcome = 'applied' | 'moved on' | 'duplicate' | 'stale' | 'early';

/** An event that came before an earlier one of its aggregate: rolled back and delivered again soon. */
class ArrivedEarly extends Error {}

/**
 * Durable, idempotent, ordered event consumers. One durable consumer per consuming purpose reads
 * everything one producer announces (`events.accounts.>`); each message is handled in one
 * PostgreSQL transaction that records (consumer, event id) in `handled_events`, so a redelivery
 * of a handled event is skipped, and acked only after the commit.
 *
 * Events name their aggregate and its version (the producer numbers them in commit order). A
 * consumer applies each aggregate's events in that order: an older version than the last applied
 * is skipped, a newer one that skips a version waits (rolled back, delivered again shortly) until
 * the missing one has been applied, or until `gapTimeoutMs` says the missing one is lost. So a
 * projection never applies `follow.removed` before the `follow.created` it undoes, however the
 * relays, JetStream or replicas reorder them. Events of a subject nobody here handles still move
 * their aggregate's position on, so they leave no gap.
 */
export class EventConsumers {
  private readonly layout: StreamLayout;
  private readonly workers: PullWorker[] = [];
  private readonly log = logger('platform:events');

  constructor(private readonly options: EventConsumersOptions) {
    this.layout = streamLayout(options.prefix);
  }

  /** Ensures the stream and the durable consumer, then handles events until `stop()`. */
  async consume(options: EventConsumeOptions, subscriptions: readonly EventSubscription[]): Promise<void> {
    const bySubject = new Map(subscriptions.map((s) => [s.def.subject, s] as const));
    if (bySubject.size !== subscriptions.length)
      throw new Error(`${options.consumer}: one handler per event`);
    const jsm = await this.options.nats.jetstreamManager();
    await ensureStreams(jsm, this.layout, ['events']);
    await ensureDurableConsumer(jsm, {
      stream: this.layout.events,
      durable: options.consumer,
      filterSubject: this.layout.subject(`events.${producerOf(subscriptions)}.>`),
      ackWaitMs: options.ackWaitMs ?? 30_000,
      maxAckPending: 1000,
    });
    const createdAt = Date.parse((await jsm.consumers.info(this.layout.events, options.consumer)).created);
    const log = this.log.child({ consumer: options.consumer });
    const concurrency = options.concurrency ?? 1;
    const lanes = new Lanes();
    const worker = new PullWorker(
      this.options.nats,
      {
        stream: this.layout.events,
        durable: options.consumer,
        concurrency,
        batch: Math.max(10, concurrency * 2),
        log,
      },
      (msg) => {
        const handle = (): Promise<void> => this.handle(options, bySubject, createdAt, msg, log);
        const envelope = eventEnvelope.safeParse(decodeJson(msg.data));
        return envelope.success && envelope.data.aggregate
          ? lanes.run(envelope.data.aggregate, handle)
          : handle();
      },
    );
    await worker.start();
    this.workers.push(worker);
  }

  /** Stops every consumer after the events in hand are committed and acked (or nak'ed). */
  async stop(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((worker) => worker.stop()));
  }

  private async handle(
    options: EventConsumeOptions,
    bySubject: ReadonlyMap<string, EventSubscription>,
    consumerCreatedAt: number,
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
    const event = envelope.data;
    const subscription = bySubject.get(event.subject);
    const payload = subscription?.def.payload.safeParse(event.payload);
    if (payload && !payload.success) {
      log.error(
        { eventId: event.id, subject: event.subject, issues: payload.error.issues },
        'event payload does not match its declaration; terminated',
      );
      msg.term();
      return;
    }
    const meta = metaOf(event, msg);
    const applies =
      !!subscription && payload?.success === true && (subscription.when?.(payload.data) ?? true);
    if (!applies && !meta.aggregate) {
      // Nothing to apply and no place to keep: another consumer's business.
      together(() => msg.ack());
      return;
    }
    let outcome: Outcome;
    try {
      // Nothing to apply, and next in its aggregate (the common case): its place moves on in one
      // statement. Anything else (stale, early, a consumer newer than the aggregate) is the full
      // path's. Either fails as the other does (the database away): the event comes again.
      if (!applies && meta.aggregate && (await this.movedOn(options, meta))) outcome = 'moved on';
      else
        outcome = await options.dataSource.transaction(async (tx): Promise<Outcome> => {
          // A concurrent delivery of the same event waits here for our commit, then skips. (An event
          // nobody here handles only moves its aggregate on, which is idempotent by itself.)
          const { claimed, position, moved } = await this.claim(tx, options, meta, applies);
          if (!claimed) return 'duplicate';
          if (meta.aggregate && !moved) {
            const place = await this.placeInAggregate(
              tx,
              options,
              meta.aggregate,
              meta,
              consumerCreatedAt,
              position,
            );
            if (place === 'stale') return 'stale';
            if (place === 'early') throw new ArrivedEarly();
          }
          if (applies && subscription && payload?.success) await subscription.handler(payload.data, tx, meta);
          return 'applied';
        });
    } catch (error) {
      if (error instanceof ArrivedEarly) {
        log.debug(
          { eventId: meta.eventId, aggregate: meta.aggregate },
          'event ahead of its aggregate; later',
        );
        msg.nak(GAP_RETRY_MS);
        return;
      }
      if (meta.aggregate) await this.recordFailure(options, meta.aggregate, log);
      const delay = (options.retryDelayMs ?? defaultRetryDelayMs)(meta.deliveryCount);
      log.warn(
        { eventId: meta.eventId, deliveryCount: meta.deliveryCount, retryInMs: delay, err: errorText(error) },
        'event handler failed; will retry',
      );
      msg.nak(delay);
      return;
    }
    if (outcome !== 'applied' && outcome !== 'moved on')
      log.debug({ eventId: meta.eventId, outcome }, 'event skipped');
    together(() => msg.ack());
  }

  /**
   * Moves the aggregate's place for this consumer on when the event is the next one (or the first,
   * with no place kept yet): the claim's own statement, claiming no id, run on its own without a
   * transaction; false when it is not next (then the full path decides).
   */
  private async movedOn(options: EventConsumeOptions, meta: EventMeta): Promise<boolean> {
    return (await this.claim(options.dataSource.manager, options, meta, false)).moved;
  }

  /** Remembers, outside the failed transaction, that this version is being retried. */
  private async recordFailure(
    options: EventConsumeOptions,
    aggregate: NonNullable<EventMeta['aggregate']>,
    log: Logger,
  ): Promise<void> {
    await options.dataSource
      .query(
        `INSERT INTO "${options.schema}"."aggregate_failures" ("consumer", "aggregate", "version")
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [options.consumer, aggregate.key, aggregate.version],
      )
      .catch((err: unknown) => log.warn({ err: errorText(err) }, 'could not record a failed event'));
  }

  /** Whether a version after `position` of the aggregate failed and is being retried. */
  private async failingBefore(
    tx: EntityManager,
    options: EventConsumeOptions,
    aggregate: NonNullable<EventMeta['aggregate']>,
    position: number,
  ): Promise<boolean> {
    const rows = rowsOf(
      await tx.query(
        `SELECT 1 FROM "${options.schema}"."aggregate_failures"
          WHERE "consumer" = $1 AND "aggregate" = $2 AND "version" > $3 AND "version" < $4 LIMIT 1`,
        [options.consumer, aggregate.key, position, aggregate.version],
      ),
    );
    return rows.length > 0;
  }

  /**
   * One statement for what every event takes first: its idempotency record (when something here
   * handles it) and its aggregate's position for this consumer, row-locked until the transaction
   * ends so replicas handling two events of one aggregate take turns (a position row made by this
   * statement is locked by being new). When the event is the next of its aggregate (the common
   * case) the position moves on in the same statement (`moved`); otherwise `placeInAggregate`
   * decides. `position` is undefined when the aggregate's row was made by another transaction
   * after this statement's snapshot: `placeInAggregate` reads it then.
   */
  private async claim(
    tx: EntityManager,
    options: EventConsumeOptions,
    meta: EventMeta,
    handled: boolean,
  ): Promise<{ claimed: boolean; position?: number; moved: boolean }> {
    const schema = `"${options.schema}"`;
    const [row] = rowsOf(
      await tx.query(
        `WITH claimed AS (
           INSERT INTO ${schema}."handled_events" ("consumer", "event_id")
           SELECT $1, $2 WHERE $3::boolean ON CONFLICT DO NOTHING RETURNING 1
         ), mine AS (
           SELECT NOT $3::boolean OR EXISTS (SELECT 1 FROM claimed) AS claimed
         ), made AS (
           INSERT INTO ${schema}."aggregate_positions" ("consumer", "aggregate", "version")
           SELECT $1, $4, CASE WHEN $5::bigint = 1 AND (SELECT claimed FROM mine) THEN 1 ELSE 0 END
            WHERE $4::text IS NOT NULL ON CONFLICT DO NOTHING RETURNING "version"
         ), held AS (
           SELECT "version" FROM ${schema}."aggregate_positions"
            WHERE "consumer" = $1 AND "aggregate" = $4 FOR UPDATE
         ), next AS (
           UPDATE ${schema}."aggregate_positions" SET "version" = $5
            WHERE "consumer" = $1 AND "aggregate" = $4 AND "version" = $5::bigint - 1
              AND (SELECT claimed FROM mine) RETURNING 1
         ), moved AS (
           SELECT 1 FROM next UNION ALL SELECT 1 FROM made WHERE "version" = 1
         ), cleared AS (
           DELETE FROM ${schema}."aggregate_failures"
            WHERE "consumer" = $1 AND "aggregate" = $4 AND "version" <= $5 AND EXISTS (SELECT 1 FROM moved)
         )
         SELECT (SELECT claimed FROM mine) AS claimed, EXISTS (SELECT 1 FROM moved) AS moved,
                COALESCE((SELECT "version" FROM made), (SELECT "version" FROM held))::int AS position`,
        [options.consumer, meta.eventId, handled, meta.aggregate?.key ?? null, meta.aggregate?.version ?? 0],
      ),
    ) as { claimed: boolean; position: number | null; moved: boolean }[];
    return { claimed: row.claimed, position: row.position ?? undefined, moved: row.moved };
  }

  /**
   * Where the event stands among its aggregate's events for this consumer, moving the position
   * on when it is next.
   */
  private async placeInAggregate(
    tx: EntityManager,
    options: EventConsumeOptions,
    aggregate: NonNullable<EventMeta['aggregate']>,
    meta: EventMeta,
    consumerCreatedAt: number,
    claimedPosition: number | undefined,
  ): Promise<'next' | 'stale' | 'early'> {
    const table = `"${options.schema}"."aggregate_positions"`;
    const position =
      claimedPosition ??
      (
        rowsOf(
          await tx.query(
            `SELECT "version"::int AS "version" FROM ${table} WHERE "consumer" = $1 AND "aggregate" = $2 FOR UPDATE`,
            [options.consumer, aggregate.key],
          ),
        ) as { version: number }[]
      )[0].version;
    const { version } = aggregate;
    if (version <= position) return 'stale';
    const waitedMs = (meta.deliveryCount - 1) * GAP_RETRY_MS;
    const next =
      version === position + 1 ||
      // History from before this consumer existed: what came earlier may have left the stream.
      (position === 0 && Date.parse(meta.occurredAt) < consumerCreatedAt) ||
      // Waited long enough for a version never seen; one seen failing is retried, never overtaken.
      (waitedMs >= (options.gapTimeoutMs ?? DEFAULT_GAP_TIMEOUT_MS) &&
        !(await this.failingBefore(tx, options, aggregate, position)));
    if (!next) return 'early';
    await tx.query(
      `WITH moved AS (
         UPDATE ${table} SET "version" = $3 WHERE "consumer" = $1 AND "aggregate" = $2
       )
       DELETE FROM "${options.schema}"."aggregate_failures"
        WHERE "consumer" = $1 AND "aggregate" = $2 AND "version" <= $3`,
      [options.consumer, aggregate.key, version],
    );
    return 'next';
  }
}

/** The one producing service of a consumer's events (`accounts` for `events.accounts.*`). */
function producerOf(subscriptions: readonly EventSubscription[]): string {
  const producers = new Set(subscriptions.map((s) => s.def.subject.split('.')[1]));
  if (producers.size !== 1) {
    throw new Error(`A consumer reads one producer's events; got ${[...producers].join(', ') || 'none'}`);
  }
  return [...producers][0];
}

function metaOf(event: EventEnvelope, msg: JsMsg): EventMeta {
  const traceparent = msg.headers?.get(MammutHeaders.traceparent) || undefined;
  return {
    eventId: event.id,
    subject: event.subject,
    version: event.version,
    occurredAt: event.occurredAt,
    deliveryCount: msg.info.deliveryCount,
    ...(traceparent ? { traceparent } : {}),
    ...(event.aggregate && event.aggregateVersion
      ? { aggregate: { key: event.aggregate, version: event.aggregateVersion } }
      : {}),
  };
}

/** One queue per key: work of one aggregate runs in arrival order, other keys in parallel. */
class Lanes {
  private readonly tails = new Map<string, Promise<void>>();

  run(key: string, work: () => Promise<void>): Promise<void> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(work, work);
    this.tails.set(key, next);
    void next.finally(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    return next;
  }
}

/**
 * The event consumers of a projection in this process, or none when the process must not consume
 * (`consumeEvents` false: an operator command hosting a service for one request).
 */
export function consumersOf(runtime: {
  readonly nats: NatsConnection;
  readonly config: { readonly natsPrefix: string; readonly consumeEvents: boolean };
}): EventConsumers | undefined {
  return runtime.config.consumeEvents
    ? new EventConsumers({ nats: runtime.nats, prefix: runtime.config.natsPrefix })
    : undefined;
}
