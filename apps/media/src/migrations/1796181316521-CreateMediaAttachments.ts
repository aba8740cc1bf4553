import { serviceEventSchemaSql, timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The media schema, with its event bookkeeping, and media attachments (Mastodon's
 * media_attachments): whose, on which status (none yet: the statuses slice attaches them), how far
 * processing got and why it failed, the upload waiting to be processed, the storage keys of the
 * processed files, their dimensions (`meta`), alt text and blurhash.
 */
export class CreateMediaAttachments1796181316521 implements MigrationInterface {
  name = 'CreateMediaAttachments1796181316521';

  async up(q: QueryRunner): Promise<void> {
    const s = 'media';
    const statements = [
      ...serviceEventSchemaSql(s),
      `CREATE TABLE "${s}"."media_attachments" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "status_id" bigint,
        "type" text NOT NULL DEFAULT 'image',
        "processing" text NOT NULL DEFAULT 'queued',
        "processing_error" text,
        "upload_key" text,
        "file_key" text,
        "small_key" text,
        "file_content_type" text,
        "file_size" bigint,
        "meta" jsonb NOT NULL DEFAULT '{}',
        "description" text,
        "blurhash" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "media_attachments_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "media_attachments_type_check"
          CHECK ("type" IN ('image', 'gifv', 'video', 'audio', 'unknown')),
        CONSTRAINT "media_attachments_processing_check"
          CHECK ("processing" IN ('queued', 'in_progress', 'complete', 'failed')))`,
      `CREATE INDEX "media_attachments_account_id_idx" ON "${s}"."media_attachments" ("account_id", "id" DESC)`,
      `CREATE INDEX "media_attachments_status_id_idx" ON "${s}"."media_attachments" ("status_id")
         WHERE "status_id" IS NOT NULL`,
      `CREATE INDEX "media_attachments_unattached_idx" ON "${s}"."media_attachments" ("created_at")
         WHERE "status_id" IS NULL`,
      ...timestampIdColumnSql(s, 'media_attachments'),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
