import { type Config, ensureInfra, reachable } from '@mammut/platform';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm start` keeps its servers' data (apps/all-in-one/src/main.ts). */
export const LOCAL_DATA_DIR = '.data/local';

export interface CliInfra {
  readonly config: Config;
  /** Stops the servers the CLI started for itself; never the ones it found running. */
  stop(): Promise<void>;
}

/**
 * The port of the PostgreSQL that `npm start` runs, if it runs. PostgreSQL's own pid file names the
 * port it listens on (line 4); `ports.json` only says which port was chosen last, and another
 * server (the test run's) may hold that port now.
 */
function runningLocalPostgres(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const port = Number(readFileSync(pidFile, 'utf8').split('\n')[3]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/**
 * The database the CLI works on: DATABASE_URL when the operator set it; else the local server
 * `npm start` brought up; else the local servers started just for this command.
 */
export async function resolveInfra(configured: Config, say: (line: string) => void): Promise<CliInfra> {
  const noop = (): Promise<void> => Promise.resolve();
  if (configured.configured.database) return { config: configured, stop: noop };
  const port = runningLocalPostgres(LOCAL_DATA_DIR);
  const url = port ? `postgres://mammut@127.0.0.1:${port}/mammut` : undefined;
  if (url && (await reachable(url))) return { config: { ...configured, databaseUrl: url }, stop: noop };
  say(`No DATABASE_URL and no local server running: starting the ones under ${LOCAL_DATA_DIR} …`);
  const infra = await ensureInfra({ dataDir: LOCAL_DATA_DIR, log: say });
  return {
    config: {
      ...configured,
      databaseUrl: infra.databaseUrl,
      redisUrl: infra.redisUrl,
      natsUrl: infra.natsUrl,
    },
    stop: () => infra.stop(),
  };
}
