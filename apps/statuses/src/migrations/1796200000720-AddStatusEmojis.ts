import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The custom emoji a remote status carries (its Note's Emoji tags: shortcode and image URL), as a
 * JSON array on the status row and on each version of its history, written with the content they
 * go with (ADR 0021). Local statuses keep the empty array until local custom emoji exist.
 */
export class AddStatusEmojis1796200000720 implements MigrationInterface {
  name = 'AddStatusEmojis1796200000720';

  async up(q: QueryRunner): Promise<void> {
    const s = 'statuses';
    const statements: string[] = [
      `ALTER TABLE "${s}"."statuses" ADD COLUMN "emojis" jsonb NOT NULL DEFAULT '[]'`,
      `ALTER TABLE "${s}"."status_edits" ADD COLUMN "emojis" jsonb NOT NULL DEFAULT '[]'`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
