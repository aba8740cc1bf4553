import type { DataSource } from 'typeorm';
import { EVENTS_MAX_AGE_MS } from './streams';

export interface PruneOptions {
  /** Published outbox rows older than this go (JetStream has them; the row was only a send receipt). */
  readonly outboxKeepMs?: number;
  /**
   * Handled-event ids older than this go: past the events stream's age limit plus a day, no
   * redelivery of that event can arrive any more.
   */
  readonly handledKeepMs?: number;
  /** Rows per DELETE, so one prune never holds long locks on a busy table. */
  readonly batchSize?: number;
  /** Checked between batches: a stopping relay does not wait for a long prune to finish. */
  readonly shouldStop?: () => boolean;
}

export interface Pruned {
  readonly outbox: number;
  readonly handledEvents: number;
}

const DAY_MS = 24 * 3600_000;

/** Deletes what a schema's event tables no longer need, in bounded batches. */
export async function pruneEventTables(
  dataSource: DataSource,
  schema: string,
  options: PruneOptions = {},
): Promise<Pruned> {
  const batch = options.batchSize ?? 5000;
  const outboxKeep = options.outboxKeepMs ?? DAY_MS;
  const handledKeep = options.handledKeepMs ?? EVENTS_MAX_AGE_MS + DAY_MS;
  const deleteInBatches = async (sql: string, keepMs: number): Promise<number> => {
    let total = 0;
    for (;;) {
      const [{ n }]: { n: number }[] = await dataSource.query(sql, [`${keepMs} milliseconds`, batch]);
      total += n;
      if (n < batch || options.shouldStop?.()) return total;
    }
  };
  const outbox = await deleteInBatches(
    `WITH gone AS (
       DELETE FROM "${schema}"."outbox" WHERE "id" IN (
         SELECT "id" FROM "${schema}"."outbox"
          WHERE "published_at" < now() - $1::interval LIMIT $2)
       RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    outboxKeep,
  );
  const handledEvents = await deleteInBatches(
    `WITH gone AS (
       DELETE FROM "${schema}"."handled_events" WHERE ("consumer", "event_id") IN (
         SELECT "consumer", "event_id" FROM "${schema}"."handled_events"
          WHERE "handled_at" < now() - $1::interval LIMIT $2)
       RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    handledKeep,
  );
  return { outbox, handledEvents };
}
