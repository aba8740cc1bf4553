import { initLogging, loadConfig, startTelemetry } from '@mammut/platform/telemetry';

/** The accounts service alone (one Kubernetes Deployment): answers on NATS, no public HTTP. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = initLogging(config.logLevel).child({ name: 'accounts' });
  const telemetry = await startTelemetry(config, 'accounts');
  // Imported only now: the instrumentations patch http, pg and ioredis when those are required.
  const { serveAccounts } = await import('./serve');
  const accounts = await serveAccounts(config, log).catch(async (error: unknown) => {
    await telemetry.shutdown();
    throw error;
  });
  const stop = async (): Promise<void> => {
    await accounts.close();
    await telemetry.shutdown();
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
