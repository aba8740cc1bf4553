import { ensureInfra, loadConfig } from '@mammut/platform';
import { recreateTemplate } from '@mammut/testing';
import { migrateAll } from '../../apps/all-in-one/src/system';
import { stopMinio } from './minio';

/**
 * One PostgreSQL, Redis and NATS for the whole run (under .data/test, thrown away each run, no
 * fsync), and a database template with every schema migrated that each test file clones.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  // A MinIO a crashed run left running would outlive the data removed below.
  stopMinio();
  const infra = await ensureInfra({
    dataDir: '.data/test',
    fresh: true,
    ephemeral: true,
    log: () => undefined,
  });
  (globalThis as { __mammutInfra?: typeof infra }).__mammutInfra = infra;
  const templateUrl = await recreateTemplate(infra);
  await migrateAll({ ...loadConfig({ LOG_LEVEL: 'warn' }), databaseUrl: templateUrl });
  process.env.MAMMUT_TEST_DATABASE_URL = infra.databaseUrl;
  process.env.MAMMUT_TEST_REDIS_URL = infra.redisUrl;
  process.env.MAMMUT_TEST_NATS_URL = infra.natsUrl;
  process.stdout.write(`\ntest infra ready in ${Date.now() - started} ms\n`);
}
