import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The still first frame of an animated avatar or header (Mastodon's `static` style), which
 * `avatar_static` and `header_static` show; null when the image is still, or none is set.
 */
export class AddStaticProfileImages1796123900000 implements MigrationInterface {
  name = 'AddStaticProfileImages1796123900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "accounts"."accounts" ADD COLUMN "avatar_static_url" text, ADD COLUMN "header_static_url" text`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
