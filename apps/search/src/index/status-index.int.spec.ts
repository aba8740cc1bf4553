import type { Client } from '@elastic/elasticsearch';
import type { Config } from '@mammut/platform';
import { cloneTemplateDatabase, dropDatabase, testInfra } from '@mammut/testing';
import type { DataSource } from 'typeorm';
import { openSearchEnv } from '../../../../test-e2e/support/opensearch';
import { searchDataSource } from '../database/search-database';
import { createElasticsearchClient } from '../elasticsearch/elasticsearch-client';
import { ElasticsearchStatusIndex } from '../elasticsearch/elasticsearch-status-index';
import { statusesAlias } from '../elasticsearch/statuses-mapping';
import { parseSearchQuery } from '../query/search-query';
import { PostgresStatusIndex } from './postgres-status-index';
import type { StatusDocument } from './status-document';
import type { StatusIndex, StatusSearch } from './status-index';

jest.setTimeout(240_000);

/** A backend under test, over its own copy of the search schema. */
interface Backend {
  readonly index: StatusIndex;
  /** Another replica's index over the same store: it wrote nothing and has kept nothing yet. */
  replica(): StatusIndex;
  /** Makes every write so far visible to searches (Elasticsearch refreshes every second). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const backends: Record<string, (db: DataSource) => Promise<Backend>> = {
  postgresql: (db) =>
    Promise.resolve({
      index: new PostgresStatusIndex(db),
      replica: () => new PostgresStatusIndex(db),
      settle: () => Promise.resolve(),
      close: () => Promise.resolve(),
    }),
  elasticsearch: async (db) => {
    const env = await openSearchEnv();
    const client = createElasticsearchClient({
      url: env.ELASTICSEARCH_URL,
      prefix: env.ES_PREFIX,
      username: undefined,
      password: undefined,
    });
    return {
      index: new ElasticsearchStatusIndex(client, env.ES_PREFIX, new PostgresStatusIndex(db)),
      replica: () => new ElasticsearchStatusIndex(client, env.ES_PREFIX, new PostgresStatusIndex(db)),
      settle: async () => void (await client.indices.refresh({ index: statusesAlias(env.ES_PREFIX) })),
      close: () => client.close(),
    };
  },
};

// Accounts: an indexable author, one who is not, a suspended one, the viewer and a searcher.
const A = '1001';
const QUIET = '1002';
const GONE = '1003';
const VIEWER = '1004';
const FAN = '1005';

let next = 5000;
const doc = (
  fields: Partial<StatusDocument> & Pick<StatusDocument, 'accountId' | 'text'>,
): StatusDocument => ({
  id: String((next += 1)),
  visibility: 'public',
  language: 'en',
  properties: [],
  tags: [],
  mentions: [],
  mediaIds: [],
  createdAt: '2024-05-01T12:00:00.000Z',
  ...fields,
});

const s1 = doc({ accountId: A, text: 'Running mammoths cross the tundra', tags: ['iceage'] });
const s2 = doc({
  accountId: A,
  text: 'Die Mammuts laufen über das Eis',
  language: 'de',
  properties: ['reply'],
  createdAt: '2024-05-02T12:00:00.000Z',
});
const s3 = doc({
  accountId: A,
  text: 'A quiet tundra evening with photographs of the herd',
  properties: ['sensitive', 'media'],
  mediaIds: ['9001'],
  createdAt: '2024-05-03T12:00:00.000Z',
});
const s4 = doc({ accountId: QUIET, text: 'tundra secrets', createdAt: '2024-05-04T12:00:00.000Z' });
const s5 = doc({
  accountId: QUIET,
  text: 'private tundra notes for the viewer',
  visibility: 'private',
  mentions: [VIEWER],
  createdAt: '2024-05-05T12:00:00.000Z',
});
const s6 = doc({
  accountId: GONE,
  text: 'tundra from a suspended author',
  createdAt: '2024-05-06T12:00:00.000Z',
});
const s7 = doc({ accountId: A, text: 'tundra tundra tundra', createdAt: '2024-05-07T12:00:00.000Z' });
const all = [s1, s2, s3, s4, s5, s6, s7];

/**
 * The StatusIndex contract, the same cases on both backends: what a term, a phrase, a hashtag,
 * a negation and each operator match; stems of the status's language; who may find what (public
 * and indexable for everyone, else the author, the mentioned and the searchers; nobody for a
 * suspended author; `in:library`); newest first; offset and limit; idempotent writes.
 */
describe.each(Object.keys(backends))('StatusIndex on %s', (name) => {
  const infra = testInfra();
  let databaseUrl: string;
  let db: DataSource;
  let backend: Backend;

  const write = (work: (index: StatusIndex, tx: Parameters<StatusIndex['index']>[0]) => Promise<void>) =>
    db.transaction((tx) => work(backend.index, tx)).then(() => backend.settle());

  const find = (
    viewerId: string,
    q: string,
    page: Partial<StatusSearch> = {},
    index: StatusIndex = backend.index,
  ): Promise<string[]> => {
    const parsed = parseSearchQuery(q);
    return index.search({
      viewerId,
      must: parsed.must,
      mustNot: parsed.mustNot,
      filters: parsed.filters.map((filter) =>
        filter.kind === 'from'
          ? {
              kind: 'author',
              negated: filter.negated,
              accountId: filter.account.me ? viewerId : filter.account.username === 'a' ? A : null,
            }
          : filter,
      ),
      library: parsed.library,
      accountId: null,
      limit: 20,
      offset: 0,
      ...page,
    });
  };
  const ids = (...docs: StatusDocument[]): string[] => docs.map((d) => d.id);
  const sorted = (list: string[]): string[] => [...list].sort();

  beforeAll(async () => {
    databaseUrl = await cloneTemplateDatabase(infra);
    db = await searchDataSource({ databaseUrl, databasePreparedStatements: true } as Config).initialize();
    backend = await backends[name](db);
    await db.query(
      `INSERT INTO search.accounts (id, username, indexable, suspended) VALUES
         ($1, 'a', true, false), ($2, 'quiet', false, false), ($3, 'gone', true, true),
         ($4, 'viewer', true, false), ($5, 'fan', true, false)`,
      [A, QUIET, GONE, VIEWER, FAN],
    );
    await write(async (index, tx) => {
      for (const d of all) await index.index(tx, d);
      await index.addSearcher(tx, s4.id, FAN, 'favourite');
    });
  });

  afterAll(async () => {
    await backend?.close();
    await db?.destroy();
    if (databaseUrl) await dropDatabase(infra, databaseUrl);
  });

  it('matches a term by its words as written or by the stem of the status’s language', async () => {
    expect(await find(VIEWER, 'mammoths')).toEqual(ids(s1));
    expect(await find(VIEWER, 'run')).toEqual(ids(s1));
    expect(await find(VIEWER, 'mammoth crossing')).toEqual(ids(s1));
    expect(await find(VIEWER, 'mammuts')).toEqual(ids(s2));
    expect(await find(VIEWER, 'nothing-like-this')).toEqual([]);
  });

  it('plans each search for its words, on the costs of an index in memory (the search pool’s settings)', async () => {
    expect(await db.query(`SELECT current_setting('plan_cache_mode') AS v`)).toEqual([
      { v: 'force_custom_plan' },
    ]);
    expect(await db.query(`SELECT current_setting('random_page_cost') AS v`)).toEqual([{ v: '1.1' }]);
  });

  it('matches the same on a replica that wrote nothing (the languages it stems in come from the index)', async () => {
    const replica = backend.replica();
    expect(await find(VIEWER, 'mammuts', {}, replica)).toEqual(ids(s2));
    expect(await find(VIEWER, 'run', {}, replica)).toEqual(ids(s1));
    expect(await find(VIEWER, '"mammoths cross"', {}, replica)).toEqual(ids(s1));
  });

  it('matches a phrase in order, a hashtag by its tag, and leaves out negated words', async () => {
    expect(await find(VIEWER, '"mammoths cross"')).toEqual(ids(s1));
    expect(await find(VIEWER, '"cross mammoths"')).toEqual([]);
    expect(await find(VIEWER, '#iceage')).toEqual(ids(s1));
    expect(await find(VIEWER, '#IceAge tundra')).toEqual(ids(s1));
    expect(sorted(await find(VIEWER, 'tundra -quiet'))).toEqual(sorted(ids(s1, s5, s7)));
    expect(sorted(await find(VIEWER, 'tundra -"the herd"'))).toEqual(sorted(ids(s1, s5, s7)));
  });

  it('filters by has:, is:, language:, from: and dates, and by their negations', async () => {
    expect(await find(VIEWER, 'has:media')).toEqual(ids(s3));
    expect(await find(VIEWER, 'is:reply')).toEqual(ids(s2));
    expect(await find(VIEWER, 'tundra is:sensitive')).toEqual(ids(s3));
    expect(await find(VIEWER, 'language:de')).toEqual(ids(s2));
    expect(await find(VIEWER, 'from:a -language:en')).toEqual(ids(s2));
    expect(await find(VIEWER, 'from:a -has:media -is:reply')).toEqual(ids(s7, s1));
    expect(await find(VIEWER, 'from:nobody')).toEqual([]);
    expect(await find(VIEWER, 'from:a during:2024-05-02')).toEqual(ids(s2));
    expect(await find(VIEWER, 'from:a after:2024-05-02 before:2024-05-07')).toEqual(ids(s3));
    expect(await find(VIEWER, 'from:a -before:2024-05-03')).toEqual(ids(s7, s3));
  });

  it('lets everyone find public statuses of indexable authors, others only their author, the mentioned and searchers', async () => {
    expect(sorted(await find(VIEWER, 'tundra'))).toEqual(sorted(ids(s1, s3, s5, s7)));
    expect(sorted(await find(FAN, 'tundra'))).toEqual(sorted(ids(s1, s3, s4, s7)));
    expect(sorted(await find(QUIET, 'tundra'))).toEqual(sorted(ids(s1, s3, s4, s5, s7)));
    expect(await find(GONE, 'suspended')).toEqual([]);
    expect(await find(VIEWER, 'tundra in:library')).toEqual(ids(s5));
    expect(await find(FAN, 'in:library tundra')).toEqual(ids(s4));
    expect(await find(VIEWER, 'tundra', { accountId: QUIET })).toEqual(ids(s5));
  });

  it('orders newest first, as Mastodon, however well each matches; pages with offset and limit', async () => {
    expect(await find(VIEWER, 'tundra')).toEqual(ids(s7, s5, s3, s1));
    expect(await find(VIEWER, 'from:a')).toEqual(ids(s7, s3, s2, s1));
    expect(await find(VIEWER, 'from:a', { limit: 2, offset: 1 })).toEqual(ids(s3, s2));
    expect(await find(VIEWER, 'from:a', { limit: 2, offset: 4 })).toEqual([]);
  });

  it('follows the author: suspended hides every status of theirs, lifted shows them again', async () => {
    const flag = (suspended: boolean) =>
      write(async (index, tx) => {
        await tx.query(`UPDATE search.accounts SET suspended = $2 WHERE id = $1`, [A, suspended]);
        await index.authorChanged(tx, A);
      });
    await flag(true);
    expect(await find(VIEWER, 'from:a')).toEqual([]);
    await flag(false);
    expect(await find(VIEWER, 'from:a')).toEqual(ids(s7, s3, s2, s1));
    await write(async (index, tx) => {
      await tx.query(`UPDATE search.accounts SET indexable = true WHERE id = $1`, [QUIET]);
      await index.authorChanged(tx, QUIET);
    });
    expect(sorted(await find(VIEWER, 'tundra secrets'))).toEqual(ids(s4));
  });

  it('writes idempotently: a status or a searcher applied twice, a removal, a searcher taken back', async () => {
    const s8 = doc({ accountId: QUIET, text: 'glacier walk', visibility: 'unlisted' });
    await write(async (index, tx) => {
      await index.index(tx, s8);
      await index.index(tx, s8);
      await index.addSearcher(tx, s8.id, FAN, 'bookmark');
      await index.addSearcher(tx, s8.id, FAN, 'bookmark');
      await index.addSearcher(tx, s8.id, VIEWER, 'reblog');
    });
    expect(await find(FAN, 'glacier')).toEqual(ids(s8));
    expect(await find(VIEWER, 'glacier')).toEqual(ids(s8));
    await write((index, tx) => index.removeSearcher(tx, s8.id, VIEWER, 'reblog'));
    expect(await find(VIEWER, 'glacier')).toEqual([]);
    expect(await find(FAN, 'glacier')).toEqual(ids(s8));
    await write(async (index, tx) => {
      await index.remove(tx, s8.id);
      await index.remove(tx, s8.id);
    });
    expect(await find(FAN, 'glacier')).toEqual([]);
  });

  it('indexes a searcher that arrives before its status', async () => {
    const s9 = doc({ accountId: QUIET, text: 'moraine', visibility: 'private' });
    await write((index, tx) => index.addSearcher(tx, s9.id, FAN, 'favourite'));
    await write((index, tx) => index.index(tx, s9));
    expect(await find(FAN, 'moraine')).toEqual(ids(s9));
  });
});

/**
 * What only Elasticsearch has: a document the server refuses is skipped (the consumer goes on),
 * while an outage throws, so the event's transaction rolls back and the event comes again.
 */
describe('ElasticsearchStatusIndex', () => {
  const infra = testInfra();
  let databaseUrl: string;
  let db: DataSource;
  let client: Client;
  let prefix: string;

  beforeAll(async () => {
    databaseUrl = await cloneTemplateDatabase(infra);
    db = await searchDataSource({ databaseUrl, databasePreparedStatements: true } as Config).initialize();
    const env = await openSearchEnv();
    prefix = env.ES_PREFIX;
    client = createElasticsearchClient({
      url: env.ELASTICSEARCH_URL,
      prefix,
      username: undefined,
      password: undefined,
    });
    await db.query(`INSERT INTO search.accounts (id, username, indexable) VALUES ($1, 'a', true)`, [A]);
  });

  afterAll(async () => {
    await client?.close();
    await db?.destroy();
    if (databaseUrl) await dropDatabase(infra, databaseUrl);
  });

  it('skips a document the server refuses and keeps indexing the others', async () => {
    const index = new ElasticsearchStatusIndex(client, prefix, new PostgresStatusIndex(db));
    // PostgreSQL takes `infinity` for a time; Elasticsearch refuses it as a date.
    const bad = doc({ accountId: A, text: 'bad date', createdAt: 'infinity' });
    const good = doc({ accountId: A, text: 'good date' });
    await db.transaction(async (tx) => {
      await index.index(tx, bad);
      await index.index(tx, good);
    });
    await client.indices.refresh({ index: statusesAlias(prefix) });
    const search = (q: string): Promise<string[]> => {
      const { must, mustNot } = parseSearchQuery(q);
      return index.search({
        viewerId: A,
        must,
        mustNot,
        filters: [],
        library: false,
        accountId: null,
        limit: 20,
        offset: 0,
      });
    };
    expect(await search('date')).toEqual([good.id]);
  });

  it('fails the write when the server cannot be reached, so the event rolls back and comes again', async () => {
    const down = createElasticsearchClient({
      url: 'http://127.0.0.1:9',
      prefix,
      username: undefined,
      password: undefined,
    });
    const index = new ElasticsearchStatusIndex(down, prefix, new PostgresStatusIndex(db));
    const lost = doc({ accountId: A, text: 'during an outage' });
    await expect(db.transaction((tx) => index.index(tx, lost))).rejects.toThrow();
    expect(await db.query(`SELECT id FROM search.statuses WHERE id = $1`, [lost.id])).toEqual([]);
    await down.close();
  });
});
