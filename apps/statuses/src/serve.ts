import 'reflect-metadata';
import { contracts } from '@mammut/contracts';
import { NestFactory } from '@nestjs/core';
import {
  type Config,
  createRuntime,
  HealthChecks,
  type Logger,
  PlatformModule,
  serveHealth,
} from '@mammut/platform';
import { Module } from '@nestjs/common';
import { StatusesModule } from './statuses.module';

/** Starts the statuses service alone; `close` drains the health listener, Nest, then the runtime. */
export async function serveStatuses(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  const runtime = await createRuntime(config, 'statuses');
  @Module({ imports: [PlatformModule.forRuntime(runtime), StatusesModule] })
  class Root {}
  const app = await NestFactory.createMicroservice(Root, {
    strategy: runtime.busServer([contracts.statuses]),
    logger: false,
  });
  await app.listen();
  // No gateway in front of a service started alone: Kubernetes probes this listener instead.
  const health = config.healthPort
    ? await serveHealth(app.get(HealthChecks), config.healthPort, config.host)
    : undefined;
  log.info({ healthPort: config.healthPort || undefined }, 'statuses service ready');
  return {
    async close() {
      if (health) await new Promise<void>((done) => health.close(() => done()));
      await app.close();
      await runtime.close();
    },
  };
}
