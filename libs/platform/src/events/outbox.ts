import type { EventDef } from '@mammut/contracts';
import { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { IdGenerator } from '../ids/snowflake';
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
  /** The service's PostgreSQL schema, which holds its `outbox` table. */
  readonly schema: string;
  readonly ids: IdGenerator;
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
  private readonly channel: string;

  constructor(private readonly options: OutboxOptions) {
    this.table = `"${options.schema}"."outbox"`;
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
    // Ids come from this process's clock; another replica may take the same one in the same
    // millisecond. ON CONFLICT DO NOTHING lets us take the next id without aborting the caller's
    // transaction, and pg_notify only fires (at commit) when the row went in.
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const id = this.options.ids.next();
      const inserted = rowsOf(
        await manager.query(
          `WITH inserted AS (
             INSERT INTO ${this.table} ("id", "subject", "version", "payload", "traceparent")
             VALUES ($1, $2, $3, $4::jsonb, $5)
             ON CONFLICT ("id") DO NOTHING
             RETURNING "id")
           SELECT pg_notify($6, '') FROM inserted`,
          [id, def.subject, def.version, body, options.traceparent ?? null, this.channel],
        ),
      );
      if (inserted.length === 1) return id;
    }
    throw new OutboxError(`Could not find a free outbox id for ${def.subject}`);
  }
}
