import { cloneTemplateDatabase, dropDatabase, testInfra } from '@mammut/testing';
import type { DataSource } from 'typeorm';
import { createServiceDataSource } from '../database/data-source';
import { pruneEventTables } from './prune';

jest.setTimeout(60_000);

describe('pruneEventTables', () => {
  let databaseUrl: string;
  let db: DataSource;

  beforeAll(async () => {
    databaseUrl = await cloneTemplateDatabase(testInfra());
    db = await createServiceDataSource({
      schema: 'accounts',
      url: databaseUrl,
      entities: [],
      migrations: [],
    }).initialize();
  });
  afterAll(async () => {
    await db?.destroy();
    if (databaseUrl) await dropDatabase(testInfra(), databaseUrl);
  });

  it('deletes published outbox rows past a day and handled ids past the stream age, in batches, and nothing else', async () => {
    const outbox = (id: number, published: string | null, created = 'now()'): Promise<unknown> =>
      db.query(
        `INSERT INTO accounts.outbox (id, subject, version, payload, created_at, published_at)
         VALUES ($1, 'events.accounts.test.done', 1, '{}', ${created}, ${published ?? 'NULL'})`,
        [id],
      );
    for (let id = 1; id <= 5; id++)
      await outbox(id, `now() - interval '2 days'`, `now() - interval '2 days'`);
    await outbox(6, `now() - interval '1 hour'`);
    // Never published, however old: the relay still owes it to JetStream.
    await outbox(7, null, `now() - interval '30 days'`);
    const handled = (consumer: string, age: string): Promise<unknown> =>
      db.query(
        `INSERT INTO accounts.handled_events (consumer, event_id, handled_at) VALUES ($1, $2, now() - $3::interval)`,
        [consumer, `${consumer}-${age}`, age],
      );
    await handled('a', '9 days');
    await handled('b', '9 days');
    await handled('a', '6 days');

    const pruned = await pruneEventTables(db, 'accounts', { batchSize: 2 });
    expect(pruned).toEqual({ outbox: 5, handledEvents: 2 });
    const left: { id: string }[] = await db.query(`SELECT id::text FROM accounts.outbox ORDER BY id`);
    expect(left.map((row) => row.id)).toEqual(['6', '7']);
    const kept: { event_id: string }[] = await db.query(`SELECT event_id FROM accounts.handled_events`);
    expect(kept.map((row) => row.event_id)).toEqual(['a-6 days']);
    expect(await pruneEventTables(db, 'accounts')).toEqual({ outbox: 0, handledEvents: 0 });
  });
});
