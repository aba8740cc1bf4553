import { type Config, loadConfig } from '@mammut/platform';
import {
  cloneTemplateDatabase,
  createEmptyDatabase,
  dropDatabase,
  freePort,
  testInfra,
} from '@mammut/testing';
import { spawn } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { accountsMigrations } from '../../accounts/src/migrations';
import { migrateAll } from '../../all-in-one/src/system';
import { dbStatus, type DbStatusOptions } from './db-status';

jest.setTimeout(60_000);

const root = join(__dirname, '..', '..', '..');

/**
 * `mammut db status [--wait]`, which every Deployment's init container runs before its service
 * starts: on databases cloned from the migrated template (up to date), created empty (a server
 * before its first migration) and one migration behind, and on a PostgreSQL that is not there yet.
 */
describe('db status', () => {
  const infra = testInfra();
  const databases: string[] = [];
  const config = (databaseUrl: string): Config =>
    loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      REDIS_URL: infra.redisUrl,
      NATS_URL: infra.natsUrl,
      LOG_LEVEL: 'silent',
    });
  const status = async (
    databaseUrl: string,
    options: DbStatusOptions,
  ): Promise<{ upToDate: boolean; lines: string[] }> => {
    const lines: string[] = [];
    const upToDate = await dbStatus(config(databaseUrl), options, (line) => lines.push(line));
    return { upToDate, lines };
  };
  const once: DbStatusOptions = { wait: false, timeoutMs: 0 };
  const cloned = async (): Promise<string> => {
    const url = await cloneTemplateDatabase(infra);
    databases.push(url);
    return url;
  };
  const empty = async (): Promise<string> => {
    const url = await createEmptyDatabase(infra);
    databases.push(url);
    return url;
  };

  afterAll(async () => {
    for (const url of databases) await dropDatabase(infra, url);
  });

  it('says every schema is up to date on a migrated database', async () => {
    const { upToDate, lines } = await status(await cloned(), once);
    expect(upToDate).toBe(true);
    expect(lines).toEqual([
      'accounts    up to date',
      'statuses    up to date',
      'timelines   up to date',
      'federation  up to date',
      'moderation  up to date',
      'search      up to date',
      'media       up to date',
      'OK: every schema is up to date',
    ]);
  });

  it('lists every migration of every schema as pending on a database never migrated', async () => {
    const { upToDate, lines } = await status(await empty(), once);
    expect(upToDate).toBe(false);
    expect(lines).toHaveLength(7);
    const names = accountsMigrations.map((migration) => new migration().name);
    expect(lines[0]).toBe(`accounts    ${names.length} pending: ${names.join(', ')}`);
    expect(lines.some((line) => line.endsWith('up to date'))).toBe(false);
  });

  it('names the one schema behind and the migration it lacks', async () => {
    const url = await cloned();
    const db = new Client({ connectionString: url });
    await db.connect();
    await db.query(`DELETE FROM "moderation"."migrations" WHERE "name" = 'CreateReports1796500000000'`);
    await db.end();
    const { upToDate, lines } = await status(url, once);
    expect(upToDate).toBe(false);
    expect(lines).toContain('moderation  1 pending: CreateReports1796500000000');
    expect(lines.filter((line) => line.endsWith('up to date'))).toHaveLength(6);
  });

  it('with --wait, answers once the migrations ran, saying what it waits for as that changes', async () => {
    const url = await empty();
    const waiting = status(url, { wait: true, timeoutMs: 30_000, pollMs: 100 });
    await new Promise((done) => setTimeout(done, 300));
    await migrateAll(config(url));
    const { upToDate, lines } = await waiting;
    expect(upToDate).toBe(true);
    expect(lines[0]).toMatch(
      new RegExp(
        `^waiting: accounts \\(${accountsMigrations.length}\\), statuses \\(\\d+\\), timelines \\(\\d+\\), federation \\(\\d+\\), moderation \\(\\d+\\), search \\(\\d+\\), media \\(\\d+\\) behind$`,
      ),
    );
    // Asked every 100 ms while the migrations ran, it spoke only when a schema caught up.
    const waited = lines.filter((line) => line.startsWith('waiting:'));
    expect(waited.filter((line, i) => line === waited[i - 1])).toEqual([]);
    expect(lines.at(-1)).toBe('OK: every schema is up to date');
  });

  it('with --wait, keeps asking while PostgreSQL does not answer, and goes on once it does', async () => {
    const url = new URL(await cloned());
    const port = await freePort();
    const target = Number(url.port);
    url.port = String(port);
    const waiting = status(url.toString(), { wait: true, timeoutMs: 30_000, pollMs: 100 });
    await new Promise((done) => setTimeout(done, 500));
    // PostgreSQL comes up on the port the status asks at: a proxy to the test server.
    const proxy = await listen(port, target);
    try {
      const { upToDate, lines } = await waiting;
      expect(upToDate).toBe(true);
      expect(lines[0]).toMatch(/^waiting: PostgreSQL could not be asked \(.*ECONNREFUSED.*\)$/);
      expect(lines.at(-1)).toBe('OK: every schema is up to date');
    } finally {
      await new Promise((done) => proxy.close(done));
    }
  });

  it('with --wait, gives up at the timeout', async () => {
    const url = new URL(infra.databaseUrl);
    url.port = String(await freePort());
    const started = Date.now();
    const { upToDate, lines } = await status(url.toString(), { wait: true, timeoutMs: 1000, pollMs: 100 });
    expect(upToDate).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(lines.at(-1)).toBe('gave up after 1 s');
    expect(lines.at(-2)).toMatch(/^PostgreSQL could not be asked: .*ECONNREFUSED/);
  });

  it('is the exit code of the CLI, which in production uses the configured servers as they are', async () => {
    const run = (databaseUrl: string): Promise<{ code: number | null; stdout: string }> => {
      const child = spawn(
        process.execPath,
        [
          '-r',
          join(root, 'test-e2e', 'support', 'swc-register.js'),
          join(root, 'apps', 'cli', 'src', 'main.ts'),
          'db',
          'status',
        ],
        {
          cwd: root,
          env: {
            PATH: process.env.PATH ?? '',
            NODE_ENV: 'production',
            LOCAL_DOMAIN: 'social.example.com',
            SECRET_KEY_BASE: 'a3f1c9e07b5d42e8a6c1f0b9d7e4a2c5b8e1d3f6a9c2e5b8',
            DATABASE_URL: databaseUrl,
            REDIS_URL: infra.redisUrl,
            NATS_URL: infra.natsUrl,
            LOG_LEVEL: 'silent',
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
    };
    const [migrated, never] = await Promise.all([cloned(), empty()]);
    const [ok, behind] = await Promise.all([run(migrated), run(never)]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/\nOK: every schema is up to date\n$/);
    expect(behind.code).toBe(1);
    expect(behind.stdout).toMatch(/^accounts {4}\d+ pending: CreateAccounts1763900000000, /);
  });
});

/** A TCP proxy on `port` to the test PostgreSQL on `target`. */
function listen(port: number, target: number): Promise<Server> {
  const server = createServer((socket) => {
    const upstream = connect(target, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
