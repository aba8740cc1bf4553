import { type Config, ensureInfra, type Infra, InfraError, type Logger } from '@mammut/platform';
import { resolve } from 'node:path';
import { migrateAll, startSystem } from './system';

/** Where the local servers keep their data; the CLI looks for them there too. */
export const LOCAL_DATA_DIR = '.data/local';

/**
 * The servers a one-machine Mammut works on, for `npm start` and the CLI alike: the configured
 * ones when they answer; else the local ones another process runs (found through
 * `.data/local/servers.json`, which also keeps that process from stopping them while this one
 * still uses them); else local ones started now. `infra.stop()` leaves them.
 *
 * Not in production (the container image): there the configured servers are used as they are.
 */
export async function useLocalServers(
  configured: Config,
  say: (line: string) => void,
): Promise<{ infra: Infra; config: Config }> {
  if (configured.nodeEnv === 'production')
    return { infra: configuredServers(configured), config: configured };
  const infra = await ensureInfra({
    dataDir: LOCAL_DATA_DIR,
    databaseUrl: configured.configured.database ? configured.databaseUrl : undefined,
    redisUrl: configured.configured.redis ? configured.redisUrl : undefined,
    natsUrl: configured.configured.nats ? configured.natsUrl : undefined,
    log: say,
  });
  return {
    infra,
    config: {
      ...configured,
      databaseUrl: infra.databaseUrl,
      redisUrl: infra.redisUrl,
      natsUrl: infra.natsUrl,
    },
  };
}

/**
 * PostgreSQL, Redis and NATS from the environment when reachable, else local ones under `.data/`;
 * migrations; every service and the gateway in this one process. `close` stops the system, then
 * the local servers (unless another process, such as the CLI, still uses them).
 */
export async function serveAllInOne(configured: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const { infra, config } = await useLocalServers(configured, say);
  try {
    await migrateAll(config);
    const system = await startSystem(config);
    say('');
    say(`Mammut is listening on ${config.publicOrigin} (bound to ${config.host}:${config.port})`);
    say(`  PostgreSQL ${withoutCredentials(infra.databaseUrl)}`);
    say(`  Redis      ${withoutCredentials(infra.redisUrl)}`);
    say(`  NATS       ${withoutCredentials(infra.natsUrl)}`);
    if (config.nodeEnv !== 'production') {
      say(`  Data       ${dataPlace(infra.postgresDataDir)}`);
      say('Create the first admin in another terminal:');
      say('  npm run mammut -- accounts create admin --email admin@example.com --role admin --confirmed');
      say('Stop with Ctrl-C.');
    }
    return {
      async close() {
        say('\nstopping …');
        await system.close().catch((err: unknown) => log.error({ err }, 'close failed'));
        await infra.stop();
        say('stopped');
      },
    };
  } catch (error) {
    await infra.stop();
    throw error;
  }
}

/**
 * A production process starts no server and writes no `.data/` (its file system may be read-only):
 * it waits for the ones its environment names, as a service started alone does, rather than
 * standing up an empty database of its own beside them when one is slow to come up.
 */
function configuredServers(config: Config): Infra {
  const unset = [
    ['DATABASE_URL', config.configured.database],
    ['REDIS_URL', config.configured.redis],
    ['NATS_URL', config.configured.nats],
  ].flatMap(([name, set]) => (set ? [] : [name]));
  if (unset.length) {
    throw new InfraError(`NODE_ENV=production starts no local servers: set ${unset.join(', ')}`);
  }
  return {
    databaseUrl: config.databaseUrl,
    redisUrl: config.redisUrl,
    natsUrl: config.natsUrl,
    serverPids: {},
    stop: () => Promise.resolve(),
  };
}

/**
 * A server URL fit for a log: configured ones may carry credentials, a password or (NATS) a token
 * in the user's place, so the whole user part goes.
 */
const withoutCredentials = (url: string): string => url.replace(/\/\/[^/]*@/g, '//');

/** Where the data is, said outright when PostgreSQL's lives outside the checkout (see ensureInfra). */
function dataPlace(postgresDataDir: string | undefined): string {
  const outside = postgresDataDir && !postgresDataDir.startsWith(resolve(LOCAL_DATA_DIR));
  return outside ? `${LOCAL_DATA_DIR}, PostgreSQL's in ${postgresDataDir}` : LOCAL_DATA_DIR;
}
