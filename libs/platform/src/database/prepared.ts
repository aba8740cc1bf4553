import type { Pool, QueryResultRow } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Runs a hot read as a named prepared statement on the DataSource's own pool: PostgreSQL parses
 * and plans it once per connection instead of on every call (for the relationships batch,
 * planning cost twice what executing did). Reads outside a transaction only; one name per text.
 */
export async function queryPrepared<R extends QueryResultRow>(
  db: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  // TypeORM types the PostgreSQL driver's pool as `any`; it is a `pg` Pool.
  const pool = (db.driver as unknown as { master: Pool }).master;
  const result = await pool.query<R>({ name, text, values });
  return result.rows;
}
