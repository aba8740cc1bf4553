import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tombstones of remote statuses, as Mastodon keeps them: the uri of every status a remote author
 * deleted, so that a Create replayed (or arriving after its Delete) cannot bring it back. Kept even
 * for a uri never stored here. The number is picked after the schema's other migrations (the
 * script's clock stamp would sort before the schema exists).
 */
export class CreateStatusTombstones1796200000500 implements MigrationInterface {
  name = 'CreateStatusTombstones1796200000500';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    const statements = [
      `CREATE TABLE "${s}"."status_tombstones" (
        "uri" text NOT NULL,
        "account_id" bigint NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "status_tombstones_pkey" PRIMARY KEY ("uri"))`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
