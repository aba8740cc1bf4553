// Brings up the local servers for the data directory named on the command line, prints their
// URLs as one JSON line, and stops them on SIGINT or SIGTERM, however many arrive. The
// checkout-anywhere test compiles it with the infra module alone, to run it as a user who may not
// be able to read this checkout.
import { ensureInfra } from '../../libs/platform/src/infra/local-infra';

async function main(): Promise<void> {
  const infra = await ensureInfra({
    dataDir: process.argv[2],
    log: (line) => void process.stderr.write(`${line}\n`),
  });
  // What keeps this process alive: servers found running (not started here) hold no handle in it.
  const alive = setInterval(() => undefined, 60_000);
  let stopping: Promise<void> | undefined;
  const stop = (): void => {
    stopping ??= infra.stop().then(() => {
      clearInterval(alive);
      process.stdout.write(`${JSON.stringify({ stopped: true })}\n`);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const { databaseUrl, redisUrl, natsUrl, postgresDataDir } = infra;
  process.stdout.write(`${JSON.stringify({ databaseUrl, redisUrl, natsUrl, postgresDataDir })}\n`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`infra-entry: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
