import { chmodSync, mkdirSync, mkdtempSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cloneCommit, headCommit } from './support/checkout';
import {
  expectAllStopped,
  pressCtrlCTwice,
  recordedServers,
  runningPids,
  stopwatch,
} from './support/local-servers';
import { pollUntil } from './support/poll';
import { groupMembers, Job, killAndRemove, signal, workingUnder } from './support/processes';
import { freePort } from './support/system';

jest.setTimeout(180_000);

/**
 * A checkout anywhere, as root: `npm start` from a fresh clone in a directory nobody else may
 * enter (root's mode-700 home is the usual place on a fresh server), where PostgreSQL's own user
 * cannot reach a data directory inside the clone. A terminal's Ctrl-C stops everything it started;
 * a start after kill -9 carries on with the servers left behind and their data; the CLI finds the
 * servers of a running start and starts its own when none runs. (checkout-anywhere-user covers a
 * normal user.)
 */

const isRoot = process.getuid?.() === 0;
const commit = headCommit();
const skip = !isRoot ? 'the test does not run as root' : !commit ? 'this is not a git checkout' : '';
if (skip) process.stdout.write(`checkout-anywhere: skipped: ${skip}\n`);
const timed = stopwatch('checkout-anywhere');

(skip ? describe.skip : describe)('npm start from a fresh clone in a mode-700 directory, as root', () => {
  const jobs: Job[] = [];
  let home = '';
  let clone = '';
  let outside = '';
  let origin = '';
  let env: Record<string, string> = {};
  const dataDir = (): string => join(clone, '.data/local');

  const npmStart = (): Promise<Job> =>
    timed('npm start', async () => {
      const job = Job.start('npm', ['start'], { cwd: clone, env });
      jobs.push(job);
      await job.waitForOutput(/Stop with Ctrl-C/, 120_000);
      expect((await fetch(`${origin}/health`)).status).toBe(200);
      return job;
    });
  const cli = async (...args: string[]): Promise<Job> => {
    const job = Job.start(process.execPath, ['dist/apps/cli/src/main.js', ...args], { cwd: clone, env });
    jobs.push(job);
    await job.exited;
    if (job.child.exitCode !== 0) throw new Error(`mammut ${args.join(' ')} failed:\n${job.output}`);
    return job;
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mammut-anywhere-'));
    chmodSync(home, 0o700);
    clone = join(home, 'mammut');
    await timed('clone', () => Promise.resolve(cloneCommit(commit as string, clone)));
    const [http, postgres, redis, nats] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    // Ports of their own, away from the test run's servers: a start tries the remembered ones first.
    mkdirSync(dataDir(), { recursive: true });
    writeFileSync(join(dataDir(), 'ports.json'), JSON.stringify({ postgres, redis, nats }));
    origin = `http://127.0.0.1:${http}`;
    env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      PORT: String(http),
      HOST: '127.0.0.1',
      LOCAL_DOMAIN: `127.0.0.1:${http}`,
      LOG_LEVEL: 'warn',
      PASSWORD_HASH_MEMORY_KIB: '4096',
      // A fresh HOME would have npm ask the registry whether it is up to date.
      npm_config_update_notifier: 'false',
    };
  });

  afterAll(() => {
    for (const job of jobs) if (job.running) signal(-job.pgid, 'SIGKILL');
    killAndRemove([home, outside]);
  });

  it('serves, with PostgreSQL data where its user can reach it, and Ctrl-C stops everything', async () => {
    const job = await npmStart();
    outside = dirname(readlinkSync(join(dataDir(), 'postgres')));
    expect(outside).toMatch(/^\/var\/lib\/mammut\//);
    expect(job.output).toContain(`PostgreSQL's in ${outside}/postgres`);
    const servers = recordedServers(dataDir());
    expect(servers).toHaveLength(3);

    await pressCtrlCTwice(job);
    await timed('Ctrl-C', () => expectAllStopped(job, servers));
    expect(job.output).toMatch(/stopping NATS …\nstopping Redis …\nstopping PostgreSQL …\nstopped/);
  });

  it('after kill -9 of npm start, the next start serves with the servers and data left behind', async () => {
    const first = await npmStart();
    const servers = recordedServers(dataDir());
    // The CLI finds the servers of the running npm start, and leaves them running.
    await cli('accounts', 'create', 'alice', '--email', 'alice@example.com', '--confirmed');
    expect(runningPids(servers)).toHaveLength(3);
    expect((await fetch(`${origin}/health`)).status).toBe(200);

    signal(-first.pgid, 'SIGKILL');
    await first.exited;
    const group = await pollUntil(
      () => Promise.resolve(groupMembers(first.pgid)),
      (g) => !g.length,
      10_000,
    );
    expect(group).toEqual([]);
    expect(runningPids(servers)).toHaveLength(3);

    const second = await npmStart();
    expect(second.output).toContain(`PostgreSQL: using the server (pid ${servers[0].pid})`);
    const alice = await fetch(`${origin}/api/v1/accounts/lookup?acct=alice`);
    expect(alice.status).toBe(200);
    expect(((await alice.json()) as { username: string }).username).toBe('alice');

    // SIGTERM to npm alone, as a service manager sends it, stops everything as well.
    signal(second.pgid, 'SIGTERM');
    await expectAllStopped(second, servers);
  });

  it('the CLI starts servers of its own when none run, and stops them', async () => {
    const job = await timed('CLI with its own servers', () => cli('accounts', 'list'));
    expect(job.output).toMatch(/^alice +alice@example\.com +user/m);
    expect(recordedServers(dataDir())).toEqual([]);
    expect(workingUnder([dataDir(), outside])).toEqual([]);
  });
});
