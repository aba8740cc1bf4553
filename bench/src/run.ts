import autocannon from 'autocannon';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { ensureInfra, loadConfig } from '@mammut/platform';
import { cloneTemplateDatabase, recreateTemplate } from '@mammut/testing';
import { migrateAll } from '../../apps/all-in-one/src/system';
import { seedUser } from '../../test-e2e/support/factories';

/**
 * Load against the all-in-one process, each figure printed as a ratio to a bare Fastify route
 * measured in the same run. The system (and its PostgreSQL, Redis, NATS) runs on CPU 0, the load
 * generator on CPU 1 (when taskset exists). Performance is reported, never gated.
 */
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
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

function startChild(script: string, args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script, ...args], {
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

interface Figure {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function load(url: string, headers: Record<string, string> = {}): Promise<Figure> {
  await autocannon({ url, connections: CONNECTIONS, duration: 2, headers }); // warm-up
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  };
}

async function main(): Promise<void> {
  pin(1, process.pid);
  const infra = await ensureInfra({
    dataDir: '.data/bench',
    fresh: true,
    ephemeral: true,
    log: () => undefined,
  });
  const children: ChildProcess[] = [];
  try {
    const templateUrl = await recreateTemplate(infra);
    await migrateAll({ ...loadConfig({ LOG_LEVEL: 'warn' }), databaseUrl: templateUrl });
    const databaseUrl = await cloneTemplateDatabase({ ...infra, templateDatabase: 'mammut_template' });
    const port = 3900;
    const origin = `http://127.0.0.1:${port}`;
    const viewer = await seedUser(databaseUrl, origin, { username: 'bench' });
    children.push(await startChild('dist/bench/src/bare-server.js', ['3901'], {}));
    children.push(
      await startChild('dist/bench/src/sut.js', [], {
        PORT: String(port),
        HOST: '127.0.0.1',
        LOCAL_DOMAIN: `127.0.0.1:${port}`,
        DATABASE_URL: databaseUrl,
        REDIS_URL: infra.redisUrl,
        NATS_URL: infra.natsUrl,
        LOG_LEVEL: 'error',
        NODE_ENV: 'production',
      }),
    );
    const bare = await load('http://127.0.0.1:3901/bare');
    const auth = { authorization: `Bearer ${viewer.token}` };
    const verify = await load(`${origin}/api/v1/accounts/verify_credentials`, auth);
    const row = (name: string, f: Figure, target: string): string =>
      `${name.padEnd(34)} ${f.rps.toFixed(0).padStart(8)} req/s  p50 ${String(f.p50).padStart(3)} ms  p99 ${String(f.p99).padStart(3)} ms  ratio ${(f.rps / bare.rps).toFixed(3)}  ${target}${f.non2xx ? `  (${f.non2xx} non-2xx: VOID)` : ''}`;
    process.stdout.write(
      `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, node ${process.version}, taskset ${hasTaskset}\n`,
    );
    process.stdout.write(`${row('bare Fastify route (baseline)', bare, '')}\n`);
    process.stdout.write(`${row('GET verify_credentials', verify, 'target ≥ 0.10, p99 ≤ 20 ms')}\n`);
    if (verify.non2xx) process.exitCode = 1;
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await infra.stop();
  }
}

void main();
