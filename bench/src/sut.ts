import { initLogging, loadConfig } from '@mammut/platform';
import { startSystem } from '../../apps/all-in-one/src/system';

/** The system under test: the all-in-one process, configured by the environment the runner gives it. */
async function main(): Promise<void> {
  const config = loadConfig();
  initLogging(config.logLevel);
  const system = await startSystem(config);
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => void system.close().then(() => process.exit(0)));
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
