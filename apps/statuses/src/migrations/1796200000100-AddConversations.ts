import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conversations, as Mastodon keeps them: every thread has one (a new status starts it, a reply
 * joins its parent's; a remote thread will be found by its `context` uri), statuses name theirs,
 * and each participant of a direct thread has an account conversation (the other participants,
 * the thread's direct statuses, the last of them, whether it is unread), found and paged by its
 * last status. Conversation mutes hold back notifications from a thread. Statuses made before
 * this migration have no conversation until a reply gives them one.
 */
export class AddConversations1796200000100 implements MigrationInterface {
  name = 'AddConversations1796200000100';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    const statements = [
      `CREATE TABLE "${s}"."conversations" (
        "id" bigint NOT NULL,
        "uri" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "conversations_pkey" PRIMARY KEY ("id"))`,
      `CREATE UNIQUE INDEX "conversations_uri_idx" ON "${s}"."conversations" ("uri") WHERE "uri" IS NOT NULL`,
      ...timestampIdColumnSql(s, 'conversations'),
      `ALTER TABLE "${s}"."statuses" ADD COLUMN "conversation_id" bigint`,
      `CREATE INDEX "statuses_conversation_id_idx" ON "${s}"."statuses" ("conversation_id") WHERE "conversation_id" IS NOT NULL`,
      `CREATE TABLE "${s}"."account_conversations" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "conversation_id" bigint NOT NULL,
        "participant_account_ids" bigint[] NOT NULL DEFAULT '{}',
        "status_ids" bigint[] NOT NULL DEFAULT '{}',
        "last_status_id" bigint NOT NULL,
        "unread" boolean NOT NULL DEFAULT false,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "account_conversations_pkey" PRIMARY KEY ("id"),
        -- One per account, thread and set of other participants (kept sorted), as Mastodon's.
        CONSTRAINT "account_conversations_account_conversation_participants_key"
          UNIQUE ("account_id", "conversation_id", "participant_account_ids"),
        CONSTRAINT "account_conversations_conversation_fkey" FOREIGN KEY ("conversation_id") REFERENCES "${s}"."conversations" ("id") ON DELETE CASCADE)`,
      // An account's conversations, most recent last status first.
      `CREATE INDEX "account_conversations_account_id_idx" ON "${s}"."account_conversations" ("account_id", "last_status_id" DESC)`,
      `CREATE INDEX "account_conversations_conversation_id_idx" ON "${s}"."account_conversations" ("conversation_id")`,
      ...timestampIdColumnSql(s, 'account_conversations'),
      `CREATE TABLE "${s}"."conversation_mutes" (
        "account_id" bigint NOT NULL,
        "conversation_id" bigint NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "conversation_mutes_pkey" PRIMARY KEY ("account_id", "conversation_id"),
        CONSTRAINT "conversation_mutes_conversation_fkey" FOREIGN KEY ("conversation_id") REFERENCES "${s}"."conversations" ("id") ON DELETE CASCADE)`,
      `CREATE INDEX "conversation_mutes_conversation_id_idx" ON "${s}"."conversation_mutes" ("conversation_id")`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
