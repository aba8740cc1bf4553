import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Those who voted in a status's poll may find it too (Mastodon's `searchable_by`: local voters). */
export class AddVoteSearchers1796600000200 implements MigrationInterface {
  name = 'AddVoteSearchers1796600000200';

  async up(q: QueryRunner): Promise<void> {
    const s = 'search';
    await q.query(`ALTER TABLE "${s}"."status_searchers" DROP CONSTRAINT "status_searchers_reason_check"`);
    await q.query(
      `ALTER TABLE "${s}"."status_searchers" ADD CONSTRAINT "status_searchers_reason_check"
         CHECK ("reason" IN ('favourite', 'bookmark', 'reblog', 'vote'))`,
    );
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
