import 'reflect-metadata';
import { createRuntime, initLogging, loadConfig } from '@mammut/platform';
import { createGatewayApp } from './http/create-gateway';
import { GatewayModule } from './gateway.module';

/** The gateway alone (one Kubernetes Deployment): public HTTP, every service reached over NATS. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = initLogging(config.logLevel).child({ name: 'gateway' });
  const runtime = await createRuntime(config, 'gateway');
  const app = await createGatewayApp(runtime, { modules: [], gatewayModule: GatewayModule });
  await app.listen(config.port, config.host);
  log.info({ port: config.port }, 'gateway listening');
  const stop = async (): Promise<void> => {
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
