import type { Client } from '@elastic/elasticsearch';
import type { Config } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { searchDataSource } from '../database/search-database';
import { createElasticsearchClient } from './elasticsearch-client';
import {
  type EsStatusDocument,
  loadStatusDocumentsAfter,
  loadStatusDocumentsChangedSince,
} from './status-documents';
import { aliasTargets, newStatusesIndexName, STATUSES_INDEX_BODY, statusesAlias } from './statuses-mapping';

export interface DeployProgress {
  /** The index being built. */
  readonly index: string;
  readonly done: number;
  readonly total: number;
}

export interface DeployOptions {
  readonly batchSize?: number;
  /** After each batch is in the new index (the alias still on the old one). */
  readonly onBatch?: (progress: DeployProgress) => void | Promise<void>;
}

export type DeployResult =
  | { readonly backend: 'postgresql' }
  | {
      readonly backend: 'elasticsearch';
      readonly index: string;
      /** The indices the alias left, deleted. */
      readonly replaced: readonly string[];
      readonly copied: number;
      /** Documents the server refused (logged by id, skipped). */
      readonly refused: readonly string[];
      /** Documents copied again after the switch: changed while the copy ran. */
      readonly caughtUp: number;
      /** Documents deleted after the switch: their statuses were deleted while the copy ran. */
      readonly removed: number;
    };

const DEFAULT_BATCH = 1000;
/** How many ids the check for statuses deleted during the copy reads at once. */
const SCAN_BATCH = 5000;

/**
 * `mammut search deploy` (Mastodon's `tootctl search deploy`): rebuilds the statuses index from the
 * search schema's tables into a new index `<prefix>statuses_<timestamp>`, in bulk batches, then
 * moves the alias to it in one `_aliases` call and deletes the old index. Searches go through the
 * alias, so they answer from the old index until the switch, from the new one after.
 *
 * The live consumers keep writing (to the old index) while the copy runs; what they changed is
 * copied again after the switch: statuses whose rows changed since the copy began (writes, new
 * searchers and author changes all touch `indexed_at`), twice, the second time for what changed
 * during the first; then documents whose statuses are gone from the tables are deleted. With the
 * PostgreSQL backend there is nothing to deploy: its index is the tables, kept by the consumers.
 */
export async function deploySearchIndex(config: Config, options: DeployOptions = {}): Promise<DeployResult> {
  const settings = config.search.elasticsearch;
  if (!settings) return { backend: 'postgresql' };
  const db = await searchDataSource(config).initialize();
  const client = createElasticsearchClient(settings);
  try {
    return await deploy(db, client, settings.prefix, options);
  } finally {
    await client.close();
    await db.destroy();
  }
}

async function deploy(
  db: DataSource,
  client: Client,
  prefix: string,
  options: DeployOptions,
): Promise<DeployResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const alias = statusesAlias(prefix);
  const index = newStatusesIndexName(prefix);
  const started: { now: string; total: number }[] = await db.query(
    `SELECT now()::text AS now, (SELECT count(*)::int FROM search.statuses) AS total`,
  );
  const [{ now: began, total }] = started;

  await client.indices.create({
    index,
    settings: { ...STATUSES_INDEX_BODY.settings, refresh_interval: '-1' },
    mappings: STATUSES_INDEX_BODY.mappings,
  });
  const refused: string[] = [];
  let copied = 0;
  let after = '0';
  for (;;) {
    const documents = await loadStatusDocumentsAfter(db, after, batchSize);
    if (!documents.length) break;
    refused.push(...(await bulkIndex(client, index, documents)));
    copied += documents.length;
    after = documents[documents.length - 1].id;
    await options.onBatch?.({ index, done: copied, total: Math.max(total, copied) });
  }
  await client.indices.putSettings({ index, settings: { refresh_interval: '1s' } });
  await client.indices.refresh({ index });

  const replaced = (await aliasTargets(client, alias)).filter((name) => name !== index);
  await client.indices.updateAliases({
    actions: [...replaced.map((old) => ({ remove: { index: old, alias } })), { add: { index, alias } }],
  });

  let caughtUp = 0;
  let since = began;
  for (let pass = 0; pass < 2; pass++) {
    const clock: { now: string }[] = await db.query(`SELECT now()::text AS now`);
    const [{ now }] = clock;
    let from = '0';
    for (;;) {
      const documents = await loadStatusDocumentsChangedSince(db, since, from, batchSize);
      if (!documents.length) break;
      refused.push(...(await bulkIndex(client, index, documents)));
      caughtUp += documents.length;
      from = documents[documents.length - 1].id;
    }
    since = now;
  }
  const removed = await removeDeleted(db, client, index, after);
  if (replaced.length) await client.indices.delete({ index: replaced });
  return {
    backend: 'elasticsearch',
    index,
    replaced,
    copied,
    refused: [...new Set(refused)],
    caughtUp,
    removed,
  };
}

/** Puts documents into `index` in one bulk request; answers the ids the server refused. */
async function bulkIndex(client: Client, index: string, documents: EsStatusDocument[]): Promise<string[]> {
  const response = await client.bulk({
    operations: documents.flatMap((document) => [{ index: { _index: index, _id: document.id } }, document]),
  });
  if (!response.errors) return [];
  const refused: string[] = [];
  for (const item of response.items) {
    const result = item.index;
    if (!result?.error) continue;
    // A refused document is skipped; anything else (a full disk, a closed index) stops the deploy.
    if (result.status >= 500 || result.status === 429)
      throw new Error(`bulk indexing failed: ${result.error.reason ?? result.error.type}`);
    refused.push(result._id ?? '?');
  }
  return refused;
}

/**
 * Deletes from `index` the copied documents (ids up to `lastCopied`) whose statuses are no longer
 * in the tables: deleted while the copy ran, their deletion sent to the old index. Statuses
 * written after the copy are left alone (a status being indexed this very moment has its document
 * before its row is committed).
 */
async function removeDeleted(
  db: DataSource,
  client: Client,
  index: string,
  lastCopied: string,
): Promise<number> {
  let removed = 0;
  let after: string | null = null;
  await client.indices.refresh({ index });
  for (;;) {
    const response: { hits: { hits: { _id?: string }[] } } = await client.search({
      index,
      size: SCAN_BATCH,
      _source: false,
      track_total_hits: false,
      query: { range: { id: { lte: lastCopied } } },
      sort: [{ id: { order: 'asc' } }],
      // The last id as text: sort values of longs come back as JSON numbers, which lose digits.
      ...(after !== null && { search_after: [after] }),
    });
    const ids = response.hits.hits.map((hit) => hit._id).filter((id): id is string => id !== undefined);
    if (!ids.length) return removed;
    const rows: { id: string }[] = await db.query(
      `SELECT id::text FROM search.statuses WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    const present = new Set(rows.map((row) => row.id));
    const gone = ids.filter((id) => !present.has(id));
    if (gone.length) {
      await client.bulk({
        refresh: true,
        operations: gone.map((id) => ({ delete: { _index: index, _id: id } })),
      });
      removed += gone.length;
    }
    after = ids[ids.length - 1];
  }
}
