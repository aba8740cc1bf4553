import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Avatars and headers of local accounts (Mastodon keeps them on the account as Paperclip
 * attachments; here the media service owns every stored file): whose, which kind, where it is
 * stored, and whether it is the account's current one. A stored image that never became current
 * (the profile change failed after it was stored) is removed by the unattached-media sweep.
 */
export class CreateProfileImages1796187900000 implements MigrationInterface {
  name = 'CreateProfileImages1796187900000';

  async up(q: QueryRunner): Promise<void> {
    const s = 'media';
    const statements = [
      `CREATE TABLE "${s}"."profile_images" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "kind" text NOT NULL,
        "file_key" text NOT NULL,
        "current" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "profile_images_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "profile_images_kind_check" CHECK ("kind" IN ('avatar', 'header')))`,
      `CREATE INDEX "profile_images_account_idx" ON "${s}"."profile_images" ("account_id", "kind")`,
      `CREATE UNIQUE INDEX "profile_images_current_idx" ON "${s}"."profile_images" ("account_id", "kind")
         WHERE "current"`,
      `CREATE INDEX "profile_images_pending_idx" ON "${s}"."profile_images" ("created_at") WHERE NOT "current"`,
      ...timestampIdColumnSql(s, 'profile_images'),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
