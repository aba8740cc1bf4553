import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lists (Mastodon's `lists` and `list_accounts`): an owner's named sets of accounts it follows,
 * each with its own feed. A membership exists only while the owner follows the member (or is
 * the member), so it carries no follow id: ending the follow removes it in the same transaction.
 * `list_accounts_account_id_id_idx` pages the lists that hold an author when a status fans out.
 */
export class CreateLists1796088432720 implements MigrationInterface {
  name = 'CreateLists1796088432720';

  async up(q: QueryRunner): Promise<void> {
    const s = 'accounts';
    const statements = [
      `CREATE TABLE "${s}"."lists" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "title" text NOT NULL,
        "replies_policy" text NOT NULL DEFAULT 'list',
        "exclusive" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "lists_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "lists_replies_policy_check" CHECK ("replies_policy" IN ('followed', 'list', 'none')),
        CONSTRAINT "lists_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "${s}"."accounts" ("id") ON DELETE CASCADE)`,
      `CREATE INDEX "lists_account_id_idx" ON "${s}"."lists" ("account_id")`,
      `CREATE TABLE "${s}"."list_accounts" (
        "id" bigint NOT NULL,
        "list_id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "list_accounts_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "list_accounts_list_id_account_id_key" UNIQUE ("list_id", "account_id"),
        CONSTRAINT "list_accounts_list_id_fkey" FOREIGN KEY ("list_id") REFERENCES "${s}"."lists" ("id") ON DELETE CASCADE,
        CONSTRAINT "list_accounts_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "${s}"."accounts" ("id") ON DELETE CASCADE)`,
      `CREATE INDEX "list_accounts_account_id_id_idx" ON "${s}"."list_accounts" ("account_id", "id")`,
      ...timestampIdColumnSql(s, 'lists'),
      ...timestampIdColumnSql(s, 'list_accounts'),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
