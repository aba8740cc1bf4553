import { logger } from '../logging/logger';

/** A task run on an interval by one process: never two runs at once, stopped with a drain. */
export interface Periodic {
  /** Waits for a run in progress and schedules no more. */
  stop(): Promise<void>;
}

/**
 * Runs `work` every `intervalMs` (first after one interval), skipping a tick while the previous run
 * is still going. A failed run is logged and the next tick tries again. Replicas each run their
 * own: `work` must be safe to run concurrently across processes (SKIP LOCKED, idempotent writes).
 */
export function every(name: string, intervalMs: number, work: () => Promise<unknown>): Periodic {
  const log = logger(`platform:periodic:${name}`);
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = work()
      .then(
        () => undefined,
        (err: unknown) => log.warn({ err }, 'periodic task failed'),
      )
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  // Nothing else to do is no reason to keep a process alive.
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
