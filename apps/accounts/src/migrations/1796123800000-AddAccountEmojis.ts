import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The custom emoji a remote actor carries (its Emoji tags: shortcode and image URL), as a JSON
 * array on its account row, replaced whenever the actor is saved (ADR 0021). Local accounts keep
 * the empty array until local custom emoji exist.
 */
export class AddAccountEmojis1796123800000 implements MigrationInterface {
  name = 'AddAccountEmojis1796123800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "accounts"."accounts" ADD COLUMN "emojis" jsonb NOT NULL DEFAULT '[]'`);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
