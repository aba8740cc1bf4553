import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Notifications (one row per thing to tell an account) and read markers of home and notifications. */
export class CreateNotificationsAndMarkers1796300000001 implements MigrationInterface {
  name = 'CreateNotificationsAndMarkers1796300000001';

  async up(q: QueryRunner): Promise<void> {
    const s = 'timelines';
    const statements = [
      `CREATE TABLE "${s}"."notifications" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "from_account_id" bigint NOT NULL,
        "type" text NOT NULL,
        "status_id" bigint,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "notifications_pkey" PRIMARY KEY ("id"))`,
      `CREATE INDEX "notifications_account_id_idx" ON "${s}"."notifications" ("account_id", "id" DESC)`,
      `CREATE INDEX "notifications_status_id_idx" ON "${s}"."notifications" ("status_id") WHERE "status_id" IS NOT NULL`,
      // One notification per kind, actor and status (or per kind and actor when there is none).
      `CREATE UNIQUE INDEX "notifications_once_idx" ON "${s}"."notifications" ("account_id", "type", "from_account_id", (COALESCE("status_id", 0)))`,
      ...timestampIdColumnSql(s, 'notifications'),
      `CREATE TABLE "${s}"."markers" (
        "account_id" bigint NOT NULL,
        "timeline" text NOT NULL,
        "last_read_id" bigint NOT NULL,
        "version" integer NOT NULL DEFAULT 0,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "markers_pkey" PRIMARY KEY ("account_id", "timeline"))`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
