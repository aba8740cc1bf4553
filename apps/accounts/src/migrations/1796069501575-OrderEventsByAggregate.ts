import { eventOrderingSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events in order per aggregate: the outbox numbers each aggregate's events, and consumers in
 * this schema remember the last one they applied (ADR 0012).
 */
export class OrderEventsByAggregate1796069501575 implements MigrationInterface {
  name = 'OrderEventsByAggregate1796069501575';

  async up(q: QueryRunner): Promise<void> {
    for (const statement of eventOrderingSql('accounts')) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
