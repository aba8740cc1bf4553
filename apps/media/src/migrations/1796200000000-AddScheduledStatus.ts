import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Uploads a scheduled status will carry (Mastodon's media_attachments.scheduled_status_id): held
 * for it, so the sweep of unattached uploads leaves them, until it is published or deleted.
 */
export class AddScheduledStatus1796200000000 implements MigrationInterface {
  name = 'AddScheduledStatus1796200000000';

  async up(q: QueryRunner): Promise<void> {
    const s = 'media';
    const statements = [
      `ALTER TABLE "${s}"."media_attachments" ADD COLUMN "scheduled_status_id" bigint`,
      `CREATE INDEX "media_attachments_scheduled_status_id_idx" ON "${s}"."media_attachments" ("scheduled_status_id")
         WHERE "scheduled_status_id" IS NOT NULL`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
