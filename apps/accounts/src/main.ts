import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import {
  createRuntime,
  HealthChecks,
  initLogging,
  loadConfig,
  PlatformModule,
  serveHealth,
} from '@mammut/platform';
import { Module } from '@nestjs/common';
import { AccountsModule } from './accounts.module';

/** The accounts service alone (one Kubernetes Deployment): answers on NATS, no public HTTP. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = initLogging(config.logLevel).child({ name: 'accounts' });
  const runtime = await createRuntime(config, 'accounts');
  @Module({ imports: [PlatformModule.forRuntime(runtime), AccountsModule] })
  class Root {}
  const app = await NestFactory.createApplicationContext(Root, { logger: false });
  await app.init();
  // No gateway in front of a service started alone: Kubernetes probes this listener instead.
  const health = config.healthPort
    ? await serveHealth(app.get(HealthChecks), config.healthPort, config.host)
    : undefined;
  log.info({ healthPort: config.healthPort || undefined }, 'accounts service ready');
  const stop = async (): Promise<void> => {
    if (health) await new Promise<void>((done) => health.close(() => done()));
    await app.close();
    await runtime.close();
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
