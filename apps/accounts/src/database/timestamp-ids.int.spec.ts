import { timeOfId } from '@mammut/platform';
import { cloneTemplateDatabase, dropDatabase, testInfra } from '@mammut/testing';
import { Client } from 'pg';

jest.setTimeout(30_000);

/**
 * Every id of the accounts schema is minted by PostgreSQL (ADR 0007), whoever inserts: the
 * services, the operator CLI, SQL by hand. A table added without its default fails here.
 */
describe('accounts ids', () => {
  const infra = testInfra();
  let databaseUrl: string;
  let db: Client;

  beforeAll(async () => {
    databaseUrl = await cloneTemplateDatabase(infra);
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    if (databaseUrl) await dropDatabase(infra, databaseUrl);
  });

  it('gives every id column the timestamp_id default of its own table, on a sequence owned by that column', async () => {
    const { rows } = await db.query<{ table: string; id_default: string | null; sequence: string | null }>(
      `SELECT c.table_name AS table, c.column_default AS id_default,
              pg_get_serial_sequence(format('accounts.%I', c.table_name), 'id') AS sequence
         FROM information_schema.columns c
        WHERE c.table_schema = 'accounts' AND c.column_name = 'id' AND c.data_type = 'bigint'
        ORDER BY c.table_name`,
    );
    expect(rows.map((row) => row.table)).toEqual(
      expect.arrayContaining(['accounts', 'users', 'oauth_access_tokens', 'follows', 'outbox']),
    );
    for (const row of rows) {
      expect(row).toEqual({
        table: row.table,
        id_default: `accounts.timestamp_id('${row.table}'::text)`,
        sequence: `accounts.${row.table}_id_seq`,
      });
    }
  });

  it('mints ids for rows inserted by hand, in the millisecond they are made', async () => {
    const { rows } = await db.query<{ id: string; now_ms: string }>(
      `INSERT INTO accounts.accounts (username, domain, uri) VALUES ('dave', 'remote.example', 'https://remote.example/users/dave')
       RETURNING id::text, floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS now_ms`,
    );
    const lag = Number(rows[0].now_ms) - timeOfId(rows[0].id);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(1000);
  });
});
