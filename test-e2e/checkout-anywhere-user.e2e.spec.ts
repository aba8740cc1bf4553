import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { buildInfraEntry } from './support/checkout';
import {
  expectAllStopped,
  pressCtrlCTwice,
  recordedServers,
  runningPids,
  stopwatch,
} from './support/local-servers';
import { Job, killAndRemove, signal, uidOf } from './support/processes';

jest.setTimeout(120_000);

/**
 * checkout-anywhere for a normal user: the local servers brought up in a mode-700 directory that
 * user owns (PostgreSQL initialised as that user, its data inside), Ctrl-C stopping them all, and
 * a start after kill -9 carrying on with them. Run as root, the user is `nobody`, who may not read
 * this checkout (CI may clone under /root): it runs the infra module compiled alone, with pg.
 */

const isRoot = process.getuid?.() === 0;

function normalUser(): { uid?: number; gid?: number; node: string } | string {
  if (!isRoot) return { node: process.execPath };
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }));
  const [uid, gid] = [id('-u'), id('-g')];
  // This Node may live where nobody cannot reach it (a version manager under /root).
  const node = [process.execPath, '/usr/bin/node', '/usr/local/bin/node'].find(
    (candidate) => spawnSync(candidate, ['-e', ''], { uid, gid, cwd: '/' }).status === 0,
  );
  return node ? { uid, gid, node } : 'no Node binary that the user nobody may run';
}

const user = normalUser();
if (typeof user === 'string') process.stdout.write(`checkout-anywhere-user: skipped: ${user}\n`);
const timed = stopwatch('checkout-anywhere-user');

(typeof user === 'string' ? describe.skip : describe)(
  `the local servers as ${isRoot ? 'nobody' : 'this user'}, in a mode-700 directory`,
  () => {
    const { uid, gid, node } = user as Exclude<typeof user, string>;
    const jobs: Job[] = [];
    let home = '';
    let entry = '';
    let dataDir = '';

    const bringUp = (): Promise<{ job: Job; databaseUrl: string; postgresDataDir: string }> =>
      timed('infra up', async () => {
        const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home };
        const job = Job.start(node, [entry, dataDir], { cwd: home, uid, gid, env });
        jobs.push(job);
        const [line] = await job.waitForOutput(/^\{"databaseUrl".*$/m, 90_000);
        return { job, ...(JSON.parse(line) as { databaseUrl: string; postgresDataDir: string }) };
      });
    const query = async (databaseUrl: string, sql: string): Promise<string[]> => {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query<{ v: string }>(sql)).rows.map((row) => row.v);
      } finally {
        await client.end();
      }
    };

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), 'mammut-user-'));
      entry = await timed('build', () => Promise.resolve(buildInfraEntry(join(home, 'app'))));
      if (uid !== undefined) execFileSync('chown', ['-R', `${uid}:${gid}`, home]);
      chmodSync(home, 0o700);
      dataDir = join(home, 'data');
    });

    afterAll(() => {
      for (const job of jobs) if (job.running) signal(-job.pgid, 'SIGKILL');
      killAndRemove([home]);
    });

    it('brings the servers up as that user, data inside; Ctrl-C stops them all', async () => {
      const { job, databaseUrl, postgresDataDir } = await bringUp();
      expect(postgresDataDir).toBe(join(dataDir, 'postgres'));
      const servers = recordedServers(dataDir);
      expect(servers.map((server) => uidOf(server.pid))).toEqual(
        servers.map(() => uid ?? process.getuid?.()),
      );
      expect(await query(databaseUrl, "SELECT 'answering' AS v")).toEqual(['answering']);

      await pressCtrlCTwice(job);
      await expectAllStopped(job, servers);
      expect(job.output).toContain('{"stopped":true}');
    });

    it('after kill -9, the next start uses the servers left behind, data intact', async () => {
      const first = await bringUp();
      const servers = recordedServers(dataDir);
      await query(first.databaseUrl, "CREATE TABLE kept AS SELECT 'before the crash' AS v");
      signal(-first.job.pgid, 'SIGKILL');
      await first.job.exited;
      expect(runningPids(servers)).toHaveLength(3);

      const second = await bringUp();
      expect(second.job.output).toContain(`PostgreSQL: using the server (pid ${servers[0].pid})`);
      expect(await query(second.databaseUrl, 'SELECT v FROM kept')).toEqual(['before the crash']);
      signal(-second.job.pgid, 'SIGTERM');
      await expectAllStopped(second.job, servers);
    });
  },
);
