import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduled statuses: one row per status an account asked to be posted later, holding the request
 * as it was made (`params`, JSON) until the sweep publishes it and deletes the row in the same
 * transaction. The index on `scheduled_at` serves that sweep (rows due now); the one on
 * `(account_id, scheduled_at)` the per-account and per-day limits and the owner's list.
 */
export class CreateScheduledStatuses1796200000340 implements MigrationInterface {
  name = 'CreateScheduledStatuses1796200000340';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    const statements = [
      `CREATE TABLE "${s}"."scheduled_statuses" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "application_id" bigint,
        "scheduled_at" timestamptz NOT NULL,
        "params" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "scheduled_statuses_pkey" PRIMARY KEY ("id"))`,
      `CREATE INDEX "scheduled_statuses_scheduled_at_idx" ON "${s}"."scheduled_statuses" ("scheduled_at")`,
      `CREATE INDEX "scheduled_statuses_account_id_scheduled_at_idx" ON "${s}"."scheduled_statuses" ("account_id", "scheduled_at")`,
      ...timestampIdColumnSql(s, 'scheduled_statuses'),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
