import { eventHousekeepingIndexesSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lets the relay's hourly pruning find what it deletes by index: published outbox rows by when
 * they were published, handled-event ids by when they were handled.
 */
export class IndexEventHousekeeping1795429919096 implements MigrationInterface {
  name = 'IndexEventHousekeeping1795429919096';

  async up(q: QueryRunner): Promise<void> {
    const statements = eventHousekeepingIndexesSql('accounts');
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
