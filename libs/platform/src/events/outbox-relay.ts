import { headers as natsHeaders, type JetStreamClient, type NatsConnection, type PubAck } from 'nats';
import type { Notification, PoolClient } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { z } from 'zod';
import { logger } from '../logging/logger';
import { outboxChannel } from './outbox';
import { PerConnection } from './per-connection';
import { pruneEventTables } from './prune';
import {
  encodeJson,
  ensureStreams,
  errorText,
  type EventEnvelope,
  MammutHeaders,
  streamLayout,
  type StreamLayout,
} from './streams';

export interface OutboxRelayOptions {
  /** The schema whose `outbox` table this relay drains. */
  readonly schema: string;
  readonly dataSource: DataSource;
  readonly nats: NatsConnection;
  /** NATS_PREFIX (config `natsPrefix`). */
  readonly prefix: string;
  /** Polling catches what a lost NOTIFY (reconnect, another relay's wake-up) would miss. */
  readonly pollIntervalMs?: number;
  readonly batchSize?: number;
  /** How long to wait for one PubAck before leaving the row for the next round. */
  readonly publishTimeoutMs?: number;
  /**
   * Test seam: runs after a batch's PubAcks and before its rows are marked published. Throwing
   * here is what a relay killed between the two looks like (rows stay unpublished, are sent again
   * and deduplicated by JetStream or, past its window, by consumers).
   */
  readonly beforeMarkPublished?: (ids: readonly string[]) => Promise<void>;
  /** How often the relay also prunes the schema's published outbox rows and old handled-event ids. */
  readonly pruneIntervalMs?: number;
}

export interface RelayStats {
  /** Rows marked published. */
  published: number;
  /** PubAcks that said JetStream already had the message (a re-send after a crash). */
  duplicates: number;
  /** Publishes that failed or timed out (retried on the next round). */
  failures: number;
}

const outboxRow = z.object({
  id: z.string(),
  subject: z.string(),
  version: z.number(),
  payload: z.unknown(),
  traceparent: z.string().nullable(),
  created_at: z.coerce.date(),
  aggregate: z.string().nullable(),
  aggregate_version: z.number().int().nullable(),
});
type OutboxRow = z.infer<typeof outboxRow>;

/**
 * Publishes one schema's outbox to JetStream, in id order, each row with its id as the msg id so
 * a re-send is dropped by JetStream. Rows are taken with FOR UPDATE SKIP LOCKED and marked
 * published only after their PubAck, so any number of relays can run at once and a crash at any
 * point loses nothing. Across relays, order is best effort: consumers must not rely on it.
 */
export class OutboxRelay {
  readonly stats: RelayStats = { published: 0, duplicates: 0, failures: 0 };
  private readonly log;
  private readonly layout: StreamLayout;
  private readonly js: JetStreamClient;
  private readonly channel: string;
  private readonly table: string;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly publishTimeoutMs: number;
  private readonly pruneIntervalMs: number;
  private lastPrune = 0;
  private listener?: { runner: QueryRunner; connection: PoolClient; onError: () => void };
  private loop?: Promise<void>;
  private stopped = false;
  /** Set by a NOTIFY that arrives while a batch runs, so the loop goes again without sleeping. */
  private woken = false;
  private wake?: () => void;

  /**
   * The relay of a service's schema on the runtime's NATS, started: what each service module does
   * at bootstrap (every replica runs one; rows are claimed with SKIP LOCKED, so they share the work).
   */
  static async started(
    runtime: { nats: NatsConnection; config: { natsPrefix: string } },
    schema: string,
    dataSource: DataSource,
  ): Promise<OutboxRelay> {
    const relay = new OutboxRelay({
      schema,
      dataSource,
      nats: runtime.nats,
      prefix: runtime.config.natsPrefix,
    });
    await relay.start();
    return relay;
  }

  constructor(private readonly options: OutboxRelayOptions) {
    this.log = logger(`platform:outbox-relay:${options.schema}`);
    this.layout = streamLayout(options.prefix);
    this.js = options.nats.jetstream();
    this.channel = outboxChannel(options.schema);
    this.table = `"${options.schema}"."outbox"`;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.batchSize = options.batchSize ?? 100;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.pruneIntervalMs = options.pruneIntervalMs ?? 3600_000;
  }

  /** Ensures the events stream, then relays in the background until `stop()`. */
  async start(): Promise<void> {
    if (this.loop) return;
    await ensureStreams(await this.options.nats.jetstreamManager(), this.layout, ['events']);
    this.stopped = false;
    this.loop = this.run();
    relaying.add(this.options.nats, this);
  }

  /** Finishes the batch in progress (its rows are marked or left for another relay) and stops. */
  async stop(): Promise<void> {
    relaying.delete(this.options.nats, this);
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    await this.unlisten();
  }

  get schema(): string {
    return this.options.schema;
  }

  /** Outbox rows not published yet: what waits for this relay or another one of the same schema. */
  async backlog(): Promise<number> {
    const [row]: Array<{ count: number }> = await this.options.dataSource.query(
      `SELECT count(*)::int AS "count" FROM ${this.table} WHERE "published_at" IS NULL`,
    );
    return row.count;
  }

  /** Publishes one batch; returns how many rows it marked published. */
  async relayOnce(): Promise<number> {
    // An idle poll opens no transaction (committing one has a cost for whoever watches commits).
    const waiting: unknown[] = await this.options.dataSource.query(
      `SELECT 1 FROM ${this.table} WHERE "published_at" IS NULL LIMIT 1`,
    );
    if (!waiting.length) return 0;
    return this.options.dataSource.transaction(async (tx) => {
      const rows = await this.takeBatch(tx);
      if (!rows.length) return 0;
      const published = await this.publishAll(rows);
      // Nothing got through: NATS is away (or the stream is missing). A failed round, logged once.
      if (!published.length) throw new Error(`none of ${rows.length} outbox rows could be published`);
      await this.options.beforeMarkPublished?.(published);
      await tx.query(`UPDATE ${this.table} SET "published_at" = now() WHERE "id" = ANY($1::bigint[])`, [
        published,
      ]);
      this.stats.published += published.length;
      return published.length;
    });
  }

  private async run(): Promise<void> {
    let failing = false;
    while (!this.stopped) {
      this.woken = false;
      let full = false;
      try {
        await this.listen();
        full = (await this.relayOnce()) === this.batchSize;
        if (failing) this.log.info('relaying again');
        failing = false;
      } catch (error) {
        // Logged once per outage: PostgreSQL or NATS being away is retried on every round.
        if (!failing) this.log.warn({ err: errorText(error) }, 'relay round failed; retrying');
        failing = true;
      }
      if (!full && !this.stopped) await this.pruneWhenDue();
      if (!full && !this.stopped) await this.pause();
    }
  }

  /** Between rounds, at most once per interval: a failure only waits for the next interval. */
  private async pruneWhenDue(): Promise<void> {
    if (Date.now() - this.lastPrune < this.pruneIntervalMs) return;
    this.lastPrune = Date.now();
    try {
      const pruned = await pruneEventTables(this.options.dataSource, this.options.schema, {
        shouldStop: () => this.stopped,
      });
      if (pruned.outbox || pruned.handledEvents) this.log.info(pruned, 'pruned event tables');
    } catch (error) {
      this.log.warn({ err: errorText(error) }, 'pruning event tables failed');
    }
  }

  private pause(): Promise<void> {
    if (this.woken) return Promise.resolve();
    return new Promise<void>((done) => {
      const timer = setTimeout(finish, this.pollIntervalMs);
      function finish(): void {
        clearTimeout(timer);
        done();
      }
      this.wake = finish;
    }).then(() => {
      this.wake = undefined;
    });
  }

  private readonly onNotification = (message: Notification): void => {
    if (message.channel !== this.channel) return;
    this.woken = true;
    this.wake?.();
  };

  /** LISTENs on a pooled connection of its own; a dropped connection is replaced next round. */
  private async listen(): Promise<void> {
    if (this.listener) return;
    const runner = this.options.dataSource.createQueryRunner();
    // TypeORM types its pooled connection as `any`; for PostgreSQL it is a `pg` PoolClient.
    const connection = (await runner.connect()) as PoolClient;
    // TypeORM releases the connection to the pool on error; we only forget it and listen again.
    const onError = (): void => {
      detach();
      if (this.listener?.connection === connection) this.listener = undefined;
    };
    const detach = (): void => {
      connection.removeListener('notification', this.onNotification);
      connection.removeListener('error', onError);
    };
    connection.on('notification', this.onNotification);
    connection.on('error', onError);
    try {
      await runner.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      detach();
      await runner.release().catch(() => undefined);
      throw error;
    }
    this.listener = { runner, connection, onError };
  }

  private async unlisten(): Promise<void> {
    const listener = this.listener;
    if (!listener) return;
    this.listener = undefined;
    listener.connection.removeListener('notification', this.onNotification);
    listener.connection.removeListener('error', listener.onError);
    // The connection goes back to the pool: it must not keep listening there.
    await listener.runner.query(`UNLISTEN "${this.channel}"`).catch(() => undefined);
    await listener.runner.release().catch(() => undefined);
  }

  private async takeBatch(tx: EntityManager): Promise<OutboxRow[]> {
    const rows: unknown = await tx.query(
      `SELECT "id"::text AS "id", "subject", "version", "payload", "traceparent", "created_at",
              "aggregate", "aggregate_version"::int AS "aggregate_version"
         FROM ${this.table}
        WHERE "published_at" IS NULL
        ORDER BY "id"
        LIMIT $1
          FOR UPDATE SKIP LOCKED`,
      [this.batchSize],
    );
    return z.array(outboxRow).parse(rows);
  }

  /**
   * Publishes a batch pipelined (all sent, then all PubAcks awaited) and returns the ids JetStream
   * acknowledged. A failed publish leaves its row for the next round.
   */
  private async publishAll(rows: readonly OutboxRow[]): Promise<string[]> {
    const results = await Promise.allSettled(rows.map((row) => this.publish(row)));
    const published: string[] = [];
    const failed: Array<{ id: string; err: string }> = [];
    results.forEach((result, index) => {
      const row = rows[index];
      if (result.status === 'fulfilled') {
        published.push(row.id);
        if (result.value.duplicate) this.stats.duplicates += 1;
      } else {
        this.stats.failures += 1;
        failed.push({ id: row.id, err: errorText(result.reason) });
      }
    });
    if (failed.length && published.length) {
      this.log.warn(
        { failed: failed.length, first: failed[0] },
        'some outbox rows could not be published; retrying',
      );
    }
    return published;
  }

  private publish(row: OutboxRow): Promise<PubAck> {
    const envelope: EventEnvelope = {
      id: row.id,
      subject: row.subject,
      version: row.version,
      occurredAt: row.created_at.toISOString(),
      payload: row.payload,
      ...(row.aggregate && row.aggregate_version
        ? { aggregate: row.aggregate, aggregateVersion: row.aggregate_version }
        : {}),
    };
    const headers = natsHeaders();
    headers.set(MammutHeaders.eventId, row.id);
    if (row.traceparent) headers.set(MammutHeaders.traceparent, row.traceparent);
    return this.js.publish(this.layout.subject(row.subject), encodeJson(envelope), {
      // Namespaced by schema: two services' outboxes may hold the same id, and the events
      // stream's duplicate window must not drop one for the other.
      msgID: `${this.options.schema}:${row.id}`,
      headers,
      timeout: this.publishTimeoutMs,
      expect: { streamName: this.layout.events },
    });
  }
}

/** The relays running on each NATS connection: what `/metrics` reads the outbox backlog from. */
const relaying = new PerConnection<OutboxRelay>();

/** The relays publishing on `nats` right now. */
export const runningRelays = (nats: NatsConnection): readonly OutboxRelay[] => relaying.on(nats);
