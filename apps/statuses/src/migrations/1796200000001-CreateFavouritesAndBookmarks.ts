import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Favourites and bookmarks: one row per account and status, each paged by its own id. */
export class CreateFavouritesAndBookmarks1796200000001 implements MigrationInterface {
  name = 'CreateFavouritesAndBookmarks1796200000001';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    const statements = (['favourites', 'bookmarks'] as const).flatMap((table) => [
      `CREATE TABLE "${s}"."${table}" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "status_id" bigint NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "${table}_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "${table}_account_id_status_id_key" UNIQUE ("account_id", "status_id"),
        CONSTRAINT "${table}_status_fkey" FOREIGN KEY ("status_id") REFERENCES "${s}"."statuses" ("id") ON DELETE CASCADE)`,
      `CREATE INDEX "${table}_account_id_idx" ON "${s}"."${table}" ("account_id", "id" DESC)`,
      `CREATE INDEX "${table}_status_id_idx" ON "${s}"."${table}" ("status_id", "id" DESC)`,
      ...timestampIdColumnSql(s, table),
    ]);
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
