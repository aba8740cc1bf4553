import { serviceEventSchemaSql, timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The moderation schema, with its event bookkeeping, and reports (Mastodon's reports): who
 * reported whom, about which statuses and rules, with what comment and category, whether it was
 * sent on to the target's server, the Flag's id (one Flag may report several accounts: one report
 * each), and when action was taken on it.
 */
export class CreateReports1796500000000 implements MigrationInterface {
  name = 'CreateReports1796500000000';

  async up(q: QueryRunner): Promise<void> {
    const s = 'moderation';
    const statements = [
      ...serviceEventSchemaSql(s),
      `CREATE TABLE "${s}"."reports" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "target_account_id" bigint NOT NULL,
        "status_ids" bigint[] NOT NULL DEFAULT '{}',
        "rule_ids" bigint[],
        "comment" text NOT NULL DEFAULT '',
        "category" text NOT NULL DEFAULT 'other',
        "forwarded" boolean NOT NULL DEFAULT false,
        "uri" text,
        "action_taken_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "reports_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "reports_category_check" CHECK ("category" IN ('other', 'spam', 'legal', 'violation')))`,
      `CREATE UNIQUE INDEX "reports_uri_idx" ON "${s}"."reports" ("uri", "target_account_id") WHERE "uri" IS NOT NULL`,
      `CREATE INDEX "reports_target_account_id_idx" ON "${s}"."reports" ("target_account_id")`,
      `CREATE INDEX "reports_unresolved_idx" ON "${s}"."reports" ("id" DESC) WHERE "action_taken_at" IS NULL`,
      ...timestampIdColumnSql(s, 'reports'),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
