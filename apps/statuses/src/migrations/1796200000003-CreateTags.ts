import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hashtags: one row per normalized name (its id is what the Tag entity carries; a status keeps its
 * tags' names in `statuses.tags`), the accounts that follow each, and an index for the hashtag
 * timelines and usage history (statuses whose tags contain or overlap the ones asked).
 */
export class CreateTags1796200000003 implements MigrationInterface {
  name = 'CreateTags1796200000003';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    const statements = [
      `CREATE TABLE "${s}"."tags" (
        "id" bigint NOT NULL,
        "name" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "tags_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "tags_name_key" UNIQUE ("name"))`,
      ...timestampIdColumnSql(s, 'tags'),
      `CREATE TABLE "${s}"."tag_follows" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "tag_id" bigint NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "tag_follows_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "tag_follows_account_id_tag_id_key" UNIQUE ("account_id", "tag_id"),
        CONSTRAINT "tag_follows_tag_fkey" FOREIGN KEY ("tag_id") REFERENCES "${s}"."tags" ("id") ON DELETE CASCADE)`,
      `CREATE INDEX "tag_follows_account_id_idx" ON "${s}"."tag_follows" ("account_id", "id" DESC)`,
      `CREATE INDEX "tag_follows_tag_id_idx" ON "${s}"."tag_follows" ("tag_id", "id")`,
      ...timestampIdColumnSql(s, 'tag_follows'),
      `CREATE INDEX "statuses_tags_idx" ON "${s}"."statuses" USING gin ("tags") WHERE "deleted_at" IS NULL`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
