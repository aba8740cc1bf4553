import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Remembers which app signed a user up: only that app may resend the confirmation mail (or change
 * the address it goes to) while the user is unconfirmed, as in Mastodon. Users made by the operator
 * CLI, and users whose app is gone, have none.
 */
export class AddUserCreatedByApplication1795428126313 implements MigrationInterface {
  name = 'AddUserCreatedByApplication1795428126313';

  async up(q: QueryRunner): Promise<void> {
    const s = 'accounts';
    const statements = [
      `ALTER TABLE "${s}"."users" ADD COLUMN "created_by_application_id" bigint,
         ADD CONSTRAINT "users_created_by_application_id_fkey" FOREIGN KEY ("created_by_application_id")
           REFERENCES "${s}"."oauth_applications" ("id") ON DELETE SET NULL`,
      `CREATE INDEX "users_created_by_application_id_idx" ON "${s}"."users" ("created_by_application_id")`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
