import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The uri a remote status replies to, kept as Mastodon keeps `in_reply_to_uri`: a reply whose
 * parent is not known yet stands alone, and is linked to its parent when that arrives (fetched
 * with its thread, or delivered later). The index holds only the replies still waiting. The number
 * is picked after the schema's other migrations, as CreateStatusTombstones explains.
 */
export class AddInReplyToUri1796200000600 implements MigrationInterface {
  name = 'AddInReplyToUri1796200000600';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    const statements = [
      `ALTER TABLE "${s}"."statuses" ADD COLUMN "in_reply_to_uri" text`,
      `CREATE INDEX "statuses_in_reply_to_uri_idx" ON "${s}"."statuses" ("in_reply_to_uri")
         WHERE "in_reply_to_uri" IS NOT NULL AND "in_reply_to_id" IS NULL`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
