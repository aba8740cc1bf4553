import { timestampIdColumnSql, timestampIdFunctionsSql } from './timestamp-id';

/**
 * The tables every event-producing or event-consuming service keeps in its own schema:
 * `outbox` (events written in the same transaction as the change, relayed to JetStream) and
 * `handled_events` (ids of events a durable consumer has applied, for idempotency). The same
 * migration gives `outbox` its id default with `timestampIdColumnSql(schema, 'outbox')`, which
 * `Outbox.add` relies on (ADR 0007).
 */
export function outboxTablesSql(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}"."outbox" (
      "id" bigint NOT NULL,
      "subject" text NOT NULL,
      "version" integer NOT NULL,
      "payload" jsonb NOT NULL,
      "traceparent" text,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "published_at" timestamptz,
      CONSTRAINT "outbox_pkey" PRIMARY KEY ("id"))`,
    `CREATE INDEX "outbox_unpublished_idx" ON "${schema}"."outbox" ("id") WHERE "published_at" IS NULL`,
    `CREATE TABLE "${schema}"."handled_events" (
      "consumer" text NOT NULL,
      "event_id" text NOT NULL,
      "handled_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "handled_events_pkey" PRIMARY KEY ("consumer", "event_id"))`,
  ];
}

/**
 * Indexes the relay's pruning searches by (published outbox rows, handled-event ids by age). A
 * service creating its event tables adds these in a later statement of the same migration; never
 * fold them into `outboxTablesSql`, whose output past migrations have already applied.
 */
export function eventHousekeepingIndexesSql(schema: string): string[] {
  return [
    `CREATE INDEX "outbox_published_at_idx" ON "${schema}"."outbox" ("published_at") WHERE "published_at" IS NOT NULL`,
    `CREATE INDEX "handled_events_handled_at_idx" ON "${schema}"."handled_events" ("handled_at")`,
  ];
}

/**
 * Event order per aggregate. The producer numbers each aggregate's events in `aggregate_versions`
 * (the row lock makes the numbers follow commit order) and writes the number on the outbox row; a
 * consumer remembers in `aggregate_positions` the last version it applied of each aggregate, and in
 * `aggregate_failures` the versions whose handler failed and is being retried. A
 * service adds these in a migration of its own, after its event tables.
 */
export function eventOrderingSql(schema: string): string[] {
  return [
    `ALTER TABLE "${schema}"."outbox" ADD COLUMN "aggregate" text, ADD COLUMN "aggregate_version" bigint`,
    `CREATE TABLE "${schema}"."aggregate_versions" (
      "aggregate" text NOT NULL,
      "version" bigint NOT NULL,
      CONSTRAINT "aggregate_versions_pkey" PRIMARY KEY ("aggregate"))`,
    `CREATE TABLE "${schema}"."aggregate_positions" (
      "consumer" text NOT NULL,
      "aggregate" text NOT NULL,
      "version" bigint NOT NULL,
      CONSTRAINT "aggregate_positions_pkey" PRIMARY KEY ("consumer", "aggregate"))`,
    // Versions whose handler failed and is being retried: nothing overtakes them.
    `CREATE TABLE "${schema}"."aggregate_failures" (
      "consumer" text NOT NULL,
      "aggregate" text NOT NULL,
      "version" bigint NOT NULL,
      CONSTRAINT "aggregate_failures_pkey" PRIMARY KEY ("consumer", "aggregate", "version"))`,
  ];
}

/**
 * Everything a new service schema needs for events, in one list for its first migration: the
 * event tables and their housekeeping indexes, per-aggregate ordering, the schema's
 * `timestamp_id` functions, and the outbox's id default.
 */
export function serviceEventSchemaSql(schema: string): string[] {
  return [
    ...outboxTablesSql(schema),
    ...eventHousekeepingIndexesSql(schema),
    ...eventOrderingSql(schema),
    ...timestampIdFunctionsSql(schema),
    ...timestampIdColumnSql(schema, 'outbox'),
  ];
}
