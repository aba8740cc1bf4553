import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When an account last moved (a local migration, a remote account's verified Move): a local
 * account may not move again for 30 days, as Mastodon's account_migrations cooldown has it.
 */
export class AddMovedAt1796123785531 implements MigrationInterface {
  name = 'AddMovedAt1796123785531';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "accounts"."accounts" ADD COLUMN "moved_at" timestamptz`);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
