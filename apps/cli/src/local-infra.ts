import { type Config, ensureInfra } from '@mammut/platform';
import { LOCAL_DATA_DIR } from '../../all-in-one/src/serve';

export interface CliInfra {
  readonly config: Config;
  /** Leaves the local servers: stops them only if the CLI started them and nobody else uses them. */
  stop(): Promise<void>;
}

/**
 * The servers the CLI works on: the configured ones when they answer; else the local ones of a
 * running `npm start` (found through `.data/local/servers.json`, which also keeps `npm start` from
 * stopping them while this command still needs them); else local ones started for this command.
 */
export async function resolveInfra(configured: Config, say: (line: string) => void): Promise<CliInfra> {
  const infra = await ensureInfra({
    dataDir: LOCAL_DATA_DIR,
    databaseUrl: configured.configured.database ? configured.databaseUrl : undefined,
    redisUrl: configured.configured.redis ? configured.redisUrl : undefined,
    natsUrl: configured.configured.nats ? configured.natsUrl : undefined,
    log: say,
  });
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
