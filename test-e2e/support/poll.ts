/**
 * Calls `probe` until `done` holds for its answer or `timeoutMs` pass (then once more), pausing
 * `intervalMs` between calls; answers the last value, for the caller to assert on.
 */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resume) => setTimeout(resume, intervalMs));
  }
}

/** What a change listener (ChangeListener) offers a test: dropped, then heard again. */
interface Listening {
  checkNow(timeoutMs?: number): Promise<boolean>;
}

/**
 * Stops `listener` from hearing anything on its open connection (as a NAT dropping it would),
 * waits until its heartbeat says so (its caches off), then until it listens on a new connection.
 */
export async function deafenThenRecover(
  listener: Listening,
  whileDeaf: () => Promise<void>,
): Promise<boolean> {
  (listener as unknown as { client: { removeAllListeners(event: string): void } }).client.removeAllListeners(
    'notification',
  );
  if (await listener.checkNow(300)) return false;
  await whileDeaf();
  return pollUntil(
    () => listener.checkNow(),
    (heard) => heard,
    10_000,
    200,
  );
}
