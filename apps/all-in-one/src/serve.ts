import { type Config, ensureInfra, type Logger } from '@mammut/platform';
import { migrateAll, startSystem } from './system';

/**
 * PostgreSQL, Redis and NATS from the environment when reachable, else local ones under `.data/`;
 * migrations; every service and the gateway in this one process. `close` stops the system, then
 * the servers it started.
 */
export async function serveAllInOne(configured: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const infra = await ensureInfra({
    dataDir: '.data/local',
    databaseUrl: configured.configured.database ? configured.databaseUrl : undefined,
    redisUrl: configured.configured.redis ? configured.redisUrl : undefined,
    natsUrl: configured.configured.nats ? configured.natsUrl : undefined,
    log: say,
  });
  const config = {
    ...configured,
    databaseUrl: infra.databaseUrl,
    redisUrl: infra.redisUrl,
    natsUrl: infra.natsUrl,
  };
  try {
    await migrateAll(config);
    const system = await startSystem(config);
    say('');
    say(`Mammut is listening on ${config.publicOrigin} (bound to ${config.host}:${config.port})`);
    say(`  PostgreSQL ${infra.databaseUrl}`);
    say(`  Redis      ${infra.redisUrl}`);
    say(`  NATS       ${infra.natsUrl}`);
    say('Create the first admin in another terminal:');
    say('  npm run mammut -- accounts create admin --email admin@example.com --role admin --confirmed');
    say('Stop with Ctrl-C.');
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
