import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an avatar and a header carry beside their URL: the still first frame of an animated one
 * (Mastodon's `static` style, which `avatar_static` and `header_static` show; null when the image
 * is still, or none is set), and the owner's description of each (`avatar_description`,
 * `header_description`; empty when none was given).
 */
export class AddProfileImageDetails1796123900000 implements MigrationInterface {
  name = 'AddProfileImageDetails1796123900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "accounts"."accounts"
         ADD COLUMN "avatar_static_url" text, ADD COLUMN "header_static_url" text,
         ADD COLUMN "avatar_description" text NOT NULL DEFAULT '',
         ADD COLUMN "header_description" text NOT NULL DEFAULT ''`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
