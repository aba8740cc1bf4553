import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The local public timeline by an index of exactly its statuses (public, local, no reblogs, no
 * replies to others), newest first, as Mastodon indexes it: a page is its first 40 entries, where
 * the general public index made PostgreSQL step over every remote status and reply in between.
 */
export class IndexLocalPublicTimeline1796200000410 implements MigrationInterface {
  name = 'IndexLocalPublicTimeline1796200000410';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "statuses_public_local_idx" ON "statuses"."statuses" ("id" DESC)
        WHERE "visibility" = 'public' AND "deleted_at" IS NULL AND "reblog_of_id" IS NULL AND "local"
          AND ("in_reply_to_id" IS NULL OR "in_reply_to_account_id" = "account_id")`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
