import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { InfraError } from './infra-error';

/**
 * PostgreSQL, Redis and NATS as processes that outlive whoever started them: each in a session of
 * its own (a terminal's Ctrl-C reaches only us, and we stop them in order), writing to a log file
 * rather than a pipe (so a server whose starter was killed keeps running and logging), and known
 * afterwards by pid and start time (so a later start can tell it from a stranger that reused the pid).
 */

/** A process as recorded: its pid and the kernel's start time for it. */
export interface ProcessRef {
  readonly pid: number;
  readonly start: string;
}

/**
 * The start time of a running process (`/proc/<pid>/stat`, field 22), or undefined when no process
 * has that pid (zombies included: a zombie has stopped serving). Without /proc, liveness only.
 */
export function processStart(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    if (existsSync('/proc/self/stat')) return undefined;
    return signalable(pid) ? '?' : undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [state, , , , , , , , , , , , , , , , , , , starttime] = fields;
  return state === 'Z' || state === 'X' ? undefined : starttime;
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const isRunning = (ref: ProcessRef): boolean => processStart(ref.pid) === ref.start;

export function currentProcess(): ProcessRef {
  return { pid: process.pid, start: processStart(process.pid) ?? '?' };
}

export interface LaunchOptions {
  readonly logFile: string;
  /** A directory the server's user can enter (PostgreSQL refuses to run from one it cannot). */
  readonly cwd: string;
  readonly user?: { readonly uid: number; readonly gid: number };
}

export interface Launched {
  readonly ref: ProcessRef;
  /** The end of what the server logged since this launch, for error messages. */
  readonly output: () => string;
}

export function launchServer(command: string, args: readonly string[], options: LaunchOptions): Launched {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const logFd = openSync(options.logFile, 'a');
  const offset = statSync(options.logFile).size;
  let child: ChildProcess;
  try {
    // Without runuser in between: its watching parent answers SIGTERM by SIGKILLing its child two
    // seconds later ("Session terminated, killing shell... killed"), cutting a shutdown short.
    child = spawn(command, args, {
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      ...(options.user ?? {}),
    });
  } finally {
    closeSync(logFd);
  }
  // A spawn failure (ENOENT, EACCES) also arrives as an event, which must not go unheard.
  child.on('error', () => undefined);
  if (child.pid === undefined) throw new InfraError(`could not start ${command}`);
  const ref = { pid: child.pid, start: processStart(child.pid) ?? '?' };
  return { ref, output: () => logTail(options.logFile, offset) };
}

export function logTail(file: string, from = 0, max = 2000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(Math.max(from, text.length - max)).trim();
  } catch {
    return '';
  }
}

/**
 * Whether process `pid` itself listens on 127.0.0.1:`port` (from /proc/net/tcp and its file
 * descriptors). An answer on the port is not enough: when another process takes the port between
 * our check and the server's bind, the server exits, and until then the other one answers. Where
 * /proc cannot tell (not Linux), the port answering has to do.
 */
export function listensOn(pid: number, port: number): boolean {
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return true;
  }
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const listening = new Set(
    table
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[1] === local && fields[3] === '0A')
      .map((fields) => `socket:[${fields[9]}]`),
  );
  if (!listening.size) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return listening.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

const pause = (ms: number): Promise<void> => new Promise((resume) => setTimeout(resume, ms));

/** Waits until `check` answers true, failing early if the process is gone. */
export async function waitUntilReady(
  what: string,
  ref: ProcessRef,
  check: () => Promise<boolean>,
  output: () => string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(ref)) throw new InfraError(`${what} exited: ${output()}`);
    if (await check()) return;
    await pause(100);
  }
  throw new InfraError(`${what} did not become ready within ${timeoutMs} ms: ${output()}`);
}

/**
 * Stops a server by pid, whoever started it: SIGINT (PostgreSQL's fast shutdown; a clean stop for
 * Redis and NATS), then SIGKILL if it is still there after `graceMs`. Resolves once it is gone.
 */
export async function stopServer(ref: ProcessRef, graceMs = 20_000): Promise<void> {
  if (!signal(ref, 'SIGINT')) return;
  const deadline = Date.now() + graceMs;
  while (isRunning(ref)) {
    if (Date.now() > deadline) signal(ref, 'SIGKILL');
    await pause(50);
  }
}

/** Signals the process if it is still the one recorded; false when it is gone. */
function signal(ref: ProcessRef, name: NodeJS.Signals): boolean {
  if (!isRunning(ref)) return false;
  try {
    process.kill(ref.pid, name);
    return true;
  } catch {
    return false;
  }
}
