import 'reflect-metadata';
import { contracts } from '@mammut/contracts';
import { type Bus, type Config, createRuntime, PlatformModule } from '@mammut/platform';
import { type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AccountsModule } from '../accounts.module';

/** The accounts service hosted by an operator command, and the bus that reaches it. */
export interface HostedAccounts {
  readonly bus: Bus;
  close(): Promise<void>;
}

/**
 * Hosts the accounts service in this process for an operator command (`npm run mammut`): the
 * command sends the same bus requests an admin API would, answered in process by the same use
 * cases, which write the same events (the service's relay publishes them). It serves nobody else:
 * no NATS subscription, so a running server's requests never reach it.
 */
export async function hostAccounts(config: Config): Promise<HostedAccounts> {
  const runtime = await createRuntime({ ...config, busInProcess: true, consumeEvents: false }, 'cli');
  @Module({ imports: [PlatformModule.forRuntime(runtime), AccountsModule] })
  class Root {}
  let app: INestMicroservice | undefined;
  try {
    app = await NestFactory.createMicroservice(Root, {
      strategy: runtime.busServer([contracts.accounts], { subscribe: false }),
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
