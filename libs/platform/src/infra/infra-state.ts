import { randomBytes } from 'node:crypto';
import {
  existsSync,
  openSync,
  readFileSync,
  closeSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { InfraError } from './infra-error';
import { currentProcess, isRunning, type ProcessRef } from './server-process';

/**
 * What a data directory's servers are and who uses them, in `<dataDir>/servers.json`, so that any
 * process (npm start, the CLI, a start after a crash) finds servers that are already running.
 * Servers stop when the last process using them leaves; a user that died without leaving (kill -9,
 * a crash) simply stops counting.
 */

export type ServerKind = 'postgres' | 'redis' | 'nats';

export interface ServerRecord extends ProcessRef {
  readonly port: number;
}

/** One process's use of the servers: several calls in one process are several users. */
export interface UserRecord extends ProcessRef {
  readonly id: string;
}

export interface InfraState {
  servers: Partial<Record<ServerKind, ServerRecord>>;
  users: UserRecord[];
}

const stateFile = (dataDir: string): string => join(dataDir, 'servers.json');

export function readState(dataDir: string): InfraState {
  const file = stateFile(dataDir);
  if (!existsSync(file)) return { servers: {}, users: [] };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<InfraState>;
  return { servers: parsed.servers ?? {}, users: parsed.users ?? [] };
}

export function writeState(dataDir: string, state: InfraState): void {
  // Written aside and renamed, so a reader (or a crash) never sees half a file.
  const file = stateFile(dataDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function newUser(): UserRecord {
  return { ...currentProcess(), id: randomBytes(6).toString('hex') };
}

export const liveUsers = (state: InfraState): UserRecord[] => state.users.filter(isRunning);

/**
 * Runs `work` holding `<dataDir>/servers.lock`, so two processes never start the same servers at
 * once. A lock whose holder died is taken over. (Two waiters taking over the same dead holder's
 * lock at the same instant could both proceed; a lock is held only while servers start or stop,
 * so that needs a crash inside that window and two starts racing right after it.)
 */
export async function withStateLock<T>(
  dataDir: string,
  work: () => Promise<T>,
  timeoutMs = 90_000,
): Promise<T> {
  const lock = join(dataDir, 'servers.lock');
  const me = currentProcess();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, JSON.stringify(me));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(lock);
    if (holder && !isRunning(holder)) {
      unlinkQuietly(lock);
      continue;
    }
    if (Date.now() > deadline) {
      throw new InfraError(`${lock} is held by pid ${holder?.pid ?? '?'}; remove it if that process is gone`);
    }
    await new Promise((resume) => setTimeout(resume, 100));
  }
  try {
    return await work();
  } finally {
    unlinkQuietly(lock);
  }
}

function readHolder(lock: string): ProcessRef | undefined {
  try {
    return JSON.parse(readFileSync(lock, 'utf8')) as ProcessRef;
  } catch {
    // Being written right now, or just removed: look again shortly.
    return undefined;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
