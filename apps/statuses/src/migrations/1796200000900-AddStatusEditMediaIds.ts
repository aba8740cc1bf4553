import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The media attachments of each version of a status, in order (Mastodon's
 * status_edits.ordered_media_attachment_ids): an edit that takes an attachment away keeps it on
 * the status, so the version that showed it still does.
 */
export class AddStatusEditMediaIds1796200000900 implements MigrationInterface {
  name = 'AddStatusEditMediaIds1796200000900';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    await q.query(`ALTER TABLE "${s}"."status_edits" ADD COLUMN "media_ids" bigint[] NOT NULL DEFAULT '{}'`);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
