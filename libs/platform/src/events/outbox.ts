import type { EventDef } from '@mammut/contracts';
import { EntityManager } from 'typeorm';
import type { z } from 'zod';
import { zodProblems } from './streams';

/** Anything that runs SQL: a TypeORM EntityManager inside a transaction, a `pg` client. */
export interface SqlExecutor {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** Rows of a query, whether the executor answers with rows (TypeORM) or a result object (`pg`). */
export function rowsOf(result: unknown): unknown[] {
  if (Array.isArray(result)) return result;
  if (result && typeof result === 'object' && 'rows' in result && Array.isArray(result.rows)) {
    return result.rows;
  }
  return [];
}

/** The NOTIFY channel of one schema's outbox: relays LISTEN on it to wake as soon as a writer commits. */
export const outboxChannel = (schema: string): string => `mammut_outbox_${schema}`;

export class OutboxError extends Error {
  override name = 'OutboxError';
}

export interface OutboxOptions {
  /** The service's PostgreSQL schema, which holds its `outbox` table (ids from its `timestamp_id` default). */
  readonly schema: string;
}

export interface OutboxAddOptions {
  /** W3C traceparent of the request that caused the change, carried to consumers. */
  readonly traceparent?: string;
}

/**
 * Writes events in the caller's transaction, so an event exists exactly when the change it
 * describes committed. The relay publishes them afterwards.
 */
export class Outbox {
  private readonly table: string;
  private readonly versions: string;
  private readonly channel: string;

  constructor(private readonly options: OutboxOptions) {
    this.table = `"${options.schema}"."outbox"`;
    this.versions = `"${options.schema}"."aggregate_versions"`;
    this.channel = outboxChannel(options.schema);
  }

  /** Validates the payload and inserts the event; returns its id (also its JetStream msg id). */
  async add<D extends EventDef>(
    manager: SqlExecutor,
    def: D,
    payload: z.input<D['payload']>,
    options: OutboxAddOptions = {},
  ): Promise<string> {
    if (def.kind !== 'event' || !def.subject.startsWith('events.')) {
      throw new OutboxError(`${def.subject} is not an event declaration`);
    }
    // An EntityManager outside a transaction would commit the event on its own, before (or
    // without) the change it describes.
    if (manager instanceof EntityManager && !manager.queryRunner?.isTransactionActive) {
      throw new OutboxError(`Outbox.add(${def.subject}) must get the EntityManager of a transaction`);
    }
    const parsed = def.payload.safeParse(payload);
    if (!parsed.success) {
      throw new OutboxError(`Invalid payload for ${def.subject}: ${zodProblems(parsed.error)}`);
    }
    const body = JSON.stringify(parsed.data);
    const aggregate = def.aggregate?.(parsed.data) ?? null;
    // The id comes from the table's default (`timestamp_id`, ADR 0007): unique whichever process
    // writes, so the event id, which is also the JetStream msg id, never names two events. The
    // aggregate's next version is taken in the same statement: its row stays locked until the
    // caller's transaction ends, so the versions of one aggregate follow commit order. One round
    // trip, with the NOTIFY that wakes the relays at commit.
    const inserted = rowsOf(
      await manager.query(
        `WITH numbered AS (
           INSERT INTO ${this.versions} ("aggregate", "version") SELECT $6::text, 1 WHERE $6::text IS NOT NULL
           ON CONFLICT ("aggregate") DO UPDATE SET "version" = ${this.versions}."version" + 1
           RETURNING "version"),
         inserted AS (
           INSERT INTO ${this.table} ("subject", "version", "payload", "traceparent", "aggregate", "aggregate_version")
           VALUES ($1, $2, $3::jsonb, $4, $6::text, (SELECT "version" FROM numbered))
           RETURNING "id")
         SELECT "id"::text AS "id", pg_notify($5, '') FROM inserted`,
        [def.subject, def.version, body, options.traceparent ?? null, this.channel, aggregate],
      ),
    );
    const id = (inserted[0] as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string') throw new OutboxError(`The outbox insert of ${def.subject} returned no id`);
    return id;
  }
}
