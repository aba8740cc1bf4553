import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When an account was deleted. Its row stays (suspended, profile emptied) so that its username and
 * URI are never handed to someone else, as Mastodon keeps a deleted local account's name reserved.
 */
export class MarkDeletedAccounts1796067541678 implements MigrationInterface {
  name = 'MarkDeletedAccounts1796067541678';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "accounts"."accounts" ADD COLUMN "deleted_at" timestamptz`);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
