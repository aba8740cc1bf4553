import { initLogging, loadConfig, startTelemetry } from '@mammut/platform/telemetry';

/** `npm start`: every service and the gateway in this one process, on local servers when none are configured. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = initLogging(config.logLevel).child({ name: 'all-in-one' });
  const telemetry = await startTelemetry(config, 'all-in-one');
  // Imported only now: the instrumentations patch http, pg and ioredis when those are required.
  const { serveAllInOne } = await import('./serve');
  const mammut = await serveAllInOne(config, log).catch(async (error: unknown) => {
    await telemetry.shutdown();
    throw error;
  });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await mammut.close();
    await telemetry.shutdown();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

void main().catch((error: unknown) => {
  process.stderr.write(`mammut: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
