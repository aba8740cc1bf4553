import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Statuses carry media now (`StatusRecord.mediaIds`): the index keeps each status's attachment
 * ids, and `has:media` matches the `media` property a status with attachments gets. Nothing can
 * be backfilled from this schema: it never kept media before, and media only just arrived, so the
 * statuses indexed so far hold none (a status with media indexed before this migration gains the
 * property at its next edit, or at a replay of its events).
 */
export class AddStatusMedia1796600000100 implements MigrationInterface {
  name = 'AddStatusMedia1796600000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "search"."statuses" ADD COLUMN "media_ids" bigint[] NOT NULL DEFAULT '{}'`);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
