import { initLogging, loadConfig, startTelemetry } from '@mammut/platform/telemetry';

/** The gateway alone (one Kubernetes Deployment): public HTTP, every service reached over NATS. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = initLogging(config.logLevel).child({ name: 'gateway' });
  const telemetry = await startTelemetry(config, 'gateway');
  // Imported only now: the instrumentations patch http, pg and ioredis when those are required.
  const { serveGateway } = await import('./serve');
  const gateway = await serveGateway(config, log).catch(async (error: unknown) => {
    await telemetry.shutdown();
    throw error;
  });
  const stop = async (): Promise<void> => {
    await gateway.close();
    await telemetry.shutdown();
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
