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
import { TimelinesModule } from './timelines.module';

/** Starts the timelines service alone; `close` drains the health listener, Nest, then the runtime. */
export async function serveTimelines(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  const runtime = await createRuntime(config, 'timelines');
  @Module({ imports: [PlatformModule.forRuntime(runtime), TimelinesModule] })
  class Root {}
  const app = await NestFactory.createMicroservice(Root, {
    strategy: runtime.busServer([contracts.timelines]),
    logger: false,
  });
  await app.listen();
  // No gateway in front of a service started alone: Kubernetes probes this listener instead.
  const health = config.healthPort
    ? await serveHealth(app.get(HealthChecks), config.healthPort, config.host)
    : undefined;
  log.info({ healthPort: config.healthPort || undefined }, 'timelines service ready');
  return {
    async close() {
      if (health) await new Promise<void>((done) => health.close(() => done()));
      await app.close();
      await runtime.close();
    },
  };
}
