import { defineEvent, type EventDef } from '@mammut/contracts';
import { testInfra, uniqueName } from '@mammut/testing';
import { connect, type NatsConnection } from 'nats';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { createServiceDataSource } from '../database/data-source';
import { eventOrderingSql, outboxTablesSql } from '../database/outbox-schema';
import { timestampIdColumnSql, timestampIdFunctionsSql } from '../database/timestamp-id';
import { initLogging } from '../logging/logger';
import { EventConsumers, type EventMeta, on } from './event-consumers';
import { Outbox } from './outbox';
import { settle } from './settle';
import { encodeJson, ensureStreams, type EventEnvelope, streamLayout } from './streams';

jest.setTimeout(60_000);

// Events of one aggregate (an edge from a to b) applied in the producer's order, whatever order
// JetStream hands them over in; on real PostgreSQL and NATS.
const edge = z.object({ a: z.string(), b: z.string() });
const aggregate = (p: z.infer<typeof edge>): string => `edge:${p.a}:${p.b}`;
const created = defineEvent('events.ordering.edge.created', { version: 1, payload: edge, aggregate });
const removed = defineEvent('events.ordering.edge.removed', { version: 1, payload: edge, aggregate });
/** Nobody here handles it; it still takes its place in its aggregate. */
const noted = defineEvent('events.ordering.edge.noted', { version: 1, payload: edge, aggregate });

const schema = uniqueName('int_order_');
let dataSource: DataSource;
let nc: NatsConnection;
let outbox: Outbox;

beforeAll(async () => {
  initLogging('silent');
  const infra = testInfra();
  nc = await connect({ servers: infra.natsUrl });
  dataSource = createServiceDataSource({ schema, url: infra.databaseUrl, entities: [], migrations: [] });
  await dataSource.initialize();
  await dataSource.query(`CREATE SCHEMA "${schema}"`);
  for (const sql of [
    ...outboxTablesSql(schema),
    ...timestampIdFunctionsSql(schema),
    ...timestampIdColumnSql(schema, 'outbox'),
    ...eventOrderingSql(schema),
    `CREATE TABLE "${schema}"."edges" ("consumer" text, "a" text, "b" text, PRIMARY KEY ("consumer", "a", "b"))`,
    `CREATE TABLE "${schema}"."log" ("consumer" text, "aggregate" text, "version" int, "at" serial)`,
  ])
    await dataSource.query(sql);
  outbox = new Outbox({ schema });
});

/** Each test its own streams: a stopped durable consumer of another test would never settle. */
let prefix: string;
beforeEach(() => {
  prefix = uniqueName('order');
});

afterAll(async () => {
  await nc?.drain();
  if (dataSource?.isInitialized) {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  }
});

/** A projection of the edges, logging which version of which aggregate it applied, in order. */
async function edgesProjection(
  consumers: EventConsumers,
  consumer: string,
  options: { gapTimeoutMs?: number; concurrency?: number } = {},
): Promise<void> {
  const log = (tx: EntityManager, meta: EventMeta): Promise<unknown> =>
    tx.query(`INSERT INTO "${schema}"."log" ("consumer", "aggregate", "version") VALUES ($1, $2, $3)`, [
      consumer,
      meta.aggregate?.key,
      meta.aggregate?.version,
    ]);
  await consumers.consume({ consumer, schema, dataSource, retryDelayMs: () => 100, ...options }, [
    on(created, async ({ a, b }, tx, meta) => {
      await tx.query(`INSERT INTO "${schema}"."edges" VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
        consumer,
        a,
        b,
      ]);
      await log(tx, meta);
    }),
    on(removed, async ({ a, b }, tx, meta) => {
      await tx.query(`DELETE FROM "${schema}"."edges" WHERE "consumer" = $1 AND "a" = $2 AND "b" = $3`, [
        consumer,
        a,
        b,
      ]);
      await log(tx, meta);
    }),
  ]);
}

let nextId = 1;
/** Puts an event on the stream as a relay would, but in the order the test chooses. */
async function publish(
  def: EventDef<string, typeof edge>,
  payload: z.infer<typeof edge>,
  version: number,
  occurredAt = new Date(),
): Promise<void> {
  const envelope: EventEnvelope = {
    id: String(nextId++),
    subject: def.subject,
    version: 1,
    occurredAt: occurredAt.toISOString(),
    payload,
    aggregate: aggregate(payload),
    aggregateVersion: version,
  };
  await nc.jetstream().publish(streamLayout(prefix).subject(def.subject), encodeJson(envelope), {
    msgID: `${prefix}-${envelope.id}`,
  });
}

const edgesOf = async (consumer: string): Promise<string[]> =>
  (
    await dataSource.query<{ a: string; b: string }[]>(
      `SELECT "a", "b" FROM "${schema}"."edges" WHERE "consumer" = $1 ORDER BY "a", "b"`,
      [consumer],
    )
  ).map((row) => `${row.a}->${row.b}`);

const logOf = async (consumer: string): Promise<[string, number][]> =>
  (
    await dataSource.query<{ aggregate: string; version: number }[]>(
      `SELECT "aggregate", "version" FROM "${schema}"."log" WHERE "consumer" = $1 ORDER BY "at"`,
      [consumer],
    )
  ).map((row) => [row.aggregate, row.version]);

const settled = (): Promise<void> => settle({ nats: nc, prefix, timeoutMs: 20_000 });

describe('event order per aggregate', () => {
  it('numbers each aggregate’s events in commit order, a transaction waiting for the one before', async () => {
    const payload = { a: '1', b: '2' };
    await dataSource.transaction((tx) => outbox.add(tx, created, payload));
    let releaseFirst: () => void = () => undefined;
    const firstHolds = new Promise<void>((done) => (releaseFirst = done));
    let firstWrote: () => void = () => undefined;
    const wrote = new Promise<void>((done) => (firstWrote = done));
    const first = dataSource.transaction(async (tx) => {
      await outbox.add(tx, removed, payload);
      firstWrote();
      await firstHolds;
    });
    await wrote;
    // The second writer of the same aggregate waits for the first to commit, then follows it.
    const second = dataSource.transaction((tx) => outbox.add(tx, created, payload));
    const other = await dataSource.transaction((tx) => outbox.add(tx, created, { a: '1', b: '3' }));
    releaseFirst();
    await Promise.all([first, second]);
    const rows = await dataSource.query<{ id: string; subject: string; aggregate: string; v: number }[]>(
      `SELECT "id"::text AS "id", "subject", "aggregate", "aggregate_version"::int AS "v"
         FROM "${schema}"."outbox" WHERE "aggregate" IN ('edge:1:2', 'edge:1:3')
        ORDER BY "aggregate", "aggregate_version"`,
    );
    expect(rows.map((r) => [r.aggregate, r.v, r.subject])).toEqual([
      ['edge:1:2', 1, created.subject],
      ['edge:1:2', 2, removed.subject],
      ['edge:1:2', 3, created.subject],
      ['edge:1:3', 1, created.subject],
    ]);
    expect(rows.find((r) => r.aggregate === 'edge:1:3')?.id).toBe(other);
  });

  it('applies an aggregate’s events in their order, whatever order they arrive in', async () => {
    const consumers = new EventConsumers({ nats: nc, prefix });
    await edgesProjection(consumers, 'replayed', { concurrency: 4 });
    try {
      // Created then removed, handed over backwards: the projection must end with no edge.
      await publish(removed, { a: 'x', b: 'y' }, 2);
      await publish(created, { a: 'x', b: 'y' }, 1);
      // Created, removed, created again, arriving 3, 1, 2.
      await publish(created, { a: 'x', b: 'z' }, 3);
      await publish(created, { a: 'x', b: 'z' }, 1);
      await publish(removed, { a: 'x', b: 'z' }, 2);
      // An event nobody here handles still takes its place: version 2 does not wait for it.
      await publish(noted, { a: 'n', b: 'm' }, 1);
      await publish(created, { a: 'n', b: 'm' }, 2);
      await settled();
      // A replay of an old version (new event id) after a newer one was applied changes nothing.
      await publish(created, { a: 'x', b: 'y' }, 1);
      await settled();
    } finally {
      await consumers.stop();
    }
    expect(await edgesOf('replayed')).toEqual(['n->m', 'x->z']);
    const log = await logOf('replayed');
    const versionsOf = (key: string): number[] => log.filter(([k]) => k === key).map(([, v]) => v);
    expect(versionsOf('edge:x:y')).toEqual([1, 2]);
    expect(versionsOf('edge:x:z')).toEqual([1, 2, 3]);
    expect(versionsOf('edge:n:m')).toEqual([2]);
  });

  it('keeps the order through events a handler declines (`when`), applying the others', async () => {
    const consumers = new EventConsumers({ nats: nc, prefix });
    const consumer = 'choosy';
    await consumers.consume({ consumer, schema, dataSource, retryDelayMs: () => 100, gapTimeoutMs: 60_000 }, [
      on(created, async (_payload, tx, meta) => {
        await tx.query(
          `INSERT INTO "${schema}"."log" ("consumer", "aggregate", "version") VALUES ($1, $2, $3)`,
          [consumer, meta.aggregate?.key, meta.aggregate?.version],
        );
      }),
      // This projection keeps no removals: they only keep their place.
      on(removed, () => Promise.reject(new Error('declined events are not handled')), { when: () => false }),
    ]);
    try {
      // Created, removed, created, removed, created, handed over backwards. A declined one that
      // came early must wait its turn like any other, or the ones after it would wait out the gap
      // (a minute here) and the test time out.
      const payload = { a: 'p', b: 'q' };
      for (const version of [5, 4, 3, 2, 1]) await publish(version % 2 ? created : removed, payload, version);
      await settled();
      expect(await logOf(consumer)).toEqual([
        ['edge:p:q', 1],
        ['edge:p:q', 3],
        ['edge:p:q', 5],
      ]);
      const positions = await dataSource.query<{ version: number }[]>(
        `SELECT "version"::int AS "version" FROM "${schema}"."aggregate_positions" WHERE "consumer" = $1`,
        [consumer],
      );
      expect(positions).toEqual([{ version: 5 }]);
      // Only what was applied claimed an event id; the declined ones only moved the place on.
      const claimed = await dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM "${schema}"."handled_events" WHERE "consumer" = $1`,
        [consumer],
      );
      expect(claimed[0].n).toBe(3);
    } finally {
      await consumers.stop();
    }
  });

  it('never lets an event overtake a predecessor whose handler is failing and being retried', async () => {
    const consumers = new EventConsumers({ nats: nc, prefix });
    let failures = 0;
    await consumers.consume(
      // Retries come slower than the gap timeout: only the record of the failure holds version 2 back.
      {
        consumer: 'patient',
        schema,
        dataSource,
        retryDelayMs: () => 1_500,
        gapTimeoutMs: 300,
        concurrency: 4,
      },
      [
        on(created, async (_payload, tx, meta) => {
          if (failures < 2) {
            failures += 1;
            throw new Error('a dependency is down');
          }
          await tx.query(
            `INSERT INTO "${schema}"."log" ("consumer", "aggregate", "version") VALUES ($1, $2, $3)`,
            ['patient', meta.aggregate?.key, meta.aggregate?.version],
          );
        }),
        on(removed, async (_payload, tx, meta) => {
          await tx.query(
            `INSERT INTO "${schema}"."log" ("consumer", "aggregate", "version") VALUES ($1, $2, $3)`,
            ['patient', meta.aggregate?.key, meta.aggregate?.version],
          );
        }),
      ],
    );
    try {
      await publish(created, { a: 'f', b: 'g' }, 1);
      await publish(removed, { a: 'f', b: 'g' }, 2);
      await settled();
    } finally {
      await consumers.stop();
    }
    expect(failures).toBe(2);
    expect(await logOf('patient')).toEqual([
      ['edge:f:g', 1],
      ['edge:f:g', 2],
    ]);
  });

  it('applies an event whose predecessor never comes once the gap has waited long enough', async () => {
    const consumers = new EventConsumers({ nats: nc, prefix });
    await edgesProjection(consumers, 'gapped', { gapTimeoutMs: 1000 });
    try {
      await publish(created, { a: 'g', b: 'h' }, 2);
      await settled();
    } finally {
      await consumers.stop();
    }
    expect(await edgesOf('gapped')).toEqual(['g->h']);
  });

  it('takes history from before the consumer existed as it is (its beginning may have expired)', async () => {
    const consumers = new EventConsumers({ nats: nc, prefix });
    const old = new Date(Date.now() - 3600_000);
    await ensureStreams(await nc.jetstreamManager(), streamLayout(prefix), ['events']);
    await publish(created, { a: 'o', b: 'p' }, 7, old);
    // Long gap timeout: only the "older than this consumer" rule can let version 7 in at once.
    await edgesProjection(consumers, 'late', { gapTimeoutMs: 600_000 });
    try {
      await settled();
    } finally {
      await consumers.stop();
    }
    expect(await edgesOf('late')).toEqual(['o->p']);
  });
});
