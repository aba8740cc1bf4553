import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Remote accounts as federation describes them, in the same table as local ones: where to deliver
 * (inboxes), their collections, the key that signs their requests, their actor type, aliases, when
 * they were last fetched and webfingered, and the remote avatar and header the media service will
 * copy. Mastodon's column names. Local accounts leave them null: federation serves their actors.
 *
 * Domains are stored normalised (lower case, IDN as punycode, by the use cases); the check keeps
 * the lower-case part true for anything written by hand. The username and uri unique indexes of
 * CreateAccounts stay as they are. Follow rows are found by their activity id when a remote
 * server answers a Follow (Accept, Reject), hence the two uri indexes.
 */
export class AddRemoteActorColumns1796067203650 implements MigrationInterface {
  name = 'AddRemoteActorColumns1796067203650';

  async up(q: QueryRunner): Promise<void> {
    const s = 'accounts';
    const statements: string[] = [
      `ALTER TABLE "${s}"."accounts"
         ADD COLUMN "actor_type" text,
         ADD COLUMN "inbox_url" text,
         ADD COLUMN "shared_inbox_url" text,
         ADD COLUMN "outbox_url" text,
         ADD COLUMN "followers_url" text,
         ADD COLUMN "following_url" text,
         ADD COLUMN "featured_collection_url" text,
         ADD COLUMN "public_key" text,
         ADD COLUMN "public_key_id" text,
         ADD COLUMN "also_known_as" text[] NOT NULL DEFAULT '{}',
         ADD COLUMN "avatar_remote_url" text,
         ADD COLUMN "header_remote_url" text,
         ADD COLUMN "last_webfingered_at" timestamptz,
         ADD COLUMN "fetched_at" timestamptz`,
      `UPDATE "${s}"."accounts" SET "domain" = lower("domain") WHERE "domain" <> lower("domain")`,
      `ALTER TABLE "${s}"."accounts"
         ADD CONSTRAINT "accounts_domain_check" CHECK ("domain" = lower("domain")),
         ADD CONSTRAINT "accounts_actor_type_check"
           CHECK ("actor_type" IN ('Person', 'Service', 'Group', 'Application', 'Organization')),
         ADD CONSTRAINT "accounts_moved_to_account_id_fkey" FOREIGN KEY ("moved_to_account_id")
           REFERENCES "${s}"."accounts" ("id") ON DELETE SET NULL`,
      `CREATE INDEX "accounts_domain_idx" ON "${s}"."accounts" ("domain") WHERE "domain" IS NOT NULL`,
      `CREATE INDEX "follows_uri_idx" ON "${s}"."follows" ("uri") WHERE "uri" IS NOT NULL`,
      `CREATE INDEX "follow_requests_uri_idx" ON "${s}"."follow_requests" ("uri") WHERE "uri" IS NOT NULL`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
