import { cloneTemplateDatabase, dropDatabase, testInfra } from '@mammut/testing';
import { Client } from 'pg';

jest.setTimeout(60_000);

/** Rules the search schema keeps, read from PostgreSQL's catalog of a migrated database. */
describe('search schema', () => {
  const infra = testInfra();
  let databaseUrl: string;
  let client: Client;

  beforeAll(async () => {
    databaseUrl = await cloneTemplateDatabase(infra);
    client = new Client({ connectionString: databaseUrl });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    if (databaseUrl) await dropDatabase(infra, databaseUrl);
  });

  it('has no GIN index with a pending list (every search would read it whole)', async () => {
    const { rows } = await client.query<{ name: string; options: string[] | null }>(
      `SELECT c.relname AS name, c.reloptions AS options
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_am am ON am.oid = c.relam
        WHERE n.nspname = 'search' AND c.relkind = 'i' AND am.amname = 'gin'
        ORDER BY c.relname`,
    );
    expect(rows.map((row) => row.name)).toEqual([
      'accounts_tsv_idx',
      'status_terms_mentions_idx',
      'status_terms_tags_idx',
      'status_terms_tsv_idx',
    ]);
    const withoutPendingList = rows.filter((row) => row.options?.includes('fastupdate=off'));
    expect(withoutPendingList.map((row) => row.name)).toEqual(rows.map((row) => row.name));
  });
});
