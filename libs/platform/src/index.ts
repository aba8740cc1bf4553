export * from './config/config';
export * from './logging/logger';
export * from './ids/snowflake';
export * from './bus/bus';
export * from './bus/bus-server';
export * from './bus/bus-controller';
export * from './bus/local-handlers';
export * from './bus/outage';
export * from './telemetry/telemetry';
export * from './telemetry/http-route';
export { tracingActive } from './telemetry/tracing-state';
export * from './database/naming-strategy';
export * from './database/data-source';
export * from './database/service-database';
export * from './database/prepared';
export * from './database/prepared-statements';
export * from './database/pagination';
export * from './database/outbox-schema';
export * from './database/timestamp-id';
export * from './infra/local-infra';
export * from './runtime/runtime';
export * from './runtime/periodic';
export * from './runtime/serve-alone';
export * from './cache/tagged-cache';
export * from './cache/change-listener';
export * from './cache/schema-change-listener';
export * from './cache/read-through';
export * from './runtime/platform.module';
export * from './text/sanitize';
export * from './text/render';
export * from './text/storable';
export {
  streamLayout,
  type StreamLayout,
  type StreamKind,
  ensureStreams,
  MammutHeaders,
  eventEnvelope,
  type EventEnvelope,
  DUPLICATE_WINDOW_MS,
  EVENTS_MAX_AGE_MS,
} from './events/streams';
export {
  Outbox,
  OutboxError,
  outboxChannel,
  type OutboxOptions,
  type OutboxAddOptions,
  type SqlExecutor,
} from './events/outbox';
export { OutboxRelay, type OutboxRelayOptions, type RelayStats } from './events/outbox-relay';
export { pruneEventTables, type PruneOptions, type Pruned } from './events/prune';
export * from './events/event-consumers';
export * from './events/event-subscriber';
export * from './events/jobs';
export * from './events/dead-letters';
export * from './events/settle';
export * from './health/health';
export * from './metrics/metrics';
export * from './http/address-policy';
export * from './http/outbound-error';
export * from './http/guarded-http';
export * from './version';
export * from './storage';
