import 'reflect-metadata';
import { contracts } from '@mammut/contracts';
import { type Bus, type Config, createRuntime, PlatformModule } from '@mammut/platform';
import { type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FederationModule } from '../federation.module';

/** The federation service hosted by an operator command, and the bus that reaches it. */
export interface HostedFederation {
  readonly bus: Bus;
  close(): Promise<void>;
}

/**
 * Hosts the federation service in this process for an operator command (`npm run mammut --
 * domains …`), as hostAccounts does for accounts: the command's bus requests are answered in
 * process by the same handlers a running server has, and it serves nobody else (no NATS
 * subscription, no consumers, no delivery worker). A running server reads the change within the
 * half minute its replicas trust their copy of the domain blocks.
 */
export async function hostFederation(config: Config): Promise<HostedFederation> {
  const runtime = await createRuntime({ ...config, busInProcess: true, consumeEvents: false }, 'cli');
  @Module({ imports: [PlatformModule.forRuntime(runtime), FederationModule] })
  class Root {}
  let app: INestMicroservice | undefined;
  try {
    app = await NestFactory.createMicroservice(Root, {
      strategy: runtime.busServer([contracts.federation], { subscribe: false }),
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
