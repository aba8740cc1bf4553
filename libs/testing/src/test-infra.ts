import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * The infra of one test run, started once by the global setup and handed to every test file
 * through the environment: each file clones its own database from the migrated template and
 * takes its own NATS subject and Redis key prefixes.
 */
export interface TestInfra {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly natsUrl: string;
  readonly templateDatabase: string;
}

export const TEMPLATE_DATABASE = 'mammut_template';

export function testInfra(): TestInfra {
  const { MAMMUT_TEST_DATABASE_URL, MAMMUT_TEST_REDIS_URL, MAMMUT_TEST_NATS_URL } = process.env;
  if (!MAMMUT_TEST_DATABASE_URL || !MAMMUT_TEST_REDIS_URL || !MAMMUT_TEST_NATS_URL) {
    throw new Error('Test infra is not running: run the tests through `npm test` (jest global setup)');
  }
  return {
    databaseUrl: MAMMUT_TEST_DATABASE_URL,
    redisUrl: MAMMUT_TEST_REDIS_URL,
    natsUrl: MAMMUT_TEST_NATS_URL,
    templateDatabase: TEMPLATE_DATABASE,
  };
}

export const uniqueName = (prefix: string): string => `${prefix}${randomBytes(5).toString('hex')}`;

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(infra: TestInfra, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(infra.databaseUrl, 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh database cloned from the migrated template; returns its URL. */
export async function cloneTemplateDatabase(infra: TestInfra, name = uniqueName('t_')): Promise<string> {
  await admin(infra, (client) =>
    client.query(`CREATE DATABASE "${name}" TEMPLATE "${infra.templateDatabase}"`),
  );
  return withDatabase(infra.databaseUrl, name);
}

/** A fresh database with no schema at all (a server before its first migration); returns its URL. */
export async function createEmptyDatabase(infra: TestInfra, name = uniqueName('t_')): Promise<string> {
  await admin(infra, (client) => client.query(`CREATE DATABASE "${name}"`));
  return withDatabase(infra.databaseUrl, name);
}

export async function dropDatabase(infra: TestInfra, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await admin(infra, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export async function recreateTemplate(infra: Omit<TestInfra, 'templateDatabase'>): Promise<string> {
  const full = { ...infra, templateDatabase: TEMPLATE_DATABASE };
  await admin(full, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${TEMPLATE_DATABASE}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${TEMPLATE_DATABASE}"`);
  });
  return withDatabase(infra.databaseUrl, TEMPLATE_DATABASE);
}
