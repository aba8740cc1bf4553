import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Finds the timed mutes whose time is up, for the sweeper that ends them. */
export class IndexMuteExpiry1795428403124 implements MigrationInterface {
  name = 'IndexMuteExpiry1795428403124';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "mutes_expires_at_idx" ON "accounts"."mutes" ("expires_at") WHERE "expires_at" IS NOT NULL`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
