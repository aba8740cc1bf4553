import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reachable } from '../../libs/platform/src/infra/local-infra';
import { pollUntil } from './poll';
import { groupMembers, isAlive, type Job, signal } from './processes';

/**
 * Checks on the local servers a start brings up (libs/platform/src/infra), from outside: what
 * servers.json records, and that nothing is left running once a start is stopped. The infra module
 * is imported alone, not through @mammut/platform, to keep these test files quick to load.
 */

export interface RecordedServer {
  readonly pid: number;
  readonly port: number;
}

/** The servers a data directory's servers.json records: PostgreSQL, Redis, NATS. */
export function recordedServers(dataDir: string): RecordedServer[] {
  const { servers } = JSON.parse(readFileSync(join(dataDir, 'servers.json'), 'utf8')) as {
    servers: Partial<Record<'postgres' | 'redis' | 'nats', RecordedServer>>;
  };
  return [servers.postgres, servers.redis, servers.nats].filter((s): s is RecordedServer => s !== undefined);
}

export const runningPids = (servers: readonly RecordedServer[]): number[] =>
  servers.map((server) => server.pid).filter(isAlive);

/** Waits until the job's process group and the servers are gone, then checks their ports are closed. */
export async function expectAllStopped(job: Job, servers: readonly RecordedServer[]): Promise<void> {
  const left = await pollUntil(
    () => Promise.resolve({ job: groupMembers(job.pgid), servers: runningPids(servers) }),
    (now) => now.job.length === 0 && now.servers.length === 0,
    45_000,
    100,
  );
  expect(left).toEqual({ job: [], servers: [] });
  await job.exited;
  for (const { port } of servers) expect(await reachable(`tcp://127.0.0.1:${port}`)).toBe(false);
}

/** Ctrl-C as a terminal sends it, to the whole foreground process group; then again while it stops. */
export async function pressCtrlCTwice(job: Job): Promise<void> {
  signal(-job.pgid, 'SIGINT');
  await job.waitForOutput(/stopping/, 10_000);
  signal(-job.pgid, 'SIGINT');
}

/** Durations of the slow steps, printed once the file is done (the suite should stay well under a minute). */
export function stopwatch(file: string): <T>(what: string, work: () => Promise<T>) => Promise<T> {
  const timings: string[] = [];
  afterAll(() => void process.stdout.write(`${file} timings: ${timings.join(', ')}\n`));
  return async (what, work) => {
    const started = Date.now();
    const result = await work();
    timings.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  };
}
