import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pin } from './processes';

/**
 * The JVM of the search scenario's OpenSearch node: compiled fully (the tests' node stops at C1 to
 * start sooner; a bench measures the steady state), a fixed heap for 100,000 documents, and sized
 * for the one core it is pinned to, beside the system.
 */
const JAVA_FLAGS = ['-XX:ActiveProcessorCount=1', '-XX:+UseSerialGC', '-Xms1g', '-Xmx1g'];
const START_TIMEOUT_MS = 180_000;

export interface OpenSearchNode {
  readonly url: string;
  readonly process: ChildProcess;
}

/**
 * The classpath of the OpenSearch launcher, as `npm test` gets it (scripts/tools/opensearch.mjs:
 * Maven Central's jars in .tools/opensearch, fetched once); throws why it cannot be had.
 */
function classpath(): string {
  // Maven writes to the same stdout: the classpath is the last line.
  const script = `import { ensureOpenSearch } from './scripts/tools/opensearch.mjs';
process.stdout.write('\\n' + ensureOpenSearch({ log: (line) => console.error(line) }));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return output.slice(output.lastIndexOf('\n') + 1);
}

/**
 * Starts one OpenSearch node on `port` with its data under `dir` (wiped first), pinned to `cpu`,
 * and waits until its cluster is yellow. Throws when Java, the jars or the node are missing.
 */
export async function startOpenSearch(dir: string, port: number, cpu: number): Promise<OpenSearchNode> {
  const path = classpath();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const log = openSync(resolve(dir, 'node.log'), 'a');
  const child = spawn(
    'java',
    [...JAVA_FLAGS, '-cp', path, 'OpenSearchNode', resolve(dir, 'data'), String(port)],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  pin(cpu, child.pid);
  const url = `http://127.0.0.1:${port}`;
  const state: { exited: number | null } = { exited: null };
  child.once('exit', (code) => (state.exited = code ?? 1));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (state.exited !== null)
      throw new Error(`OpenSearch exited with ${state.exited}; see ${resolve(dir, 'node.log')}`);
    try {
      const response = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`);
      const { status } = (await response.json()) as { status?: string };
      if (status === 'yellow' || status === 'green') return { url, process: child };
    } catch {
      // Not listening yet.
    }
    await sleep(500);
  }
  child.kill('SIGKILL');
  throw new Error(`OpenSearch did not answer within ${START_TIMEOUT_MS} ms`);
}

export function stopOpenSearch(node: OpenSearchNode): Promise<void> {
  if (node.process.exitCode !== null) return Promise.resolve();
  return new Promise((done) => {
    node.process.once('exit', () => done());
    node.process.kill('SIGTERM');
  });
}
