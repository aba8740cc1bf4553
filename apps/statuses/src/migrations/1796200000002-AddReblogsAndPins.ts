import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reblogs are statuses with `reblog_of_id` set (the column exists since the statuses table was
 * made): one live reblog per account and status, found by the status it shares. Pins are rows of
 * their own, paged by their id (most recently pinned first on a profile).
 */
export class AddReblogsAndPins1796200000002 implements MigrationInterface {
  name = 'AddReblogsAndPins1796200000002';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    const statements = [
      `CREATE UNIQUE INDEX "statuses_account_id_reblog_of_id_idx" ON "${s}"."statuses" ("account_id", "reblog_of_id")
        WHERE "reblog_of_id" IS NOT NULL AND "deleted_at" IS NULL`,
      // Who reblogged a status (reblogged_by), and its reblogs when it is deleted.
      `CREATE INDEX "statuses_reblog_of_id_idx" ON "${s}"."statuses" ("reblog_of_id", "id" DESC)
        WHERE "reblog_of_id" IS NOT NULL AND "deleted_at" IS NULL`,
      `CREATE TABLE "${s}"."status_pins" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "status_id" bigint NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "status_pins_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "status_pins_account_id_status_id_key" UNIQUE ("account_id", "status_id"),
        CONSTRAINT "status_pins_status_fkey" FOREIGN KEY ("status_id") REFERENCES "${s}"."statuses" ("id") ON DELETE CASCADE)`,
      `CREATE INDEX "status_pins_account_id_idx" ON "${s}"."status_pins" ("account_id", "id" DESC)`,
      ...timestampIdColumnSql(s, 'status_pins'),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
