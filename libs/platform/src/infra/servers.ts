import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { InfraError } from './infra-error';
import type { ServerKind, ServerRecord } from './infra-state';
import { isRoot } from './postgres-data-dir';
import { type Launched, launchServer } from './server-process';

/** How ensureInfra runs one kind of server; Redis and NATS here, PostgreSQL in postgres-server.ts. */
export interface Server {
  readonly url: (port: number) => string;
  readonly ready: (port: number) => Promise<boolean>;
  /** A running server no state file records (one left by an older build). */
  readonly unrecorded?: () => ServerRecord | undefined;
  readonly launch: (port: number) => Launched;
}

export const logFile = (dataDir: string, kind: ServerKind): string => join(dataDir, 'logs', `${kind}.log`);

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

export function redis(dataDir: string, ephemeral: boolean): Server {
  const dir = join(dataDir, 'redis');
  const persistence = ephemeral
    ? ['--save', '', '--appendonly', 'no']
    : ['--save', '60 1', '--appendonly', 'no'];
  return {
    url: (port) => `redis://127.0.0.1:${port}`,
    ready: (port) => reachable(`redis://127.0.0.1:${port}`, 200),
    launch: (port) => {
      mkdirSync(dir, { recursive: true });
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no'];
      return launchServer(
        which('redis-server') as string,
        [...args, '--protected-mode', 'yes', ...persistence],
        {
          logFile: logFile(dataDir, 'redis'),
          cwd: dir,
        },
      );
    },
  };
}

export function nats(dataDir: string): Server {
  const dir = join(dataDir, 'nats');
  return {
    url: (port) => `nats://127.0.0.1:${port}`,
    ready: (port) => reachable(`nats://127.0.0.1:${port}`, 200),
    // JetStream on disk. Debian's 2.9 has no `sync_interval`; the Helm chart runs 2.10+ with `always`.
    launch: (port) => {
      mkdirSync(dir, { recursive: true });
      return launchServer(
        which('nats-server') as string,
        ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
        {
          logFile: logFile(dataDir, 'nats'),
          cwd: dir,
        },
      );
    },
  };
}
