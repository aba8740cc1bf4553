import { initLogging, loadConfig, settle } from '@mammut/platform';
import { cloneTemplateDatabase, dropDatabase, freePort, testInfra, uniqueName } from '@mammut/testing';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { services } from '../../apps/all-in-one/src/services';
import { type RunningSystem, startSystem } from '../../apps/all-in-one/src/system';

export interface TestSystem {
  /** `http://127.0.0.1:PORT`, also the instance's public origin. */
  readonly url: string;
  readonly domain: string;
  readonly system: RunningSystem;
  /** The database the system runs on. */
  readonly databaseUrl: string;
  stop(): Promise<void>;
}

export { freePort };

/**
 * A whole Mammut (every service and the gateway) on its own database, NATS prefix and Redis
 * prefix, listening on a loopback port. End-to-end tests talk to it over HTTP only; requests
 * between services go over real NATS (no in-process shortcut). With `DATABASE_URL` in `env` it
 * runs on that database (another replica's, or one of the test's own), which stays the caller's.
 */
export async function startTestSystem(env: Record<string, string> = {}): Promise<TestSystem> {
  const infra = testInfra();
  const ownDatabase = env.DATABASE_URL === undefined;
  const databaseUrl = env.DATABASE_URL ?? (await cloneTemplateDatabase(infra));
  const port = await freePort();
  const prefix = uniqueName('t');
  // Each system its own media files (thrown away with it), unless the caller shares a directory.
  const mediaRoot = env.MEDIA_ROOT ?? resolve('.data/test/media', prefix);
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOCAL_DOMAIN: `127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    REDIS_URL: infra.redisUrl,
    NATS_URL: infra.natsUrl,
    NATS_PREFIX: prefix,
    REDIS_PREFIX: `${prefix}:`,
    BUS_IN_PROCESS: 'false',
    PASSWORD_HASH_MEMORY_KIB: '4096',
    LOG_LEVEL: process.env.MAMMUT_TEST_LOG_LEVEL ?? 'silent',
    MEDIA_ROOT: mediaRoot,
    ...env,
  });
  initLogging(config.logLevel);
  const system = await startSystem(config);
  return {
    url: system.url,
    domain: config.localDomain,
    system,
    databaseUrl,
    async stop() {
      await system.close();
      if (ownDatabase) await dropDatabase(infra, databaseUrl);
      if (env.MEDIA_ROOT === undefined) await rm(mediaRoot, { recursive: true, force: true });
    },
  };
}

/**
 * The barrier before asserting what the system did, or did not do, in the background: resolves
 * once every service's outbox is published (each service has one schema, named after it) and
 * every JetStream consumer of the system has drained, as `settle()` defines it.
 */
export async function settled(t: TestSystem, timeoutMs = 10_000): Promise<void> {
  const db = new Client({ connectionString: t.databaseUrl });
  await db.connect();
  try {
    const { nats, config } = t.system.runtime;
    await settle({
      nats,
      prefix: config.natsPrefix,
      outboxes: services.map((service) => ({ db, schema: service.name })),
      timeoutMs,
    });
  } finally {
    await db.end();
  }
}

/** A running test system and a PostgreSQL client on its database. */
export interface SystemUnderTest {
  readonly t: TestSystem;
  readonly db: Client;
}

/**
 * One test system (and a client on its database) for the enclosing describe block: started in
 * beforeAll, stopped in afterAll. Read `t` and `db` inside tests and hooks only. `env` may be a
 * function, for settings known only once something else has started (an OpenSearch node's URL).
 */
export function useTestSystem(
  env: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>) = {},
): SystemUnderTest {
  let t: TestSystem | undefined;
  let db: Client | undefined;
  beforeAll(async () => {
    t = await startTestSystem(typeof env === 'function' ? await env() : env);
    db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await t?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the test system starts in beforeAll');
    return value;
  };
  return {
    get t() {
      return started(t);
    },
    get db() {
      return started(db);
    },
  };
}
