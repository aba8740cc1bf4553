import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Domains deliveries have given up on (Mastodon's unavailable_domains): a host that failed on 7
 * distinct days is written here, nothing more is sent to it, and any success or signed request
 * from it removes the row. Operators read it; the failure days themselves live in Redis.
 */
export class CreateUnavailableDomains1796400000100 implements MigrationInterface {
  name = 'CreateUnavailableDomains1796400000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "federation"."unavailable_domains" (
      "domain" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "unavailable_domains_pkey" PRIMARY KEY ("domain"))`);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
