import { initLogging } from '../logging/logger';
import { every } from './periodic';

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

describe('every', () => {
  beforeAll(() => initLogging('silent'));

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
    await sleep(130);
    await task.stop();
    const stoppedAt = runs;
    expect(most).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(finished).toBe(runs);
    await sleep(50);
    expect(runs).toBe(stoppedAt);
  });
});
