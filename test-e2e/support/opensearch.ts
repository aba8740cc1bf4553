import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/**
 * One OpenSearch node per jest run, started on first use by whichever worker needs it first. The
 * two workers coordinate through `.data/test/opensearch`: the first to create `lock/` starts the
 * node and writes `node.json` (port and pid) once it answers, or `failed` with why it could not;
 * the others wait for either file. The node is started detached, so it outlives the worker that
 * started it, and the global teardown kills it by its pid (`stopOpenSearch`).
 */
const DIR = resolve('.data/test/opensearch');
const LOCK = resolve(DIR, 'lock');
const NODE_FILE = resolve(DIR, 'node.json');
const PID_FILE = resolve(DIR, 'pid');
const FAILED_FILE = resolve(DIR, 'failed');
const LOG_FILE = resolve(DIR, 'node.log');
/** A cold JVM on two shared cores takes ~15 s; three other test processes may be busy too. */
const START_TIMEOUT_MS = 180_000;
/** Small and quick to start: a test node holds a few hundred documents. */
const JAVA_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx512m', '-Xms256m'];

let node: Promise<string> | undefined;

/** A loopback port nobody listens on now (system.ts has one too; importing it would load a whole system). */
const freePort = (): Promise<number> =>
  new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });

const pause = (ms: number): Promise<void> => new Promise((resume) => setTimeout(resume, ms));

/** Whether the node at `url` answers with a yellow or green cluster. */
async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, {
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) return false;
    const { status } = (await response.json()) as { status?: string };
    return status === 'yellow' || status === 'green';
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startNode(): Promise<string> {
  const classpath = process.env.MAMMUT_OPENSEARCH_CLASSPATH;
  if (!classpath)
    throw new Error(
      `OpenSearch is not available: ${process.env.MAMMUT_OPENSEARCH_ERROR ?? 'run the tests with `npm test` (it fetches the node)'}`,
    );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = openSync(LOG_FILE, 'a');
  const child = spawn(
    'java',
    [...JAVA_FLAGS, '-cp', classpath, 'OpenSearchNode', resolve(DIR, 'data'), String(port)],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error('java did not start');
  writeFileSync(PID_FILE, String(child.pid));
  const state: { exited: number | null } = { exited: null };
  child.once('exit', (code) => (state.exited = code ?? 1));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (state.exited !== null) throw new Error(`OpenSearch exited with ${state.exited}; see ${LOG_FILE}`);
    if (await healthy(url)) {
      writeFileSync(NODE_FILE, JSON.stringify({ port, pid: child.pid }));
      return url;
    }
    await pause(250);
  }
  child.kill('SIGKILL');
  throw new Error(`OpenSearch did not answer within ${START_TIMEOUT_MS} ms; see ${LOG_FILE}`);
}

async function waitForNode(): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (existsSync(FAILED_FILE)) throw new Error(readFileSync(FAILED_FILE, 'utf8'));
    if (existsSync(NODE_FILE)) {
      const { port } = JSON.parse(readFileSync(NODE_FILE, 'utf8')) as { port: number };
      const url = `http://127.0.0.1:${port}`;
      if (await healthy(url)) return url;
    }
    await pause(250);
  }
  throw new Error(`no OpenSearch node within ${START_TIMEOUT_MS} ms; see ${LOG_FILE}`);
}

async function ensureNode(): Promise<string> {
  mkdirSync(DIR, { recursive: true });
  let mine = false;
  try {
    mkdirSync(LOCK);
    mine = true;
  } catch {
    // Another worker holds the lock: it starts the node, or has.
  }
  if (!mine) return waitForNode();
  try {
    return await startNode();
  } catch (error) {
    writeFileSync(FAILED_FILE, error instanceof Error ? error.message : String(error));
    throw error;
  }
}

/** The run's OpenSearch node (`http://127.0.0.1:PORT`), started on first use. */
export function openSearchUrl(): Promise<string> {
  node ??= ensureNode();
  return node;
}

/**
 * The environment of a test system searching on the run's OpenSearch node, under a prefix of its
 * own (its indices are `<prefix>statuses…`), so systems sharing the node never see each other's.
 */
export async function openSearchEnv(): Promise<{ ELASTICSEARCH_URL: string; ES_PREFIX: string }> {
  return { ELASTICSEARCH_URL: await openSearchUrl(), ES_PREFIX: `es${randomBytes(5).toString('hex')}_` };
}

/**
 * For a describe block: starts (or finds) the node in beforeAll. A test that needs it fails when
 * it cannot start; nothing skips.
 */
export function useOpenSearch(): { readonly url: string } {
  let url: string | undefined;
  beforeAll(async () => {
    url = await openSearchUrl();
  }, START_TIMEOUT_MS + 10_000);
  return {
    get url() {
      if (url === undefined) throw new Error('the OpenSearch node starts in beforeAll');
      return url;
    },
  };
}

/** Kills the run's node, if one was started, and waits until it is gone (the global teardown). */
export async function stopOpenSearch(): Promise<void> {
  if (!existsSync(PID_FILE)) return;
  const pid = Number(readFileSync(PID_FILE, 'utf8'));
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  try {
    // The node's own process group (it was started detached): the JVM and nothing else.
    process.kill(-pid, 'SIGKILL');
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  for (let i = 0; i < 100 && alive(pid); i++) await pause(50);
}
