import { serviceEventSchemaSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The timelines schema: feeds live in Redis (to be rebuilt from statuses when lost), so PostgreSQL holds
 * only what its event consumers need to apply each event once and in order (and, later, markers,
 * lists and notifications).
 */
export class CreateTimelines1796300000000 implements MigrationInterface {
  name = 'CreateTimelines1796300000000';

  async up(q: QueryRunner): Promise<void> {
    const s = 'timelines';
    for (const statement of serviceEventSchemaSql(s)) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
