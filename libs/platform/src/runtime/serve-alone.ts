import 'reflect-metadata';
import type { Namespace } from '@mammut/contracts';
import { type INestMicroservice, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Bus } from '../bus/bus';
import type { Config } from '../config/config';
import { openHealthListener } from '../health/health';
import type { Logger } from '../logging/logger';
import { PlatformModule } from './platform.module';
import { createRuntime } from './runtime';

/** A service as its own process runs it: its Nest module and the requests it answers. */
export interface ServiceSpec {
  readonly name: string;
  readonly module: Type;
  readonly contracts: Namespace;
}

/**
 * Starts one service alone (one Kubernetes Deployment): a Nest microservice on the bus, no public
 * HTTP, and its health on HEALTH_PORT for the probes. `close` drains the health listener, Nest
 * (the bus, then the module's own shutdown), then the runtime.
 */
export async function serveAlone(
  config: Config,
  log: Logger,
  service: ServiceSpec,
): Promise<{ close(): Promise<void> }> {
  const runtime = await createRuntime(config, service.name);
  @Module({ imports: [PlatformModule.forRuntime(runtime), service.module] })
  class Root {}
  const app = await NestFactory.createMicroservice(Root, {
    strategy: runtime.busServer([service.contracts]),
    logger: false,
  });
  await app.listen();
  // No gateway in front of a service started alone: Kubernetes probes this listener instead.
  const health = await openHealthListener(app, runtime.metrics, config);
  log.info({ healthPort: config.healthPort || undefined }, `${service.name} service ready`);
  return {
    async close() {
      await health.close();
      await app.close();
      await runtime.close();
    },
  };
}

/** A service hosted by an operator command, and the bus that reaches it. */
export interface HostedService {
  readonly bus: Bus;
  close(): Promise<void>;
}

/**
 * Hosts one service in this process for an operator command (`npm run mammut`): the command's bus
 * requests are answered in process by the same handlers a running server has, whose events the
 * service's own relay publishes. It serves nobody else: no NATS subscription (a running server's
 * requests never reach it), no event consumers, no job workers.
 */
export async function hostForCommand(
  config: Config,
  service: Omit<ServiceSpec, 'name'>,
): Promise<HostedService> {
  // No health listener either, so no metrics to keep.
  const runtime = await createRuntime(
    { ...config, busInProcess: true, consumeEvents: false, healthPort: 0 },
    'cli',
  );
  @Module({ imports: [PlatformModule.forRuntime(runtime), service.module] })
  class Root {}
  let app: INestMicroservice | undefined;
  try {
    app = await NestFactory.createMicroservice(Root, {
      strategy: runtime.busServer([service.contracts], { subscribe: false }),
      logger: false,
    });
    await app.listen();
  } catch (error) {
    await app?.close().catch(() => undefined);
    await runtime.close();
    throw error;
  }
  const running = app;
  return {
    bus: runtime.bus,
    async close() {
      await running.close();
      await runtime.close();
    },
  };
}
