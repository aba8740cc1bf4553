import type { PostDeploymentMigration } from '@mammut/platform';
import type { QueryRunner } from 'typeorm';
import { INDEXED_PROPERTIES } from './1796600000300-IndexStatusProperties';
import { FLAGS } from './1796600000400-CreateStatusTerms';

/**
 * After the upgrade to `search.status_terms` (CreateStatusTerms), once no release searches
 * `search.statuses` or writes its tsvector: the trigger that mirrored the previous release's writes
 * goes; the flags are brought up to date for an author whose change the previous release handled
 * meanwhile (it kept none); the property indexes are built on the terms, concurrently, and
 * `search.statuses` loses its tsvector and the indexes only searches used.
 */
export class DropStatusesTsv1796600000500 implements PostDeploymentMigration {
  name = 'DropStatusesTsv1796600000500';
  readonly postDeployment = true;
  readonly transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const s = 'search';
    for (const operation of ['insert', 'update', 'delete'])
      await q.query(`DROP TRIGGER IF EXISTS "statuses_mirror_${operation}" ON "${s}"."statuses"`);
    await q.query(`DROP FUNCTION IF EXISTS "${s}"."mirror_status_terms"()`);
    const flags = `(${FLAGS('t.visibility')})`;
    await q.query(
      `UPDATE "${s}"."status_terms" t SET (everyone, hidden) = ${flags}
         FROM "${s}"."status_terms" t2 LEFT JOIN "${s}"."accounts" a ON a.id = t2.account_id
        WHERE t2.id = t.id AND (t.everyone, t.hidden) IS DISTINCT FROM ${flags}`,
    );
    for (const property of INDEXED_PROPERTIES) {
      await q.query(
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS "status_terms_with_${property}_idx" ON "${s}"."status_terms" ("id")
           WHERE "properties" @> '{${property}}'::text[]`,
      );
      await q.query(`DROP INDEX CONCURRENTLY IF EXISTS "${s}"."statuses_with_${property}_idx"`);
    }
    for (const index of ['statuses_tsv_idx', 'statuses_tags_idx', 'statuses_mentions_idx'])
      await q.query(`DROP INDEX CONCURRENTLY IF EXISTS "${s}"."${index}"`);
    await q.query(`ALTER TABLE "${s}"."statuses" DROP COLUMN IF EXISTS "tsv"`);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
