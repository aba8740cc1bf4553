import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The media attachments of a status, in the order they were given: the media service holds the
 * attachments (and knows their status), the status keeps the order Mastodon shows them in.
 */
export class AddMediaIds1796200000800 implements MigrationInterface {
  name = 'AddMediaIds1796200000800';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    const statements: string[] = [
      `ALTER TABLE "${s}"."statuses" ADD COLUMN "media_ids" bigint[] NOT NULL DEFAULT '{}'`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
