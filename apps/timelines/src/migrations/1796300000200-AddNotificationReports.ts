import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `admin.report` notifications name their report (Mastodon's notification activity is the
 * Report): a `report_id`, part of what makes a notification one of a kind, so that two reports
 * from the same reporter notify twice.
 */
export class AddNotificationReports1796300000200 implements MigrationInterface {
  name = 'AddNotificationReports1796300000200';

  async up(q: QueryRunner): Promise<void> {
    const s = 'timelines';
    const statements = [
      `ALTER TABLE "${s}"."notifications" ADD COLUMN "report_id" bigint`,
      `DROP INDEX "${s}"."notifications_once_idx"`,
      `CREATE UNIQUE INDEX "notifications_once_idx" ON "${s}"."notifications"
         ("account_id", "type", "from_account_id", (COALESCE("status_id", 0)), (COALESCE("report_id", 0)))`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
