import autocannon from 'autocannon';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureInfra, loadConfig } from '@mammut/platform';
import { cloneTemplateDatabase, recreateTemplate } from '@mammut/testing';
import { migrateAll } from '../../apps/all-in-one/src/system';
import { type RelationshipFixture, seedRelationships } from './seed-relationships';
import { seedViewer } from './seed-viewer';

/**
 * Load against the all-in-one process, each figure printed as a ratio to a bare Fastify route
 * measured in the same run. The system, its PostgreSQL, Redis and NATS, and the bare server run on
 * CPU 0, the load generator on CPU 1 (when taskset exists), as one machine serving and another
 * asking; the CPU seconds each process used are printed with every figure. Performance is reported, never gated: the exit code
 * is non-zero only when an answer was wrong (non-2xx, wrong shape).
 *
 * BENCH_SECONDS (default 10) per measurement, BENCH_RUNS (default 1) repetitions of which the
 * median is reported, BENCH_PROFILE=1 writes a V8 CPU profile of the system to .data/bench/prof,
 * BENCH_ONLY=verify|relationships skips the other scenario, BENCH_NODE_ARGS passes flags to the
 * system's node (`--max-semi-space-size=32`, say).
 */
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));
const PROFILE = process.env.BENCH_PROFILE === '1';
/** `verify` or `relationships` measures that scenario alone (for profiling); the default is both. */
const ONLY = process.env.BENCH_ONLY ?? '';
const CONNECTIONS = 50;

const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function pin(cpu: number, pid: number | undefined): void {
  if (hasTaskset && pid)
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** `pid` and every process it started, and theirs (PostgreSQL's backends and workers). */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree: number[] = [];
  const visit = (p: number): void => {
    tree.push(p);
    for (const child of children.get(p) ?? []) visit(child);
  };
  visit(pid);
  return tree;
}

/**
 * The servers share the system's core, as on a one-machine install: PostgreSQL (with the
 * backends it has forked; later ones inherit the postmaster's core), Redis and NATS.
 */
function pinServers(cpu: number, pids: Partial<Record<string, number>>): void {
  for (const pid of Object.values(pids)) {
    for (const member of processTree(pid ?? 0)) {
      try {
        pin(cpu, member);
      } catch {
        // A backend that ended meanwhile.
      }
    }
  }
}

function startChild(
  script: string,
  args: string[],
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  pin(0, child.pid);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Figure {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** CPU seconds spent per process name while measuring: where the system's core went. */
  cpu: Record<string, number>;
}

/** Processes the bench started, named in the CPU figures (other node processes are just "node"). */
const roles = new Map<string, string>([[String(process.pid), 'load generator']]);

/** CPU seconds (user + system) used so far by every process, summed by role or command name. */
function cpuByCommand(): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command name.
      const ticks = Number(fields[11]) + Number(fields[12]);
      const key = roles.get(pid) ?? name.replace(/^(postgres|node).*/, '$1');
      totals[key] = (totals[key] ?? 0) + ticks / 100;
    } catch {
      // The process ended while we looked.
    }
  }
  return totals;
}

function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([name, seconds]) => [name, seconds - (before[name] ?? 0)] as const)
      .filter(([, seconds]) => seconds >= 0.05),
  );
}

async function loadOnce(url: string, headers: Record<string, string>): Promise<Figure> {
  const before = cpuByCommand();
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors,
    cpu: cpuDelta(before, cpuByCommand()),
  };
}

/** Warm-up, then RUNS measurements; the median by requests per second. */
async function load(url: string, headers: Record<string, string> = {}): Promise<Figure> {
  await autocannon({ url, connections: CONNECTIONS, duration: 2, headers });
  const runs: Figure[] = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await loadOnce(url, headers));
  runs.sort((a, b) => a.rps - b.rps);
  const median = runs[Math.floor(runs.length / 2)];
  return { ...median, non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0) };
}

interface RoundTrips {
  sql: number;
  bus: Record<string, number>;
}

/** The system's own counters of SQL statements and bus requests (see sut.ts). */
async function roundTrips(probeUrl: string): Promise<RoundTrips> {
  return (await (await fetch(probeUrl)).json()) as RoundTrips;
}

/** SQL statements and bus requests per request, one request at a time, after a warm-up. */
async function perRequest(
  probeUrl: string,
  url: string,
  headers: Record<string, string>,
): Promise<RoundTrips> {
  const n = 100;
  // Requests the load generator left in flight finish first, so they are not counted here.
  await sleep(1000);
  const before = await roundTrips(probeUrl);
  for (let i = 0; i < n; i += 1) {
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
  }
  const after = await roundTrips(probeUrl);
  return {
    sql: (after.sql - before.sql) / n,
    bus: Object.fromEntries(
      Object.entries(after.bus).map(([service, count]) => [
        service,
        (count - (before.bus[service] ?? 0)) / n,
      ]),
    ),
  };
}

interface Scenario {
  key: string;
  name: string;
  url: string;
  target: string;
  met: (ratio: number, figure: Figure, trips: RoundTrips, bare: Figure) => boolean;
}

interface MRelationship {
  id: string;
  following: boolean;
  followed_by: boolean;
  blocking: boolean;
  blocked_by: boolean;
  muting: boolean;
  requested: boolean;
}

/** A void run is worse than none: check the answer's shape before measuring it. */
async function checkRelationships(
  url: string,
  headers: Record<string, string>,
  fixture: RelationshipFixture,
): Promise<string | null> {
  const response = await fetch(url, { headers });
  if (response.status !== 200) return `status ${response.status}`;
  const body = (await response.json()) as MRelationship[];
  if (body.map((r) => r.id).join() !== fixture.targetIds.join()) return 'ids differ from the request';
  const got = {
    following: body.filter((r) => r.following).length,
    followedBy: body.filter((r) => r.followed_by).length,
    blocking: body.filter((r) => r.blocking).length,
    blockedBy: body.filter((r) => r.blocked_by).length,
    muting: body.filter((r) => r.muting).length,
    requested: body.filter((r) => r.requested).length,
  };
  const wrong = Object.entries(fixture.expected).filter(
    ([key, value]) => got[key as keyof typeof got] !== value,
  );
  return wrong.length ? `wrong counts: ${JSON.stringify(got)}` : null;
}

async function main(): Promise<void> {
  pin(1, process.pid);
  const infra = await ensureInfra({
    dataDir: '.data/bench',
    fresh: true,
    ephemeral: true,
    log: () => undefined,
  });
  pinServers(0, infra.serverPids);
  const children: ChildProcess[] = [];
  try {
    const templateUrl = await recreateTemplate(infra);
    await migrateAll({ ...loadConfig({ LOG_LEVEL: 'warn' }), databaseUrl: templateUrl });
    const databaseUrl = await cloneTemplateDatabase({ ...infra, templateDatabase: 'mammut_template' });
    const port = 3900;
    const origin = `http://127.0.0.1:${port}`;
    const viewer = await seedViewer(databaseUrl, origin, 'bench');
    const fixture = await seedRelationships(databaseUrl, origin, viewer.accountId);
    const bareServer = await startChild('dist/bench/src/bare-server.js', ['3901'], {});
    children.push(bareServer);
    roles.set(String(bareServer.pid), 'bare server');
    const sut = await startChild(
      'dist/bench/src/sut.js',
      [],
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        LOCAL_DOMAIN: `127.0.0.1:${port}`,
        DATABASE_URL: databaseUrl,
        REDIS_URL: infra.redisUrl,
        NATS_URL: infra.natsUrl,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        // Production refuses the development secret.
        SECRET_KEY_BASE: randomBytes(64).toString('hex'),
      },
      [
        ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
        ...(PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.data/bench/prof'] : []),
      ],
    );
    children.push(sut);
    roles.set(String(sut.pid), 'system');
    const auth = { authorization: `Bearer ${viewer.token}` };
    const verifyUrl = `${origin}/api/v1/accounts/verify_credentials`;
    const relationshipsUrl = `${origin}/api/v1/accounts/relationships?${fixture.targetIds
      .map((id) => `id[]=${id}`)
      .join('&')}`;
    const wrongAnswer = await checkRelationships(relationshipsUrl, auth, fixture);

    const probeUrl = `http://127.0.0.1:${port + 2}/`;
    const all: Scenario[] = [
      {
        key: 'verify',
        name: 'GET verify_credentials',
        url: verifyUrl,
        target: 'target ≥ 0.40, p99 ≤ 4× bare p99',
        met: (ratio, f, _trips, base) => ratio >= 0.4 && f.p99 <= 4 * Math.max(base.p99, 1),
      },
      {
        key: 'relationships',
        name: 'GET relationships ×40 ids',
        url: relationshipsUrl,
        target: 'target ≥ 0.15',
        met: (ratio) => ratio >= 0.15 && !wrongAnswer,
      },
    ];
    const scenarios = all.filter((scenario) => !ONLY || scenario.key === ONLY);

    pinServers(0, infra.serverPids);
    const bare = await load('http://127.0.0.1:3901/bare');
    const figures: Figure[] = [];
    for (const scenario of scenarios) figures.push(await load(scenario.url, auth));
    const trips: RoundTrips[] = [];
    for (const scenario of scenarios) trips.push(await perRequest(probeUrl, scenario.url, auth));

    const say = (line: string): void => void process.stdout.write(`${line}\n`);
    const row = (name: string, f: Figure, extra = ''): string =>
      `${name.padEnd(30)} ${f.rps.toFixed(0).padStart(7)} req/s  p50 ${String(f.p50).padStart(3)} ms  p99 ${String(f.p99).padStart(3)} ms  ratio ${(f.rps / bare.rps).toFixed(3)}${extra}${f.non2xx ? `  (${f.non2xx} non-2xx: VOID)` : ''}`;
    const cpuLine = (f: Figure): string =>
      `${''.padEnd(30)} CPU s: ${Object.entries(f.cpu)
        .sort((a, b) => b[1] - a[1])
        .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`)
        .join(', ')}`;
    const tripsText = (t: RoundTrips): string =>
      `sql/req ${t.sql.toFixed(2)}, bus/req ${Object.entries(t.bus)
        .map(([service, count]) => `${service} ${count.toFixed(2)}`)
        .join(' ')}`;
    say(
      `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, node ${process.version}, taskset ${hasTaskset}, ${CONNECTIONS} connections, ${DURATION} s x ${RUNS} run(s)`,
    );
    say(row('bare Fastify route (baseline)', bare));
    say(cpuLine(bare));
    scenarios.forEach((scenario, i) => {
      const f = figures[i];
      const met = !f.non2xx && scenario.met(f.rps / bare.rps, f, trips[i], bare);
      say(row(scenario.name, f, `  ${scenario.target}: ${met ? 'MET' : 'NOT MET'}`));
      say(`${''.padEnd(30)} ${tripsText(trips[i])}`);
      say(cpuLine(f));
    });
    if (wrongAnswer) say(`relationships answer is wrong (${wrongAnswer}): VOID`);
    if (figures.some((f) => f.non2xx) || wrongAnswer) process.exitCode = 1;
  } finally {
    // The system writes its CPU profile on a clean exit: wait for it.
    await Promise.all(children.map(stopChild));
    await infra.stop();
  }
}

void main();
