import { testInfra, uniqueName } from '@mammut/testing';
import type { DataSource, QueryRunner } from 'typeorm';
import { createServiceDataSource } from './data-source';
import { statementName } from './prepared-statements';

jest.setTimeout(30_000);

/**
 * The services' connections prepare each parameterised statement once and then only bind it
 * (PostgreSQL lists a session's protocol-level statements in pg_prepared_statements); statements
 * without parameters, and every statement with the switch off, go unnamed as before. Answers,
 * errors and transactions are the same either way.
 */
describe('PreparingClient', () => {
  const infra = testInfra();
  const schema = uniqueName('int_prep_');
  const sources: DataSource[] = [];

  const open = async (
    preparedStatements: boolean,
    settings?: Readonly<Record<string, string>>,
  ): Promise<QueryRunner> => {
    const source = createServiceDataSource({
      schema,
      url: infra.databaseUrl,
      entities: [],
      migrations: [],
      preparedStatements,
      settings,
    });
    sources.push(await source.initialize());
    const runner = source.createQueryRunner();
    await runner.connect();
    return runner;
  };

  /** This session's statements prepared through the protocol (not by PREPARE), by name. */
  const preparedNames = async (runner: QueryRunner): Promise<string[]> =>
    (
      (await runner.query(`SELECT name FROM pg_prepared_statements WHERE NOT from_sql ORDER BY name`)) as {
        name: string;
      }[]
    ).map((row) => row.name);

  afterAll(async () => {
    await sources[0]?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await Promise.all(sources.map((source) => source.destroy()));
  });

  it('prepares a parameterised statement once per connection and answers as before', async () => {
    const runner = await open(true);
    const text = `SELECT $1::int + 1 AS n`;
    expect(await runner.query(text, [1])).toEqual([{ n: 2 }]);
    expect(await runner.query(text, [41])).toEqual([{ n: 42 }]);
    await runner.query(`SELECT 1 AS one`);
    expect(await preparedNames(runner)).toEqual([statementName(text)]);
    await runner.release();
  });

  it('keeps errors and transactions as they were, and the statement usable after a failure', async () => {
    const runner = await open(true);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await runner.query(`CREATE TABLE IF NOT EXISTS "${schema}"."t" (id int PRIMARY KEY)`);
    const insert = `INSERT INTO "${schema}"."t" (id) VALUES ($1)`;
    await runner.startTransaction();
    await runner.query(insert, [1]);
    await expect(runner.query(insert, [1])).rejects.toMatchObject({ code: '23505' });
    await runner.rollbackTransaction();
    await runner.query(insert, [2]);
    expect(await runner.query(`SELECT id FROM "${schema}"."t" ORDER BY id`)).toEqual([{ id: 2 }]);
    // A statement PostgreSQL refuses to parse is not kept as prepared: the next one is parsed anew.
    const broken = `SELECT $1::int FROM nowhere_at_all`;
    await expect(runner.query(broken, [1])).rejects.toMatchObject({ code: '42P01' });
    expect(await preparedNames(runner)).not.toContain(statementName(broken));
    await runner.release();
  });

  it('prepares nothing with the switch off', async () => {
    const runner = await open(false);
    expect(await runner.query(`SELECT $1::int * 2 AS n`, [21])).toEqual([{ n: 42 }]);
    expect(await preparedNames(runner)).toEqual([]);
    await runner.release();
  });

  it('starts every connection with the settings a service asks for (the search pool’s planner costs)', async () => {
    const settings = { random_page_cost: '1.1', plan_cache_mode: 'force_custom_plan' };
    const runners = [await open(true, settings), await open(true, settings)];
    for (const runner of runners) {
      expect(await runner.query(`SELECT current_setting($1) AS v`, ['random_page_cost'])).toEqual([
        { v: '1.1' },
      ]);
      expect(await runner.query(`SELECT current_setting($1) AS v`, ['plan_cache_mode'])).toEqual([
        { v: 'force_custom_plan' },
      ]);
      await runner.release();
    }
    // Without any, PostgreSQL's own.
    const plain = await open(true);
    expect(await plain.query(`SELECT current_setting($1) AS v`, ['plan_cache_mode'])).toEqual([
      { v: 'auto' },
    ]);
    await plain.release();
  });
});
