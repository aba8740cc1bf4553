import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { cloneTemplateDatabase, dropDatabase, testInfra, uniqueName } from '@mammut/testing';
import { Client } from 'pg';
import { idCursorAt, timeOfId } from '../ids/snowflake';
import { TIMESTAMP_ID_ATTEMPTS, timestampIdColumnSql, timestampIdFunctionsSql } from './timestamp-id';

jest.setTimeout(120_000);

const root = join(__dirname, '..', '..', '..', '..');

/**
 * `timestamp_id` on real PostgreSQL, in a schema of this file's own: ids unique across processes
 * minting in the same milliseconds, and unique, in range and in order for remote objects that
 * share a `published` second.
 */
describe('timestamp_id', () => {
  const infra = testInfra();
  const schema = uniqueName('ids_');
  let databaseUrl: string;
  let db: Client;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    databaseUrl = await cloneTemplateDatabase(infra);
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    // No primary key on `minted`: a duplicate must show up as two rows, not as an insert error.
    const statements = [
      `CREATE SCHEMA "${schema}"`,
      ...timestampIdFunctionsSql(schema),
      `CREATE TABLE "${schema}"."minted" ("id" bigint NOT NULL, "worker" integer NOT NULL,
         "minted_at" timestamptz NOT NULL DEFAULT clock_timestamp())`,
      ...timestampIdColumnSql(schema, 'minted'),
      `CREATE TABLE "${schema}"."remote_items" ("id" bigint NOT NULL, "published" timestamptz NOT NULL,
         CONSTRAINT "remote_items_pkey" PRIMARY KEY ("id"))`,
      ...timestampIdColumnSql(schema, 'remote_items'),
    ];
    for (const statement of statements) await db.query(statement);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill();
    await db?.end();
    if (databaseUrl) await dropDatabase(infra, databaseUrl);
  });

  /** A minting process (mint-ids.test-process.ts), resolved once its connections are open. */
  async function minter(
    worker: number,
    count: number,
  ): Promise<{ go(): void; done: Promise<number | null> }> {
    const child = spawn(
      process.execPath,
      [
        '-r',
        join(root, 'test-e2e', 'support', 'swc-register.js'),
        join(__dirname, 'mint-ids.test-process.ts'),
      ],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: databaseUrl,
          MINT_TABLE: `"${schema}"."minted"`,
          MINT_WORKER: String(worker),
          MINT_COUNT: String(count),
          MINT_CONNECTIONS: '4',
        },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    const done = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.once('exit', (code) =>
        reject(new Error(`minter ${worker} exited (${code}) before it was ready`)),
      );
    });
    return { go: () => child.stdin?.end('go\n'), done };
  }

  it('gives two processes minting thousands of ids in the same milliseconds no duplicate, each id of its own time', async () => {
    const perProcess = 4000;
    const minters = await Promise.all([minter(1, perProcess), minter(2, perProcess)]);
    for (const m of minters) m.go();
    expect(await Promise.all(minters.map((m) => m.done))).toEqual([0, 0]);

    const { rows } = await db.query<{ id: string; worker: number; minted_ms: string }>(
      `SELECT id::text, worker, floor(extract(epoch FROM minted_at) * 1000)::bigint::text AS minted_ms
         FROM "${schema}"."minted"`,
    );
    expect(rows).toHaveLength(2 * perProcess);
    expect(new Set(rows.map((row) => row.id)).size).toBe(2 * perProcess);
    // The processes really did mint in the same milliseconds (what made ms<<16|per-process
    // sequence collide): many milliseconds hold ids of both.
    const workersByMs = new Map<number, Set<number>>();
    for (const row of rows) {
      const ms = timeOfId(row.id);
      workersByMs.set(ms, (workersByMs.get(ms) ?? new Set()).add(row.worker));
    }
    const shared = [...workersByMs.values()].filter((workers) => workers.size === 2).length;
    expect(shared).toBeGreaterThan(20);
    // Time-sortable: the id's millisecond is the database clock's as the row went in. The row's
    // own clock_timestamp() default is read after the id's: the same millisecond, or a few later
    // when the backend was descheduled in between on a busy machine.
    const lags = rows.map((row) => Number(row.minted_ms) - timeOfId(row.id));
    expect(Math.min(...lags)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...lags)).toBeLessThan(1000);
  });

  it('gives 5000 remote items published in one second distinct ids within that second, in the order of their times', async () => {
    const second = Date.UTC(2024, 4, 17, 12, 0, 0);
    // Half share the very same instant (a `published` with no milliseconds), the rest spread
    // over the second, some of them sharing a millisecond too.
    const published = Array.from({ length: 5000 }, (_, i) =>
      i % 2 ? new Date(second) : new Date(second + (Math.floor(i / 3) % 1000)),
    );
    const { rows } = await db.query<{ id: string; published: Date }>(
      `INSERT INTO "${schema}"."remote_items" ("id", "published")
       SELECT "${schema}".timestamp_id('remote_items', at), at FROM unnest($1::timestamptz[]) AS at
       RETURNING id::text, published`,
      [published],
    );

    expect(rows).toHaveLength(5000);
    expect(new Set(rows.map((row) => row.id)).size).toBe(5000);
    const [low, high] = [BigInt(idCursorAt(second)), BigInt(idCursorAt(second + 1000))];
    for (const row of rows) {
      expect(BigInt(row.id) >= low && BigInt(row.id) < high).toBe(true);
      expect(timeOfId(row.id)).toBe(row.published.getTime());
    }
    const byId = [...rows].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    for (let i = 1; i < byId.length; i++) {
      expect(byId[i].published.getTime()).toBeGreaterThanOrEqual(byId[i - 1].published.getTime());
    }
  });

  it('skips the ids an earlier batch took in the same millisecond, however far the sequence has gone since', async () => {
    const instant = new Date(Date.UTC(2024, 4, 18, 9, 30, 0));
    const batch = (size: number): Promise<{ rows: { id: string }[] }> =>
      db.query(
        `INSERT INTO "${schema}"."remote_items" ("id", "published")
         SELECT "${schema}".timestamp_id('remote_items', $1), $1 FROM generate_series(1, $2)
         RETURNING id::text`,
        [instant, size],
      );
    const first = await batch(1000);
    // Months of other rows later: the sequence has gone round 16 bits, so the next tails are the
    // ones the first batch took for this millisecond.
    await db.query(`SELECT setval($1, nextval($1) + 65536 - 1001)`, [`"${schema}"."remote_items_id_seq"`]);
    const second = await batch(1000);

    const ids = [...first.rows, ...second.rows].map((row) => row.id);
    expect(new Set(ids).size).toBe(2000);
    expect(ids.every((id) => timeOfId(id) === instant.getTime())).toBe(true);
  });

  it('gives a future or missing time the id of now, and a time before 1970 the first ids there are', async () => {
    const { rows } = await db.query<{ future: string; missing: string; ancient: string; now_ms: string }>(
      `SELECT "${schema}".timestamp_id('remote_items', now() + interval '1 day')::text AS future,
              "${schema}".timestamp_id('remote_items', NULL)::text AS missing,
              "${schema}".timestamp_id('remote_items', '1900-01-01T00:00:00Z')::text AS ancient,
              floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS now_ms`,
    );
    const now = Number(rows[0].now_ms);
    for (const id of [rows[0].future, rows[0].missing]) {
      expect(now - timeOfId(id)).toBeGreaterThanOrEqual(0);
      expect(now - timeOfId(id)).toBeLessThan(1000);
    }
    expect(timeOfId(rows[0].ancient)).toBe(0);
  });

  it(`gives up with an error, not a duplicate, when ${TIMESTAMP_ID_ATTEMPTS} tails in a row are taken`, async () => {
    const instant = new Date(Date.UTC(2024, 4, 19, 0, 0, 0));
    const full = Array.from({ length: 65536 }, (_, tail) =>
      ((BigInt(instant.getTime()) << 16n) | BigInt(tail)).toString(),
    );
    await db.query(
      `INSERT INTO "${schema}"."remote_items" ("id", "published") SELECT id, $2 FROM unnest($1::bigint[]) AS id`,
      [full, instant],
    );
    await expect(db.query(`SELECT "${schema}".timestamp_id('remote_items', $1)`, [instant])).rejects.toThrow(
      /no free id/,
    );
  });
});
