import { createServiceDataSource, migrateServiceDatabase } from '@mammut/platform';
import { cloneTemplateDatabase, dropDatabase, testInfra } from '@mammut/testing';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { PostgresStatusIndex } from '../index/postgres-status-index';
import { parseSearchQuery } from '../query/search-query';
import { searchMigrations } from '.';

jest.setTimeout(60_000);

const AUTHOR = '7001';
const VIEWER = '7002';

/**
 * The upgrade to `search.status_terms` in its two steps, on a search schema made by the previous
 * release's migrations: the terms are copied with their authors' flags; while the previous
 * release still runs, what it writes to `search.statuses` reaches the terms and what this release
 * writes is not overwritten; after the upgrade the mirror and the tsvector are gone and flags the
 * previous release left stale are right.
 */
describe('search.status_terms upgrade', () => {
  const infra = testInfra();
  let databaseUrl: string;
  let db: DataSource;

  const release = (count: number): Promise<DataSource> =>
    createServiceDataSource({
      schema: 'search',
      url: databaseUrl,
      entities: [],
      migrations: searchMigrations.slice(0, count),
    }).initialize();

  /** How the previous release indexed a status: the document and its tsvector in one row. */
  const previousIndex = (
    id: string,
    text: string,
    visibility = 'public',
    via: { query: (sql: string, params: unknown[]) => Promise<unknown> } = db,
  ) =>
    via.query(
      `INSERT INTO search.statuses (id, account_id, visibility, language, text, tsv, created_at)
       VALUES ($1, $2, $3, 'en', $4, to_tsvector('simple', $4) || to_tsvector('english', $4), now())
       ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text, tsv = EXCLUDED.tsv, indexed_at = now()`,
      [id, AUTHOR, visibility, text],
    );

  const terms = async (): Promise<{ id: string; words: string; everyone: boolean; hidden: boolean }[]> =>
    db.query(
      `SELECT id::text, array_to_string(tsvector_to_array(tsv), ' ') AS words, everyone, hidden
         FROM search.status_terms ORDER BY id`,
    );

  const find = (index: PostgresStatusIndex, viewerId: string, q: string): Promise<string[]> => {
    const parsed = parseSearchQuery(q);
    return index.search({
      viewerId,
      must: parsed.must,
      mustNot: parsed.mustNot,
      filters: [],
      library: false,
      accountId: null,
      limit: 20,
      offset: 0,
    });
  };

  beforeAll(async () => {
    databaseUrl = await cloneTemplateDatabase(infra);
    const admin = await release(0);
    await admin.query(`DROP SCHEMA search CASCADE`);
    await admin.destroy();
    db = await release(4);
    await migrateServiceDatabase(db);
    await db.query(
      `INSERT INTO search.accounts (id, username, indexable) VALUES ($1, 'author', true), ($2, 'viewer', true)`,
      [AUTHOR, VIEWER],
    );
    await previousIndex('1', 'glacier at dawn');
    await previousIndex('2', 'glacier in private', 'private');
    await previousIndex('5', 'serac fall');
  });

  /** Whether some session waits for a lock on `search.statuses`. */
  const waitingOnStatuses = async (): Promise<boolean> => {
    const waiting: unknown[] = await db.query(
      `SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
        WHERE c.relname = 'statuses' AND NOT l.granted`,
    );
    return waiting.length > 0;
  };

  afterAll(async () => {
    await db?.destroy();
    if (databaseUrl) await dropDatabase(infra, databaseUrl);
  });

  it('copies the terms, mirrors the previous release meanwhile, and contracts after the upgrade', async () => {
    await db.destroy();
    // The release that brought the terms: its migrations end with DropStatusesTsv.
    db = await release(searchMigrations.findIndex((m) => m.name === 'DropStatusesTsv1796600000500') + 1);
    // The previous release writes while the copy runs: a status and a deletion the copy cannot
    // see, committed only once the migration waits for its writers.
    const writer = new Client({ connectionString: databaseUrl });
    await writer.connect();
    await writer.query('BEGIN');
    await previousIndex('4', 'crevasse field', 'public', {
      query: (sql, params) => writer.query(sql, params),
    });
    await writer.query(`DELETE FROM search.statuses WHERE id = '5'`);
    const migrated = migrateServiceDatabase(db, { skipPostDeployment: true });
    const deadline = Date.now() + 20_000;
    while (!(await waitingOnStatuses()) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await writer.query('COMMIT');
    await writer.end();
    expect(await migrated).toEqual(['CreateStatusTerms1796600000400']);
    expect(await terms()).toEqual([
      { id: '1', words: 'at dawn glacier', everyone: true, hidden: false },
      { id: '2', words: 'glacier in privat private', everyone: false, hidden: false },
      { id: '4', words: 'crevass crevasse field', everyone: true, hidden: false },
    ]);

    // The previous release, still running: a new status, an edit, a deletion.
    await previousIndex('3', 'moraine walk');
    await previousIndex('1', 'glacier at dusk');
    await db.query(`DELETE FROM search.statuses WHERE id = '2'`);
    expect((await terms()).map((t) => [t.id, t.words])).toEqual([
      ['1', 'at dusk glacier'],
      ['3', 'morain moraine walk'],
      ['4', 'crevass crevasse field'],
    ]);

    // This release edits a status the previous one wrote; a later touch of its row (as the
    // Elasticsearch backend marks a change) leaves the terms this release wrote.
    const index = new PostgresStatusIndex(db);
    await db.transaction((tx) =>
      index.index(tx, {
        id: '3',
        accountId: AUTHOR,
        visibility: 'public',
        language: 'en',
        text: 'moraine crossing',
        properties: [],
        tags: [],
        mentions: [],
        mediaIds: [],
        createdAt: new Date().toISOString(),
      }),
    );
    await db.query(`UPDATE search.statuses SET indexed_at = now() WHERE id = '3'`);
    expect(await find(index, VIEWER, 'crossing')).toEqual(['3']);
    expect(await find(index, VIEWER, 'walk')).toEqual([]);

    // The previous release suspends the author: it keeps no flags, the upgrade's end puts them right.
    await db.query(`UPDATE search.accounts SET suspended = true WHERE id = $1`, [AUTHOR]);
    expect(await find(index, VIEWER, 'glacier')).toEqual(['1']);
    expect(await migrateServiceDatabase(db)).toEqual(['DropStatusesTsv1796600000500']);
    expect(await find(index, VIEWER, 'glacier')).toEqual([]);
    expect((await terms()).map((t) => [t.id, t.everyone, t.hidden])).toEqual([
      ['1', false, true],
      ['3', false, true],
      ['4', false, true],
    ]);
    const columns: { column_name: string }[] = await db.query(
      `SELECT column_name FROM information_schema.columns
        WHERE table_schema = 'search' AND table_name = 'statuses' AND column_name = 'tsv'`,
    );
    expect(columns).toEqual([]);
    const triggers: unknown[] = await db.query(
      `SELECT tgname FROM pg_trigger WHERE tgrelid = 'search.statuses'::regclass AND NOT tgisinternal`,
    );
    expect(triggers).toEqual([]);
    const indexes: { indexname: string }[] = await db.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'search' AND tablename = 'status_terms'
        ORDER BY indexname`,
    );
    expect(indexes.map((row) => row.indexname)).toEqual(
      expect.arrayContaining(['status_terms_tsv_idx', 'status_terms_with_media_idx', 'status_terms_pkey']),
    );
  });
});
