import 'reflect-metadata';
import { type Config, createRuntime, type Logger, openHealthListener } from '@mammut/platform';
import { createGatewayApp } from './http/create-gateway';
import { GatewayModule } from './gateway.module';

/**
 * Starts the gateway alone; with HEALTH_PORT, also the health listener that serves `/metrics` (and
 * the probes, which the gateway answers on its own port too). `close` drains that listener and
 * HTTP first, then the runtime (NATS, Redis).
 */
export async function serveGateway(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  const runtime = await createRuntime(config, 'gateway');
  const app = await createGatewayApp(runtime, { modules: [], gatewayModule: GatewayModule });
  await app.listen(config.port, config.host);
  const health = await openHealthListener(app, runtime.metrics, config);
  log.info({ port: config.port, healthPort: config.healthPort || undefined }, 'gateway listening');
  return {
    async close() {
      await health.close();
      await app.close();
      await runtime.close();
    },
  };
}
