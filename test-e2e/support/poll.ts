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
