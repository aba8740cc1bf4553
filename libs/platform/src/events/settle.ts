import type { JetStreamManager, NatsConnection } from 'nats';
import { rowsOf, type SqlExecutor } from './outbox';
import { errorText, jsErrorCode, streamLayout } from './streams';

export interface SettleOptions {
  readonly nats: NatsConnection;
  /** NATS_PREFIX of the system under test. */
  readonly prefix: string;
  /** Outbox tables that must have no unpublished row. */
  readonly outboxes?: ReadonlyArray<{ readonly db: SqlExecutor; readonly schema: string }>;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

interface Snapshot {
  /** Empty when settled; else what is still moving, for the timeout message. */
  readonly busy: string[];
  /** Last sequence of each stream: a quiet system does not publish between two looks. */
  readonly sequences: string;
}

export class SettleTimeoutError extends Error {
  override name = 'SettleTimeoutError';
}

const STREAM_NOT_FOUND = 10059;

/**
 * For tests: resolves once every given outbox is published and every durable consumer of the
 * events and jobs streams has nothing pending and nothing awaiting an ack (delayed retries count
 * as awaiting). It needs two quiet looks in a row with no new message in between: a handler can
 * commit new outbox rows and ack just between one table count and one consumer check.
 */
export async function settle(options: SettleOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  // Without the API check: JetStream may still be recovering from a restart the test caused.
  const jsm = await options.nats.jetstreamManager({ checkAPI: false });
  let previous: Snapshot | undefined;
  for (;;) {
    // A NATS or PostgreSQL hiccup is one more reason not to be settled yet, not a failure.
    const current = await snapshot(jsm, options).catch(
      (error: unknown): Snapshot => ({ busy: [errorText(error)], sequences: '' }),
    );
    if (
      !current.busy.length &&
      previous &&
      !previous.busy.length &&
      previous.sequences === current.sequences
    ) {
      return;
    }
    if (Date.now() > deadline) {
      throw new SettleTimeoutError(
        `Not settled after ${timeoutMs} ms: ${current.busy.join('; ') || 'messages still arriving'}`,
      );
    }
    previous = current;
    await new Promise((done) => setTimeout(done, intervalMs));
  }
}

async function snapshot(jsm: JetStreamManager, options: SettleOptions): Promise<Snapshot> {
  const busy: string[] = [];
  const sequences: number[] = [];
  for (const outbox of options.outboxes ?? []) {
    const [row] = rowsOf(
      await outbox.db.query(
        `SELECT count(*)::int AS "unpublished" FROM "${outbox.schema}"."outbox" WHERE "published_at" IS NULL`,
      ),
    );
    const unpublished = (row as { unpublished?: number } | undefined)?.unpublished ?? 0;
    if (unpublished) busy.push(`${unpublished} unpublished rows in ${outbox.schema}.outbox`);
  }
  const layout = streamLayout(options.prefix);
  for (const stream of [layout.events, layout.jobs]) {
    try {
      const info = await jsm.streams.info(stream);
      sequences.push(info.state.last_seq);
    } catch (error) {
      if (jsErrorCode(error) === STREAM_NOT_FOUND) continue;
      throw error;
    }
    for await (const consumer of jsm.consumers.list(stream)) {
      if (consumer.num_pending || consumer.num_ack_pending) {
        busy.push(
          `${stream}/${consumer.name}: ${consumer.num_pending} pending, ${consumer.num_ack_pending} awaiting ack`,
        );
      }
    }
  }
  return { busy, sequences: sequences.join(',') };
}
