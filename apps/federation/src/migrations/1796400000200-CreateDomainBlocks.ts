import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The instance's domain blocks (Mastodon's domain_blocks): one rule per domain, covering its
 * subdomains, with a severity (`suspend` cuts the domain off, `silence` limits it, `noop` only
 * carries the flags), the media and report flags, whether the public list obfuscates the name,
 * and the operator's private and public comments.
 */
export class CreateDomainBlocks1796400000200 implements MigrationInterface {
  name = 'CreateDomainBlocks1796400000200';

  async up(q: QueryRunner): Promise<void> {
    const s = 'federation';
    const statements = [
      `CREATE TABLE "${s}"."domain_blocks" (
        "id" bigint NOT NULL,
        "domain" text NOT NULL,
        "severity" text NOT NULL DEFAULT 'silence',
        "reject_media" boolean NOT NULL DEFAULT false,
        "reject_reports" boolean NOT NULL DEFAULT false,
        "obfuscate" boolean NOT NULL DEFAULT false,
        "private_comment" text,
        "public_comment" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "domain_blocks_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "domain_blocks_severity_check" CHECK ("severity" IN ('suspend', 'silence', 'noop')))`,
      `CREATE UNIQUE INDEX "domain_blocks_domain_idx" ON "${s}"."domain_blocks" ("domain")`,
      ...timestampIdColumnSql(s, 'domain_blocks'),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
