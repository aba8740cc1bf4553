import { randomBytes } from 'node:crypto';
import { defineEvent, type EventDef } from '@mammut/contracts';
import { connect, headers as natsHeaders, type JetStreamManager, type NatsConnection } from 'nats';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { createServiceDataSource } from '../database/data-source';
import { eventOrderingSql, outboxTablesSql } from '../database/outbox-schema';
import { timestampIdColumnSql, timestampIdFunctionsSql } from '../database/timestamp-id';
import { ensureInfra, type Infra, removeInfraData } from '../infra/local-infra';
import { initLogging } from '../logging/logger';
import { EventConsumers, type EventMeta, on } from './event-consumers';
import { Outbox } from './outbox';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import { settle } from './settle';
import { encodeJson, type EventEnvelope, streamLayout } from './streams';
import { TestNatsServer } from './test-nats-server';

// Outbox → relay → JetStream → consumers on real PostgreSQL (the run's, else our own) and a
// nats-server of this file's own, which the fault test stops and restarts mid-stream.
jest.setTimeout(120_000);

const run = randomBytes(4).toString('hex');
const schema = `int_events_${run}`;
const prefix = `int_events_${run}`;
const layout = streamLayout(prefix);
const infraDir = `.data/int-outbox-${run}`;

/** Each test its own producer: a consumer reads everything one producer announces. */
const noteWritten = (producer: string): EventDef<string, z.ZodObject<{ n: z.ZodNumber }>> =>
  defineEvent(`events.${producer}.note.written`, { version: 1, payload: z.object({ n: z.number().int() }) });

let infra: Infra | undefined;
let nats: TestNatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
let dataSource: DataSource;
let outbox: Outbox;

beforeAll(async () => {
  initLogging('warn');
  let databaseUrl = process.env.MAMMUT_TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!databaseUrl) {
    infra = await ensureInfra({
      dataDir: infraDir,
      fresh: true,
      ephemeral: true,
      log: () => undefined,
    });
    databaseUrl = infra.databaseUrl;
  }
  nats = await TestNatsServer.start(`.data/int-outbox-nats-${run}`);
  nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  jsm = await nc.jetstreamManager();
  dataSource = createServiceDataSource({
    schema,
    url: databaseUrl,
    entities: [],
    migrations: [],
    poolSize: 20,
  });
  await dataSource.initialize();
  await dataSource.query(`CREATE SCHEMA "${schema}"`);
  for (const sql of [
    ...outboxTablesSql(schema),
    ...timestampIdFunctionsSql(schema),
    ...timestampIdColumnSql(schema, 'outbox'),
    ...eventOrderingSql(schema),
  ])
    await dataSource.query(sql);
  // No unique constraint on purpose: a handler applied twice must show up as two rows.
  await dataSource.query(
    `CREATE TABLE "${schema}"."applied" ("consumer" text NOT NULL, "event_id" text NOT NULL, "n" integer NOT NULL)`,
  );
  outbox = new Outbox({ schema });
});

afterAll(async () => {
  await nc?.close();
  if (dataSource?.isInitialized) {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  }
  await nats?.destroy();
  if (infra) {
    await infra.stop();
    removeInfraData(infraDir);
  }
});

class Rollback extends Error {}

/** Writes `count` events, `perTx` per transaction; with `rollback` every transaction is rolled back. */
async function writeEvents(
  def: ReturnType<typeof noteWritten>,
  count: number,
  options: { perTx?: number; rollback?: boolean; pauseMs?: number } = {},
): Promise<void> {
  const perTx = options.perTx ?? 10;
  for (let first = 0; first < count; first += perTx) {
    await dataSource
      .transaction(async (tx) => {
        for (let n = first; n < Math.min(count, first + perTx); n += 1) await outbox.add(tx, def, { n });
        if (options.rollback) throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
    if (options.pauseMs) await new Promise((done) => setTimeout(done, options.pauseMs));
  }
}

function relay(options: Partial<OutboxRelayOptions> = {}): OutboxRelay {
  return new OutboxRelay({ schema, dataSource, nats: nc, prefix, pollIntervalMs: 100, ...options });
}

async function messagesOn(def: EventDef): Promise<number> {
  const subject = layout.subject(def.subject);
  const info = await jsm.streams.info(layout.events, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await dataSource.query<{ count: number }[]>(sql, params);
  return row?.count ?? 0;
}

/** A consumer whose handler records each application in `applied`. */
async function recordingConsumer(
  consumers: EventConsumers,
  def: ReturnType<typeof noteWritten>,
  consumer: string,
  options: { concurrency?: number; ackWaitMs?: number; before?: (n: number, meta: EventMeta) => void } = {},
): Promise<void> {
  await consumers.consume(
    {
      consumer,
      schema,
      dataSource,
      retryDelayMs: () => 100,
      concurrency: options.concurrency ?? 1,
      ...(options.ackWaitMs ? { ackWaitMs: options.ackWaitMs } : {}),
    },
    [
      on(def, async (payload, tx: EntityManager, meta) => {
        options.before?.(payload.n, meta);
        await tx.query(
          `INSERT INTO "${schema}"."applied" ("consumer", "event_id", "n") VALUES ($1, $2, $3)`,
          [consumer, meta.eventId, payload.n],
        );
      }),
    ],
  );
}

const settled = (timeoutMs = 20_000): Promise<void> =>
  settle({ nats: nc, prefix, outboxes: [{ db: dataSource, schema }], timeoutMs });

describe('outbox and relay', () => {
  it('publishes committed events exactly once, with several relays, and nothing from rolled-back transactions', async () => {
    const def = noteWritten('committed');
    await writeEvents(def, 30);
    await writeEvents(def, 20, { rollback: true });
    const relays = [relay({ batchSize: 7 }), relay({ batchSize: 7 })];
    await Promise.all(relays.map((r) => r.start()));
    try {
      // More written while both relays compete for rows.
      await Promise.all([writeEvents(def, 35, { pauseMs: 2 }), writeEvents(def, 35, { pauseMs: 2 })]);
      await settled();
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
    }

    expect(
      await count(`SELECT count(*)::int AS count FROM "${schema}"."outbox" WHERE "subject" = $1`, [
        def.subject,
      ]),
    ).toBe(100);
    expect(await messagesOn(def)).toBe(100);
    // SKIP LOCKED: no row was sent by both relays (JetStream would have hidden it, the PubAck says so).
    expect(relays.reduce((sum, r) => sum + r.stats.duplicates, 0)).toBe(0);
    expect(relays.reduce((sum, r) => sum + r.stats.published, 0)).toBe(100);

    const stored = await jsm.streams.getMessage(layout.events, { last_by_subj: layout.subject(def.subject) });
    const envelope = stored.json<EventEnvelope>();
    expect(envelope.subject).toBe(def.subject);
    expect(envelope.version).toBe(1);
    expect(typeof (envelope.payload as { n?: unknown }).n).toBe('number');
    expect(stored.header.get('Nats-Msg-Id')).toBe(`${schema}:${envelope.id}`);
    expect(
      await count(
        `SELECT count(*)::int AS count FROM "${schema}"."outbox" WHERE "id" = $1 AND "published_at" IS NOT NULL`,
        [envelope.id],
      ),
    ).toBe(1);
  });

  it('wakes on NOTIFY at commit instead of waiting for its poll', async () => {
    const def = noteWritten('notified');
    const lazy = relay({ pollIntervalMs: 60_000 });
    // One event before the start: once it is on the stream, the relay has taken its first batch
    // and its next round waits for a NOTIFY or for the minute-long poll.
    await writeEvents(def, 1);
    await lazy.start();
    try {
      await waitUntil(async () => (await messagesOn(def)) === 1, 5000);
      const started = Date.now();
      await writeEvents(def, 1);
      while ((await messagesOn(def)) < 2 && Date.now() - started < 5000) {
        await new Promise((done) => setTimeout(done, 20));
      }
      expect(await messagesOn(def)).toBe(2);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await lazy.stop();
    }
  });
});

describe('event consumers', () => {
  it('applies each event once although it is delivered twice, retries a failing handler, terminates a bad payload', async () => {
    const def = noteWritten('duplicated');
    const consumers = new EventConsumers({ nats: nc, prefix });
    const attempts = new Map<number, number>();
    await recordingConsumer(consumers, def, 'dup-consumer', {
      before: (n) => {
        attempts.set(n, (attempts.get(n) ?? 0) + 1);
        if (n === 5 && attempts.get(n) === 1) throw new Error('transient failure');
      },
    });
    const relays = [relay()];
    await relays[0]?.start();
    try {
      await writeEvents(def, 20);
      await settled();
      // The same events again under new msg ids: JetStream keeps them, the consumer must skip them.
      const rows = await dataSource.query<{ id: string; payload: unknown; created_at: Date }[]>(
        `SELECT "id"::text AS id, "payload", "created_at" FROM "${schema}"."outbox" WHERE "subject" = $1`,
        [def.subject],
      );
      const js = nc.jetstream();
      for (const row of rows) {
        const envelope: EventEnvelope = {
          id: row.id,
          subject: def.subject,
          version: 1,
          occurredAt: row.created_at.toISOString(),
          payload: row.payload,
        };
        await js.publish(layout.subject(def.subject), encodeJson(envelope), { msgID: `again-${row.id}` });
      }
      // A payload that does not match the declaration, and a body that is not an envelope.
      const bad: EventEnvelope = {
        id: '1',
        subject: def.subject,
        version: 1,
        occurredAt: '',
        payload: { n: 'x' },
      };
      await js.publish(layout.subject(def.subject), encodeJson(bad), { headers: natsHeaders() });
      await js.publish(layout.subject(def.subject), new TextEncoder().encode('not json'));
      await settled();
    } finally {
      await consumers.stop();
      await Promise.all(relays.map((r) => r.stop()));
    }

    expect(await messagesOn(def)).toBe(42);
    expect(
      await count(
        `SELECT count(*)::int AS count FROM "${schema}"."applied" WHERE "consumer" = 'dup-consumer'`,
      ),
    ).toBe(20);
    expect(
      await count(
        `SELECT count(DISTINCT "event_id")::int AS count FROM "${schema}"."applied" WHERE "consumer" = 'dup-consumer'`,
      ),
    ).toBe(20);
    expect(
      await count(
        `SELECT count(*)::int AS count FROM "${schema}"."handled_events" WHERE "consumer" = 'dup-consumer'`,
      ),
    ).toBe(20);
    expect(attempts.get(5)).toBe(2);
    expect([...attempts.values()].reduce((a, b) => a + b, 0)).toBe(21);
  });
});

describe('faults', () => {
  it('applies each of 500 events exactly once across a relay killed mid-batch and a NATS restart', async () => {
    const def = noteWritten('survived');
    const consumers = new EventConsumers({ nats: nc, prefix });
    // Acks lost with the connection come back after ack_wait, kept short here.
    await recordingConsumer(consumers, def, 'fault-consumer', { concurrency: 4, ackWaitMs: 3000 });
    let batches = 0;
    let killedBatch: readonly string[] = [];
    const first = relay({
      batchSize: 50,
      beforeMarkPublished: (ids) => {
        batches += 1;
        if (batches < 3) return Promise.resolve();
        // Dead from here on: every later round fails the same way until the test stops it.
        if (!killedBatch.length) killedBatch = ids;
        return Promise.reject(new Error('relay killed after its PubAcks, before marking the rows'));
      },
    });
    // A short PubAck timeout: publishes sent while NATS is down are answered by nobody.
    const second = relay({ batchSize: 50, publishTimeoutMs: 1500 });
    const applied = (): Promise<number> =>
      count(`SELECT count(*)::int AS count FROM "${schema}"."applied" WHERE "consumer" = 'fault-consumer'`);
    try {
      await first.start();
      const writing = writeEvents(def, 500, { pauseMs: 40 });
      await waitUntil(() => Promise.resolve(killedBatch.length > 0), 30_000);
      await first.stop();
      await second.start();

      // NATS goes away while events are still being written, relayed and consumed.
      await waitUntil(async () => (await applied()) >= 150, 30_000);
      // A clean stop: nats-server 2.9 (Debian's) does not fsync each write, so after a SIGKILL it may
      // forget messages it had acknowledged, which no client can make up for.
      await nats.stop('SIGTERM');
      await new Promise((done) => setTimeout(done, 1500));
      await nats.launch();

      await writing;
      await settled(60_000);
    } finally {
      await consumers.stop();
      await first.stop();
      await second.stop();
    }

    // The rows the killed relay had sent but not marked were sent again and dropped by JetStream.
    expect(second.stats.duplicates).toBeGreaterThanOrEqual(killedBatch.length);
    expect(await messagesOn(def)).toBe(500);
    expect(await applied()).toBe(500);
    expect(
      await count(
        `SELECT count(DISTINCT "event_id")::int AS count FROM "${schema}"."applied" WHERE "consumer" = 'fault-consumer'`,
      ),
    ).toBe(500);
    expect(
      await count(
        `SELECT count(DISTINCT "n")::int AS count FROM "${schema}"."applied" WHERE "consumer" = 'fault-consumer'`,
      ),
    ).toBe(500);
    expect(
      await count(
        `SELECT count(*)::int AS count FROM "${schema}"."outbox" WHERE "subject" = $1 AND "published_at" IS NULL`,
        [def.subject],
      ),
    ).toBe(0);
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 20));
  }
}
