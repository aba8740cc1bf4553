import 'reflect-metadata';
import { type Config, createRuntime, type Logger } from '@mammut/platform';
import { createGatewayApp } from './http/create-gateway';
import { GatewayModule } from './gateway.module';

/** Starts the gateway alone; `close` drains HTTP first, then the runtime (NATS, Redis). */
export async function serveGateway(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  const runtime = await createRuntime(config, 'gateway');
  const app = await createGatewayApp(runtime, { modules: [], gatewayModule: GatewayModule });
  await app.listen(config.port, config.host);
  log.info({ port: config.port }, 'gateway listening');
  return {
    async close() {
      await app.close();
      await runtime.close();
    },
  };
}
