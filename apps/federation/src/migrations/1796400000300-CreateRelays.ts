import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relays the instance subscribes to (Mastodon's relays): the relay's inbox, the id of the
 * Follow our instance actor sent it (which its Accept or Reject names), the state of the
 * subscription, and the relay's actor once it answered, which is how its later deliveries are
 * recognised.
 */
export class CreateRelays1796400000300 implements MigrationInterface {
  name = 'CreateRelays1796400000300';

  async up(q: QueryRunner): Promise<void> {
    const s = 'federation';
    const statements = [
      `CREATE TABLE "${s}"."relays" (
        "id" bigint NOT NULL,
        "inbox_url" text NOT NULL,
        "follow_activity_id" text NOT NULL,
        "state" text NOT NULL DEFAULT 'pending',
        "actor_uri" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "relays_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "relays_state_check" CHECK ("state" IN ('pending', 'accepted', 'rejected')))`,
      `CREATE UNIQUE INDEX "relays_inbox_url_idx" ON "${s}"."relays" ("inbox_url")`,
      `CREATE UNIQUE INDEX "relays_follow_activity_id_idx" ON "${s}"."relays" ("follow_activity_id")`,
      ...timestampIdColumnSql(s, 'relays'),
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
