import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Remote polls may name no end (Mastodon keeps `expires_at` null for a Question without `endTime`
 * or `closed`): such a poll never expires here, and the expiry sweep never sees it. Local polls
 * always have one. The number is picked after the schema's other migrations, as
 * CreateStatusTombstones explains.
 */
export class AllowOpenEndedPolls1796200000710 implements MigrationInterface {
  name = 'AllowOpenEndedPolls1796200000710';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "statuses"."polls" ALTER COLUMN "expires_at" DROP NOT NULL`);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
