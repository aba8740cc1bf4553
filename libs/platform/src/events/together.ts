/**
 * Work put off to this turn of the event loop's check phase, all of it run there together. The
 * NATS client writes what it was given to its socket once per microtask checkpoint, so messages
 * sent from separate I/O callbacks (one HTTP request each, one query result each) cost a write
 * system call each; sent together they cost one. Under load many callbacks share a turn, and
 * the write calls were a fifth of the inbox's CPU; when idle the delay is one turn.
 */
const queued: (() => void)[] = [];

function runQueued(): void {
  for (const work of queued.splice(0)) work();
}

/** Runs `work` with the rest put off in this turn (for messages whose answer nobody awaits: acks). */
export function together(work: () => void): void {
  queued.push(work);
  if (queued.length === 1) setImmediate(runQueued);
}

/** `together` for a request whose answer is awaited (a JetStream publish and its ack). */
export function togetherAwaited<T>(work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    together(() => {
      work().then(resolve, reject);
    }),
  );
}
