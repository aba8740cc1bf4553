import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Filters (Mastodon's custom filters): a titled filter per account with where it applies, what it
 * does and when it stops; its keywords and the statuses it names, each removed with their filter.
 */
export class CreateFilters1796088456871 implements MigrationInterface {
  name = 'CreateFilters1796088456871';

  async up(q: QueryRunner): Promise<void> {
    const s = 'accounts';
    const statements = [
      `CREATE TABLE "${s}"."filters" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "title" text NOT NULL,
        "context" text[] NOT NULL,
        "action" text NOT NULL DEFAULT 'warn',
        "expires_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "filters_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "filters_action_check" CHECK ("action" IN ('warn', 'hide', 'blur')),
        CONSTRAINT "filters_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "${s}"."accounts" ("id") ON DELETE CASCADE)`,
      `CREATE INDEX "filters_account_id_idx" ON "${s}"."filters" ("account_id", "id")`,
      `CREATE TABLE "${s}"."filter_keywords" (
        "id" bigint NOT NULL,
        "filter_id" bigint NOT NULL,
        "keyword" text NOT NULL,
        "whole_word" boolean NOT NULL DEFAULT true,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "filter_keywords_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "filter_keywords_filter_id_fkey" FOREIGN KEY ("filter_id") REFERENCES "${s}"."filters" ("id") ON DELETE CASCADE)`,
      `CREATE INDEX "filter_keywords_filter_id_idx" ON "${s}"."filter_keywords" ("filter_id", "id")`,
      `CREATE TABLE "${s}"."filter_statuses" (
        "id" bigint NOT NULL,
        "filter_id" bigint NOT NULL,
        "status_id" bigint NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "filter_statuses_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "filter_statuses_filter_id_status_id_key" UNIQUE ("filter_id", "status_id"),
        CONSTRAINT "filter_statuses_filter_id_fkey" FOREIGN KEY ("filter_id") REFERENCES "${s}"."filters" ("id") ON DELETE CASCADE)`,
      ...['filters', 'filter_keywords', 'filter_statuses'].flatMap((table) => timestampIdColumnSql(s, table)),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
