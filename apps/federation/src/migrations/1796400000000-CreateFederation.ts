import { serviceEventSchemaSql } from '@mammut/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The federation schema: the key pair each local actor signs with (the private key encrypted at
 * rest with a key derived from SECRET_KEY_BASE, as Mastodon 4.7 keeps its keypairs), and the event
 * bookkeeping its consumers and outbox will use.
 */
export class CreateFederation1796400000000 implements MigrationInterface {
  name = 'CreateFederation1796400000000';

  async up(q: QueryRunner): Promise<void> {
    const s = 'federation';
    const statements = [
      ...serviceEventSchemaSql(s),
      `CREATE TABLE "${s}"."actor_keys" (
        "account_id" bigint NOT NULL,
        "public_key_pem" text NOT NULL,
        "private_key" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "actor_keys_pkey" PRIMARY KEY ("account_id"))`,
    ];
    for (const statement of statements) await q.query(statement);
  }

  down(): Promise<void> {
    return Promise.reject(new Error('Migrations are forward-only'));
  }
}
