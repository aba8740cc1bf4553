/**
 * `@mammut/platform/telemetry`: the only part of the platform an entry point may import before
 * `startTelemetry` ran. It loads configuration and logging (zod, pino), none of the modules the
 * instrumentations patch (http, pg, ioredis), which the main `@mammut/platform` entry loads.
 */
export { loadConfig, ConfigError, type Config } from '../config/config';
export { initLogging, logger, type Logger } from '../logging/logger';
export { startTelemetry, type Telemetry, type TelemetryOptions } from './telemetry';
export { runEntryPoint, type Running } from './entry-point';
