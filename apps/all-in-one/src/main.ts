import 'reflect-metadata';
import { ensureInfra, initLogging, loadConfig } from '@mammut/platform';
import { migrateAll, startSystem } from './system';

/**
 * `npm start`: PostgreSQL, Redis and NATS from the environment when reachable, else local ones
 * under `.data/`; migrations; every service and the gateway in this one process.
 */
async function main(): Promise<void> {
  const configured = loadConfig();
  const log = initLogging(configured.logLevel).child({ name: 'all-in-one' });
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
  let stopping = false;
  try {
    await migrateAll(config);
    const system = await startSystem(config);
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      say('\nstopping …');
      await system.close().catch((err: unknown) => log.error({ err }, 'close failed'));
      await infra.stop();
      say('stopped');
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
    say('');
    say(`Mammut is listening on ${config.publicOrigin} (bound to ${config.host}:${config.port})`);
    say(`  PostgreSQL ${infra.databaseUrl}`);
    say(`  Redis      ${infra.redisUrl}`);
    say(`  NATS       ${infra.natsUrl}`);
    say('Create the first admin in another terminal:');
    say('  npm run mammut -- accounts create admin --email admin@example.com --role admin --confirmed');
    say('Stop with Ctrl-C.');
  } catch (error) {
    await infra.stop();
    throw error;
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`mammut: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
