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
 * and on SIGTERM/SIGINT, however many, one drain of what it started and a flush of the spans (a
 * signal during start-up drains once the start is done). A failure to start is one line on stderr
 * and exit code 1.
 */
export function runEntryPoint(name: string, serve: (config: Config, log: Logger) => Promise<Running>): void {
  let stopRequested = false;
  let onSignal = (): void => {
    if (!stopRequested) process.stderr.write(`mammut ${name}: stopping once the start completes …\n`);
    stopRequested = true;
  };
  // Listening from the first moment, and with `on`, never `once`: a signal with no listener kills
  // Node at once, orphaning the servers a start has already brought up. Repeats are the rule: a
  // terminal's Ctrl-C reaches this process both directly and through the launcher (npm start
  // forwards what it gets), and an impatient second Ctrl-C must not cut the drain short.
  const handler = (): void => onSignal();
  const signals = ['SIGTERM', 'SIGINT'] as const;
  for (const signal of signals) process.on(signal, handler);
  // Nothing left to drain (the start failed, or the drain is done): a signal stops the process as
  // usual again, even if some handle keeps its event loop alive.
  const restoreSignals = (): void => {
    for (const signal of signals) process.off(signal, handler);
  };

  const main = async (): Promise<void> => {
    const config = loadConfig();
    const log = initLogging(config.logLevel).child({ name });
    const telemetry = await startTelemetry(config, name);
    const running = await serve(config, log).catch(async (error: unknown) => {
      await telemetry.shutdown();
      throw error;
    });
    let stopping: Promise<void> | undefined;
    onSignal = () => {
      stopping ??= running
        .close()
        .catch((err: unknown) => log.error({ err }, 'shutdown failed'))
        .then(() => telemetry.shutdown())
        .finally(restoreSignals);
    };
    if (stopRequested) onSignal();
  };
  void main().catch((error: unknown) => {
    restoreSignals();
    process.stderr.write(`mammut ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
