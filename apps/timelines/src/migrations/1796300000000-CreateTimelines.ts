import {
  eventHousekeepingIndexesSql,
  eventOrderingSql,
  outboxTablesSql,
  timestampIdColumnSql,
  timestampIdFunctionsSql,
} from '@mammut/platform';
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
    const statements = [
      ...outboxTablesSql(s),
      ...eventHousekeepingIndexesSql(s),
      ...eventOrderingSql(s),
      ...timestampIdFunctionsSql(s),
      ...timestampIdColumnSql(s, 'outbox'),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
