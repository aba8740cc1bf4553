import { serviceEventSchemaSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The search schema, with its event bookkeeping, and the PostgreSQL search index, a projection
 * of status and account events: statuses (their words as a tsvector, simple and stemmed in the
 * status's language; the columns the operators filter on), who besides everyone may find each
 * (`status_searchers`: favourites, bookmarks, reblogs; the author and the mentioned are columns),
 * the accounts (names for prefix search; `indexable`, suspended and deleted for the rule of who
 * finds their statuses), the viewer's follows (`following=true`) and the hashtag names used.
 */
export class CreateSearchIndex1796600000000 implements MigrationInterface {
  name = 'CreateSearchIndex1796600000000';

  async up(q: QueryRunner): Promise<void> {
    const s = 'search';
    const statements = [
      ...serviceEventSchemaSql(s),
      `CREATE TABLE "${s}"."statuses" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "visibility" text NOT NULL,
        "language" text,
        "text" text NOT NULL,
        "tsv" tsvector NOT NULL,
        "properties" text[] NOT NULL DEFAULT '{}',
        "tags" text[] NOT NULL DEFAULT '{}',
        "mentions" bigint[] NOT NULL DEFAULT '{}',
        "created_at" timestamptz NOT NULL,
        "indexed_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "statuses_pkey" PRIMARY KEY ("id"))`,
      `CREATE INDEX "statuses_tsv_idx" ON "${s}"."statuses" USING gin ("tsv")`,
      `CREATE INDEX "statuses_tags_idx" ON "${s}"."statuses" USING gin ("tags")`,
      `CREATE INDEX "statuses_mentions_idx" ON "${s}"."statuses" USING gin ("mentions")`,
      `CREATE INDEX "statuses_account_id_idx" ON "${s}"."statuses" ("account_id", "id" DESC)`,
      `CREATE TABLE "${s}"."status_searchers" (
        "status_id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "reason" text NOT NULL,
        CONSTRAINT "status_searchers_pkey" PRIMARY KEY ("status_id", "account_id", "reason"),
        CONSTRAINT "status_searchers_reason_check" CHECK ("reason" IN ('favourite', 'bookmark', 'reblog')))`,
      `CREATE INDEX "status_searchers_account_id_idx" ON "${s}"."status_searchers" ("account_id", "status_id")`,
      `CREATE TABLE "${s}"."accounts" (
        "id" bigint NOT NULL,
        "username" text NOT NULL,
        "domain" text,
        "display_name" text NOT NULL DEFAULT '',
        "indexable" boolean NOT NULL DEFAULT false,
        "suspended" boolean NOT NULL DEFAULT false,
        "moved" boolean NOT NULL DEFAULT false,
        "deleted" boolean NOT NULL DEFAULT false,
        "followers_count" integer NOT NULL DEFAULT 0,
        "tsv" tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('simple'::regconfig, "username"), 'A') ||
          setweight(to_tsvector('simple'::regconfig, "display_name"), 'B') ||
          setweight(to_tsvector('simple'::regconfig, coalesce("domain", '')), 'C')) STORED,
        CONSTRAINT "accounts_pkey" PRIMARY KEY ("id"))`,
      `CREATE INDEX "accounts_tsv_idx" ON "${s}"."accounts" USING gin ("tsv")`,
      `CREATE INDEX "accounts_acct_idx" ON "${s}"."accounts" (lower("username"), lower(coalesce("domain", '')))`,
      `CREATE TABLE "${s}"."follows" (
        "account_id" bigint NOT NULL,
        "target_account_id" bigint NOT NULL,
        CONSTRAINT "follows_pkey" PRIMARY KEY ("account_id", "target_account_id"))`,
      `CREATE TABLE "${s}"."tags" (
        "name" text NOT NULL,
        "last_status_at" timestamptz NOT NULL,
        CONSTRAINT "tags_pkey" PRIMARY KEY ("name"))`,
      `CREATE INDEX "tags_name_prefix_idx" ON "${s}"."tags" ("name" text_pattern_ops)`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
