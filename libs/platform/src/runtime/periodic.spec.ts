import { initLogging } from '../logging/logger';
import { every } from './periodic';

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

describe('every', () => {
  beforeAll(() => initLogging('silent'));
  // The clock is driven: what runs, and what no longer runs after stop(), does not depend on how
  // busy the machine is.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('never overlaps runs, survives a failing run, and stop() waits for the run in progress', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    let finished = 0;
    const task = every('test', 10, async () => {
      runs += 1;
      active += 1;
      most = Math.max(most, active);
      await sleep(35);
      active -= 1;
      finished += 1;
      if (runs === 1) throw new Error('first run fails');
    });
    await jest.advanceTimersByTimeAsync(130);
    // A run is in progress (each lasts 35 ms, 10 ms apart, none overlapping): stop() waits for it.
    expect(active).toBe(1);
    const stopping = task.stop();
    await jest.advanceTimersByTimeAsync(35);
    await stopping;
    const stoppedAt = runs;
    expect(most).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(finished).toBe(runs);
    // Nothing left to fire, however long the clock runs on.
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(runs).toBe(stoppedAt);
  });
});
