import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Featured hashtags: the few an account shows on its profile, each with its id (the entity's). */
export class CreateFeaturedTags1796200000004 implements MigrationInterface {
  name = 'CreateFeaturedTags1796200000004';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    const statements = [
      `CREATE TABLE "${s}"."featured_tags" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "tag_id" bigint NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "featured_tags_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "featured_tags_account_id_tag_id_key" UNIQUE ("account_id", "tag_id"),
        CONSTRAINT "featured_tags_tag_fkey" FOREIGN KEY ("tag_id") REFERENCES "${s}"."tags" ("id") ON DELETE CASCADE)`,
      ...timestampIdColumnSql(s, 'featured_tags'),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
