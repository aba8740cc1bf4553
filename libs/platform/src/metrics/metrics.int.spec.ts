import { defineJob } from '@mammut/contracts';
import {
  cloneTemplateDatabase,
  dropDatabase,
  metricSample,
  servingMetrics,
  testInfra,
  uniqueName,
} from '@mammut/testing';
import { connect, type NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { loadConfig } from '../config/config';
import { createServiceDataSource } from '../database/data-source';
import { jobConsumerName, Jobs } from '../events/jobs';
import { OutboxRelay } from '../events/outbox-relay';
import { streamLayout } from '../events/streams';
import { initLogging } from '../logging/logger';
import { createMetrics, type Metrics } from './metrics';

jest.setTimeout(60_000);

const held = defineJob('jobs.testing.metrics.hold', { payload: z.object({ n: z.number().int() }) });

/** A gate a test opens: until then, whatever awaits `passed` waits. */
function gate(): { passed: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}

/** Scrapes until `series` reads `expected` (or 10 s pass), answering the last value read. */
async function settledAt(
  scrape: () => Promise<string>,
  series: string,
  expected: number,
): Promise<number | undefined> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = metricSample(await scrape(), series);
    if (value === expected || Date.now() > deadline) return value;
    await new Promise((resume) => setTimeout(resume, 100));
  }
}

/**
 * The gauges `/metrics` reads at each scrape, on real PostgreSQL and JetStream: the rows an outbox
 * relay has not published yet, and the messages a durable consumer has not delivered yet.
 */
describe('gauges read at the scrape', () => {
  const infra = testInfra();
  const prefix = uniqueName('metrics');
  let nats: NatsConnection;
  let databaseUrl: string;
  let db: DataSource;
  let metrics: Metrics;

  beforeAll(async () => {
    initLogging('warn');
    nats = await connect({ servers: infra.natsUrl });
    databaseUrl = await cloneTemplateDatabase(infra);
    db = await createServiceDataSource({
      schema: 'accounts',
      url: databaseUrl,
      entities: [],
      migrations: [],
    }).initialize();
    metrics = await createMetrics(loadConfig({ HEALTH_PORT: '9464' }), 'accounts', nats);
  });
  afterAll(async () => {
    await metrics?.shutdown();
    const jsm = await nats.jetstreamManager();
    const layout = streamLayout(prefix);
    for (const stream of [layout.events, layout.jobs, layout.dead])
      await jsm.streams.delete(stream).catch(() => undefined);
    await nats?.drain();
    await db?.destroy();
    if (databaseUrl) await dropDatabase(infra, databaseUrl);
  });
  const scraping = <T>(work: (scrape: () => Promise<string>) => Promise<T>): Promise<T> =>
    servingMetrics((request, response) => metrics.serve(request, response), work);

  it('mammut_outbox_backlog: the rows of a schema its relay has not published yet', async () => {
    for (let n = 0; n < 3; n++) {
      await db.query(
        `INSERT INTO accounts.outbox (subject, version, payload) VALUES ('events.accounts.metrics.counted', 1, $1)`,
        [JSON.stringify({ n })],
      );
    }
    const publishing = gate();
    const relay = new OutboxRelay({
      schema: 'accounts',
      dataSource: db,
      nats,
      prefix,
      // The batch is published but not marked yet: the rows are still owed.
      beforeMarkPublished: () => publishing.passed,
    });
    const series = 'mammut_outbox_backlog{schema="accounts"}';
    await scraping(async (scrape) => {
      expect(metricSample(await scrape(), series)).toBeUndefined();
      await relay.start();
      try {
        expect(metricSample(await scrape(), series)).toBe(3);
        publishing.open();
        expect(await settledAt(scrape, series, 0)).toBe(0);
      } finally {
        await relay.stop();
      }
    });
  });

  it('mammut_jetstream_consumer_pending: what a worker’s durable consumer has not delivered yet', async () => {
    const jobs = new Jobs({ nats, prefix });
    for (let n = 0; n < 5; n++) await jobs.enqueue(held, { n });
    const working = gate();
    const entered = gate();
    await jobs.work(
      held,
      () => {
        entered.open();
        return working.passed;
      },
      { maxAttempts: 1, backoffMs: [], concurrency: 1 },
    );
    const stream = streamLayout(prefix).jobs;
    const series = `mammut_jetstream_consumer_pending{stream="${stream}",consumer="${jobConsumerName(held)}"}`;
    const jsm = await nats.jetstreamManager();
    const pendingNow = async (): Promise<number> =>
      (await jsm.consumers.info(stream, jobConsumerName(held))).num_pending;
    try {
      await scraping(async (scrape) => {
        // One job in the handler and at most a few pulled ahead: the rest wait in the stream. The
        // client may still be pulling ahead when the handler is entered, so the scrape is compared
        // with JetStream's count read just before and just after it, until the two agree.
        await entered.passed;
        const deadline = Date.now() + 10_000;
        let agreed: { pending: number; scraped: number | undefined } | undefined;
        while (!agreed && Date.now() < deadline) {
          const before = await pendingNow();
          const scraped = metricSample(await scrape(), series);
          if ((await pendingNow()) === before) agreed = { pending: before, scraped };
        }
        expect(agreed?.pending).toBeGreaterThanOrEqual(2);
        expect(agreed?.scraped).toBe(agreed?.pending);
        working.open();
        expect(await settledAt(scrape, series, 0)).toBe(0);
      });
    } finally {
      // A failed expectation must not leave the handler waiting: stop() waits for it.
      working.open();
      await jobs.stop();
    }
  });
});
