import { serviceEventSchemaSql, timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Statuses, local and remote in one table (a remote one arrives with its own `uri` and a
 * `local` of false), the accounts each mentions, and the schema's event tables. Ids are minted by
 * the schema's `timestamp_id` (ADR 0007); a remote status will take its id from its `published`
 * time with the two-argument form.
 */
export class CreateStatuses1796200000000 implements MigrationInterface {
  name = 'CreateStatuses1796200000000';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    const statements = [
      `CREATE TABLE "${s}"."statuses" (
        "id" bigint NOT NULL,
        "uri" text NOT NULL,
        "url" text,
        "account_id" bigint NOT NULL,
        "local" boolean NOT NULL,
        "text" text NOT NULL DEFAULT '',
        "content" text NOT NULL DEFAULT '',
        "spoiler_text" text NOT NULL DEFAULT '',
        "sensitive" boolean NOT NULL DEFAULT false,
        "language" text,
        "visibility" text NOT NULL,
        "in_reply_to_id" bigint,
        "in_reply_to_account_id" bigint,
        "reblog_of_id" bigint,
        "application_id" bigint,
        "tags" text[] NOT NULL DEFAULT '{}',
        "replies_count" integer NOT NULL DEFAULT 0,
        "reblogs_count" integer NOT NULL DEFAULT 0,
        "favourites_count" integer NOT NULL DEFAULT 0,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "edited_at" timestamptz,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "deleted_at" timestamptz,
        CONSTRAINT "statuses_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "statuses_visibility_check" CHECK ("visibility" IN ('public', 'unlisted', 'private', 'direct')),
        CONSTRAINT "statuses_counts_check" CHECK ("replies_count" >= 0 AND "reblogs_count" >= 0 AND "favourites_count" >= 0))`,
      `CREATE UNIQUE INDEX "statuses_uri_idx" ON "${s}"."statuses" ("uri")`,
      // An author's statuses, newest first (profiles; rebuilding feeds).
      `CREATE INDEX "statuses_account_id_idx" ON "${s}"."statuses" ("account_id", "id" DESC) WHERE "deleted_at" IS NULL`,
      // The public timelines, newest first.
      `CREATE INDEX "statuses_public_idx" ON "${s}"."statuses" ("id" DESC) WHERE "visibility" = 'public' AND "deleted_at" IS NULL`,
      `CREATE INDEX "statuses_in_reply_to_id_idx" ON "${s}"."statuses" ("in_reply_to_id") WHERE "in_reply_to_id" IS NOT NULL`,
      `CREATE TABLE "${s}"."mentions" (
        "status_id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "position" smallint NOT NULL,
        CONSTRAINT "mentions_pkey" PRIMARY KEY ("status_id", "account_id"),
        CONSTRAINT "mentions_status_fkey" FOREIGN KEY ("status_id") REFERENCES "${s}"."statuses" ("id") ON DELETE CASCADE)`,
      // Statuses that mention an account (private ones it may see, notifications, conversations).
      `CREATE INDEX "mentions_account_id_idx" ON "${s}"."mentions" ("account_id", "status_id" DESC)`,
      ...serviceEventSchemaSql(s),
      ...timestampIdColumnSql(s, 'statuses'),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
