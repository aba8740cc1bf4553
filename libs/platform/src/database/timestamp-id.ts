import { randomBytes } from 'node:crypto';

/** How many tails the timestamped form tries for one id before giving up (ADR 0007). */
export const TIMESTAMP_ID_ATTEMPTS = 100;

const identifier = /^[a-z_][a-z0-9_]*$/;

function checked(kind: string, name: string): string {
  // Interpolated into DDL and into a plpgsql body: plain lower-case identifiers only.
  if (!identifier.test(name)) throw new Error(`${kind} ${JSON.stringify(name)} is not a plain identifier`);
  return name;
}

/**
 * Mastodon's `timestamp_id`, one pair of functions per service schema (ADR 0007). Every id is
 * `milliseconds << 16 | tail`, where the tail is the low 16 bits of (the first 16 bits of
 * md5(table ‖ secret ‖ time part) + nextval of the table's own sequence):
 *
 * - `timestamp_id(table)`: the database's clock (`clock_timestamp()`, not the transaction's
 *   start), for rows made now. Column defaults call it, so every writer gets unique ids.
 * - `timestamp_id(table, at)`: the id of something made at `at` (a remote object's `published`),
 *   never later than now nor before 1970. That millisecond may have been filled long ago, so a
 *   tail already in the table is skipped for a random one, at most {@link TIMESTAMP_ID_ATTEMPTS}
 *   times, then it raises.
 *
 * The secret (random, made when the migration runs, never in the repository) keeps ids from
 * telling how many rows a table gets. Run once per schema, from that service's migration; never
 * change what this returns: past migrations have applied it.
 */
export function timestampIdFunctionsSql(schema: string, secret = randomBytes(16).toString('hex')): string[] {
  const s = checked('schema', schema);
  if (!/^[0-9a-f]{32}$/.test(secret)) throw new Error('the timestamp_id secret must be 32 hex digits');
  const tail = (timePart: string): string =>
    `('x' || substr(md5(table_name || '${secret}' || ${timePart}::text), 1, 4))::bit(16)::bigint`;
  const sequence = `format('%I.%I', '${s}', table_name || '_id_seq')`;
  return [
    `CREATE FUNCTION "${s}"."timestamp_id"(table_name text) RETURNS bigint
       LANGUAGE plpgsql VOLATILE AS $$
       DECLARE
         time_part bigint := floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint << 16;
       BEGIN
         RETURN time_part | ((${tail('time_part')} + nextval(${sequence})) & 65535);
       END $$`,
    `CREATE FUNCTION "${s}"."timestamp_id"(table_name text, at timestamptz) RETURNS bigint
       LANGUAGE plpgsql VOLATILE AS $$
       DECLARE
         -- LEAST ignores a NULL: no time, or a time in the future, is now; nothing is before 1970.
         time_part bigint :=
           floor(extract(epoch FROM GREATEST(LEAST(at, clock_timestamp()), 'epoch')) * 1000)::bigint << 16;
         candidate bigint := time_part | ((${tail('time_part')} + nextval(${sequence})) & 65535);
         taken boolean;
       BEGIN
         FOR attempt IN 1..${TIMESTAMP_ID_ATTEMPTS} LOOP
           EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE id = $1)', '${s}', table_name)
             INTO taken USING candidate;
           IF NOT taken THEN
             RETURN candidate;
           END IF;
           candidate := time_part | floor(random() * 65536)::bigint;
         END LOOP;
         RAISE EXCEPTION 'no free id in %.% for %', '${s}', table_name, at;
       END $$`,
  ];
}

/**
 * Gives `table.id` its own sequence (`<table>_id_seq`, dropped with the table) and the default
 * `timestamp_id('<table>')`, so an insert that names no id gets a unique one. For every table
 * with a bigint `id`, in the migration that creates it (after {@link timestampIdFunctionsSql}).
 */
export function timestampIdColumnSql(schema: string, table: string): string[] {
  const s = checked('schema', schema);
  const t = checked('table', table);
  return [
    `CREATE SEQUENCE "${s}"."${t}_id_seq" AS bigint`,
    `ALTER SEQUENCE "${s}"."${t}_id_seq" OWNED BY "${s}"."${t}"."id"`,
    `ALTER TABLE "${s}"."${t}" ALTER COLUMN "id" SET DEFAULT "${s}"."timestamp_id"('${t}')`,
  ];
}
