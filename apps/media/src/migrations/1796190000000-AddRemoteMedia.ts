import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Remote attachments (Mastodon's media_attachments.remote_url): where the file lives on its
 * server, whether it may be fetched (not when the domain's media is rejected), and when it was
 * last tried, so the on-demand fetch is not hammered. One author's attachment is known by its URL.
 */
export class AddRemoteMedia1796190000000 implements MigrationInterface {
  name = 'AddRemoteMedia1796190000000';

  async up(q: QueryRunner): Promise<void> {
    const s = 'media';
    const statements = [
      `ALTER TABLE "${s}"."media_attachments" ADD COLUMN "remote_url" text`,
      `ALTER TABLE "${s}"."media_attachments" ADD COLUMN "download" boolean NOT NULL DEFAULT true`,
      `ALTER TABLE "${s}"."media_attachments" ADD COLUMN "fetched_at" timestamptz`,
      `CREATE UNIQUE INDEX "media_attachments_remote_url_idx" ON "${s}"."media_attachments" ("account_id", "remote_url")
         WHERE "remote_url" IS NOT NULL`,
      `CREATE INDEX "media_attachments_cached_remote_idx" ON "${s}"."media_attachments" ("fetched_at")
         WHERE "remote_url" IS NOT NULL AND "file_key" IS NOT NULL`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
