import { timestampIdColumnSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Mastodon 4.3's notification filtering and grouping: each notification may be held back
 * (`filtered`) or share a `group_key`; an account's policy (a row only once it changes Mastodon's
 * defaults), the requests that gather the filtered mentions of one sender, and the senders an
 * account accepted, whose notifications are never filtered again.
 */
export class AddNotificationPolicies1796300000100 implements MigrationInterface {
  name = 'AddNotificationPolicies1796300000100';

  async up(q: QueryRunner): Promise<void> {
    const s = 'timelines';
    const action = (column: string, byDefault: string): string =>
      `"${column}" text NOT NULL DEFAULT '${byDefault}' CHECK ("${column}" IN ('accept', 'filter', 'drop'))`;
    const statements = [
      `ALTER TABLE "${s}"."notifications" ADD COLUMN "filtered" boolean NOT NULL DEFAULT false`,
      `ALTER TABLE "${s}"."notifications" ADD COLUMN "group_key" text`,
      `CREATE INDEX "notifications_account_id_group_key_idx" ON "${s}"."notifications" ("account_id", "group_key", "id" DESC) WHERE "group_key" IS NOT NULL`,
      `CREATE INDEX "notifications_account_id_from_account_id_idx" ON "${s}"."notifications" ("account_id", "from_account_id") WHERE "filtered"`,
      `CREATE TABLE "${s}"."notification_policies" (
        "account_id" bigint NOT NULL,
        ${action('for_not_following', 'accept')},
        ${action('for_not_followers', 'accept')},
        ${action('for_new_accounts', 'accept')},
        ${action('for_private_mentions', 'filter')},
        ${action('for_limited_accounts', 'filter')},
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "notification_policies_pkey" PRIMARY KEY ("account_id"))`,
      `CREATE TABLE "${s}"."notification_requests" (
        "id" bigint NOT NULL,
        "account_id" bigint NOT NULL,
        "from_account_id" bigint NOT NULL,
        "last_status_id" bigint,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "notification_requests_pkey" PRIMARY KEY ("id"))`,
      `CREATE UNIQUE INDEX "notification_requests_account_id_from_account_id_idx" ON "${s}"."notification_requests" ("account_id", "from_account_id")`,
      `CREATE INDEX "notification_requests_account_id_idx" ON "${s}"."notification_requests" ("account_id", "id" DESC)`,
      ...timestampIdColumnSql(s, 'notification_requests'),
      `CREATE TABLE "${s}"."notification_permissions" (
        "account_id" bigint NOT NULL,
        "from_account_id" bigint NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "notification_permissions_pkey" PRIMARY KEY ("account_id", "from_account_id"))`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
