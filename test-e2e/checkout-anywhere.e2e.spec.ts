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
  let origin = '';
  let env: Record<string, string> = {};
  const dataDir = (): string => join(clone, '.data/local');
  /** Where the first start put PostgreSQL's data, out of the mode-700 home ('' before any start). */
  const outside = (): string => {
    try {
      return dirname(readlinkSync(join(dataDir(), 'postgres')));
    } catch {
      return '';
    }
  };

  const npmStart = (): Promise<Job> =>
    timed('npm start', async () => {
      const job = Job.start('npm', ['start'], { cwd: clone, env });
      jobs.push(job);
      await job.waitForOutput(/Stop with Ctrl-C/, 120_000);
      expect((await fetch(`${origin}/health`)).status).toBe(200);
      return job;
    });
  const finished = async (job: Job, args: string[]): Promise<Job> => {
    jobs.push(job);
    await job.exited;
    if (job.child.exitCode !== 0) throw new Error(`mammut ${args.join(' ')} failed:\n${job.output}`);
    return job;
  };
  /** The built CLI, as a start leaves it in dist/. */
  const cli = (...args: string[]): Promise<Job> =>
    finished(Job.start(process.execPath, ['dist/apps/cli/src/main.js', ...args], { cwd: clone, env }), args);
  /** `npm run mammut`, which builds the clone first. */
  const npmMammut = (...args: string[]): Promise<Job> =>
    finished(Job.start('npm', ['run', '--silent', 'mammut', '--', ...args], { cwd: clone, env }), args);

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
    killAndRemove([home, outside()]);
  });

  it('serves, with PostgreSQL data where its user can reach it, and Ctrl-C stops everything', async () => {
    const job = await npmStart();
    expect(outside()).toMatch(/^\/var\/lib\/mammut\//);
    expect(job.output).toContain(`PostgreSQL's in ${outside()}/postgres`);
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
    // No start is running (each test stops the ones it made). An operator's first commands, each
    // on servers of its own that it stops again: build and migrate, create a user, list it.
    await timed('CLI with its own servers', () => npmMammut('db', 'migrate'));
    await timed('CLI with its own servers', () =>
      cli('accounts', 'create', 'carol', '--email', 'carol@example.com', '--confirmed'),
    );
    expect(recordedServers(dataDir())).toEqual([]);
    const job = await timed('CLI with its own servers', () => cli('accounts', 'list'));
    expect(job.output).toMatch(/^carol +carol@example\.com +user/m);
    const dead = await timed('CLI with its own servers', () => cli('jobs', 'dead', 'list'));
    expect(dead.output).toMatch(/^no dead letters$/m);
    expect(recordedServers(dataDir())).toEqual([]);
    expect(workingUnder([dataDir(), outside()].filter(Boolean))).toEqual([]);
  });
});
