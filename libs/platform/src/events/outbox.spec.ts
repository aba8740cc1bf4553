import { defineEvent } from '@mammut/contracts';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { Outbox, outboxChannel, OutboxError, rowsOf, type SqlExecutor } from './outbox';

const statusCreated = defineEvent('events.statuses.status.created', {
  version: 2,
  payload: z.object({ statusId: z.string().regex(/^\d+$/), accountId: z.string() }),
  aggregate: (p) => `status:${p.statusId}`,
});

const EVENT_ID = '111396426281369600';

interface Call {
  readonly sql: string;
  readonly params: unknown[];
}

/** Answers like PostgreSQL would: the row its `timestamp_id` default made (or `rows`, when given). */
function fakeTransaction(
  rows: unknown[] = [{ id: EVENT_ID, pg_notify: '' }],
): SqlExecutor & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    query(sql: string, params: unknown[] = []) {
      calls.push({ sql, params });
      return Promise.resolve(rows);
    },
  };
}

describe('Outbox.add', () => {
  it('inserts the validated payload, the version and the traceparent, notifies, and returns the id the database made', async () => {
    const tx = fakeTransaction();
    const outbox = new Outbox({ schema: 'statuses' });

    const id = await outbox.add(
      tx,
      statusCreated,
      { statusId: '42', accountId: '7' },
      { traceparent: '00-abc-def-01' },
    );

    expect(id).toBe(EVENT_ID);
    expect(tx.calls).toHaveLength(1);
    const [call] = tx.calls;
    expect(call?.sql).toContain(
      'INSERT INTO "statuses"."outbox" ("subject", "version", "payload", "traceparent", "aggregate", "aggregate_version")',
    );
    expect(call?.sql).toContain('INSERT INTO "statuses"."aggregate_versions"');
    expect(call?.params).toEqual([
      'events.statuses.status.created',
      2,
      JSON.stringify({ statusId: '42', accountId: '7' }),
      '00-abc-def-01',
      outboxChannel('statuses'),
      'status:42',
    ]);
  });

  it('writes no aggregate for an event that declares none', async () => {
    const tx = fakeTransaction();
    const plain = defineEvent('events.statuses.status.noted', { version: 1, payload: z.object({}) });
    await new Outbox({ schema: 'statuses' }).add(tx, plain, {});
    expect(tx.calls[0]?.params[5]).toBeNull();
  });

  it('rejects a payload that does not match the declaration, writing nothing', async () => {
    const tx = fakeTransaction();
    const outbox = new Outbox({ schema: 'statuses' });

    await expect(outbox.add(tx, statusCreated, { statusId: 'not-a-number', accountId: '7' })).rejects.toThrow(
      OutboxError,
    );
    expect(tx.calls).toHaveLength(0);
  });

  it('fails rather than return an event without an id', async () => {
    const outbox = new Outbox({ schema: 'statuses' });

    await expect(
      outbox.add(fakeTransaction([]), statusCreated, { statusId: '1', accountId: '2' }),
    ).rejects.toThrow(OutboxError);
  });

  it('refuses an EntityManager that is not inside a transaction', async () => {
    const dataSource = new DataSource({ type: 'postgres' });
    const outbox = new Outbox({ schema: 'statuses' });

    await expect(
      outbox.add(dataSource.manager, statusCreated, { statusId: '1', accountId: '2' }),
    ).rejects.toThrow(/must get the EntityManager of a transaction/);
  });
});

describe('rowsOf', () => {
  it('reads TypeORM arrays and pg result objects alike', () => {
    expect(rowsOf([{ a: 1 }])).toEqual([{ a: 1 }]);
    expect(rowsOf({ rows: [{ a: 1 }], rowCount: 1 })).toEqual([{ a: 1 }]);
    expect(rowsOf(undefined)).toEqual([]);
  });
});
