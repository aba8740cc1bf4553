import { defineEvent } from '@mammut/contracts';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { IdGenerator } from '../ids/snowflake';
import { Outbox, outboxChannel, OutboxError, rowsOf, type SqlExecutor } from './outbox';

const statusCreated = defineEvent('events.statuses.status.created', {
  version: 2,
  payload: z.object({ statusId: z.string().regex(/^\d+$/), accountId: z.string() }),
});

interface Call {
  readonly sql: string;
  readonly params: unknown[];
}

/** Answers like PostgreSQL would: one row when the insert went in, none on an id conflict. */
function fakeTransaction(conflicts = 0): SqlExecutor & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    query(sql: string, params: unknown[] = []) {
      calls.push({ sql, params });
      return Promise.resolve(calls.length > conflicts ? [{ pg_notify: '' }] : []);
    },
  };
}

describe('Outbox.add', () => {
  const clock = (): number => 1_700_000_000_000;

  it('inserts the validated payload with a snowflake id, the version and the traceparent, and notifies', async () => {
    const tx = fakeTransaction();
    const outbox = new Outbox({ schema: 'statuses', ids: new IdGenerator(clock) });

    const id = await outbox.add(
      tx,
      statusCreated,
      { statusId: '42', accountId: '7' },
      { traceparent: '00-abc-def-01' },
    );

    expect(id).toBe(IdGenerator.fromTime(clock()));
    expect(tx.calls).toHaveLength(1);
    const [call] = tx.calls;
    expect(call?.sql).toContain('INSERT INTO "statuses"."outbox"');
    expect(call?.params).toEqual([
      id,
      'events.statuses.status.created',
      2,
      JSON.stringify({ statusId: '42', accountId: '7' }),
      '00-abc-def-01',
      outboxChannel('statuses'),
    ]);
  });

  it('rejects a payload that does not match the declaration, writing nothing', async () => {
    const tx = fakeTransaction();
    const outbox = new Outbox({ schema: 'statuses', ids: new IdGenerator(clock) });

    await expect(outbox.add(tx, statusCreated, { statusId: 'not-a-number', accountId: '7' })).rejects.toThrow(
      OutboxError,
    );
    expect(tx.calls).toHaveLength(0);
  });

  it('takes the next id when another replica already used this one', async () => {
    const tx = fakeTransaction(2);
    const outbox = new Outbox({ schema: 'statuses', ids: new IdGenerator(clock) });

    const id = await outbox.add(tx, statusCreated, { statusId: '1', accountId: '2' });

    expect(tx.calls.map((c) => c.params[0])).toEqual([
      IdGenerator.fromTime(clock()),
      (BigInt(IdGenerator.fromTime(clock())) + 1n).toString(),
      id,
    ]);
    expect(id).toBe((BigInt(IdGenerator.fromTime(clock())) + 2n).toString());
  });

  it('refuses an EntityManager that is not inside a transaction', async () => {
    const dataSource = new DataSource({ type: 'postgres' });
    const outbox = new Outbox({ schema: 'statuses', ids: new IdGenerator(clock) });

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
