import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Edits and polls. Each edit of a status keeps a version in `status_edits` (the first edit also
 * keeps the original, dated at the status's creation), so the history can be listed oldest first.
 * A poll belongs to one status (`statuses.poll_id` names it for reads); its counts are kept on the
 * row (`tallies` per option) and move under its row lock as votes come in, one row per account
 * and choice. `closed_at` is set once by whichever replica's sweep sees the poll's time run out,
 * which then announces it; the partial index keeps that sweep to the polls still open.
 */
export class AddEditsAndPolls1796200000200 implements MigrationInterface {
  name = 'AddEditsAndPolls1796200000200';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    const statements = [
      `ALTER TABLE "${s}"."statuses" ADD COLUMN "poll_id" bigint`,
      `CREATE TABLE "${s}"."status_edits" (
        "id" bigint NOT NULL,
        "status_id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "text" text NOT NULL DEFAULT '',
        "content" text NOT NULL DEFAULT '',
        "spoiler_text" text NOT NULL DEFAULT '',
        "sensitive" boolean NOT NULL DEFAULT false,
        "poll_options" text[],
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "status_edits_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "status_edits_status_fkey" FOREIGN KEY ("status_id") REFERENCES "${s}"."statuses" ("id") ON DELETE CASCADE)`,
      `CREATE INDEX "status_edits_status_id_idx" ON "${s}"."status_edits" ("status_id", "created_at")`,
      ...timestampIdColumnSql(s, 'status_edits'),
      `CREATE TABLE "${s}"."polls" (
        "id" bigint NOT NULL,
        "status_id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "options" text[] NOT NULL,
        "tallies" integer[] NOT NULL,
        "multiple" boolean NOT NULL DEFAULT false,
        "hide_totals" boolean NOT NULL DEFAULT false,
        "expires_at" timestamptz NOT NULL,
        "votes_count" integer NOT NULL DEFAULT 0,
        "voters_count" integer NOT NULL DEFAULT 0,
        "closed_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "polls_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "polls_status_id_key" UNIQUE ("status_id"),
        CONSTRAINT "polls_status_fkey" FOREIGN KEY ("status_id") REFERENCES "${s}"."statuses" ("id") ON DELETE CASCADE,
        CONSTRAINT "polls_counts_check" CHECK ("votes_count" >= 0 AND "voters_count" >= 0))`,
      `CREATE INDEX "polls_expires_at_idx" ON "${s}"."polls" ("expires_at") WHERE "closed_at" IS NULL`,
      ...timestampIdColumnSql(s, 'polls'),
      `CREATE TABLE "${s}"."poll_votes" (
        "id" bigint NOT NULL,
        "poll_id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "choice" smallint NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "poll_votes_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "poll_votes_poll_id_account_id_choice_key" UNIQUE ("poll_id", "account_id", "choice"),
        CONSTRAINT "poll_votes_poll_fkey" FOREIGN KEY ("poll_id") REFERENCES "${s}"."polls" ("id") ON DELETE CASCADE)`,
      ...timestampIdColumnSql(s, 'poll_votes'),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
