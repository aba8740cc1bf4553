import { type Config, loadConfig } from '../config/config';
import { initLogging, type Logger } from '../logging/logger';
import { startTelemetry } from './telemetry';

/** What an entry point's `serve` hands back: something running that closes cleanly. */
export interface Running {
  close(): Promise<void>;
}

/**
 * The life of a process: config and logging, telemetry before anything it instruments is loaded,
 * then `serve` (which should `import()` the application, so http, pg and ioredis load only now),
 * and on SIGTERM/SIGINT a drain of what it started and a flush of the spans. A failure to start
 * is one line on stderr and exit code 1.
 */
export function runEntryPoint(name: string, serve: (config: Config, log: Logger) => Promise<Running>): void {
  const main = async (): Promise<void> => {
    const config = loadConfig();
    const log = initLogging(config.logLevel).child({ name });
    const telemetry = await startTelemetry(config, name);
    const running = await serve(config, log).catch(async (error: unknown) => {
      await telemetry.shutdown();
      throw error;
    });
    let stopping = false;
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      await running.close().catch((err: unknown) => log.error({ err }, 'shutdown failed'));
      await telemetry.shutdown();
    };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
  };
  void main().catch((error: unknown) => {
    process.stderr.write(`mammut ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
