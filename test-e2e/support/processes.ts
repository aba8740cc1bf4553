import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { pollUntil } from './poll';

/**
 * Processes as /proc shows them, for tests that must prove a command left nothing running, and
 * commands started the way a terminal starts them: in a process group of their own.
 */

const pids = (): number[] =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, pgrp, …]; undefined once gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields;
  } catch {
    return undefined;
  }
}

export const isAlive = (pid: number): boolean => statFields(pid) !== undefined;

/** Live members of a process group (a terminal's foreground job). */
export const groupMembers = (pgid: number): number[] =>
  pids().filter((pid) => statFields(pid)?.[2] === `${pgid}`);

/** Live processes whose working directory is inside one of `dirs` (servers work in their data). */
export function workingUnder(dirs: readonly string[]): number[] {
  return pids().filter((pid) => {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      return isAlive(pid) && dirs.some((dir) => cwd === dir || cwd.startsWith(`${dir}/`));
    } catch {
      return false;
    }
  });
}

/** The real uid a process runs as. */
export function uidOf(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Uid:'));
    return line ? Number(line.split(/\s+/)[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch {
    // already gone
  }
}

/** A command in a process group of its own, as a shell runs a foreground job; its output kept. */
export class Job {
  private text = '';
  readonly exited: Promise<void>;

  static start(
    command: string,
    args: readonly string[],
    options: Omit<SpawnOptions, 'detached' | 'stdio'>,
  ): Job {
    return new Job(spawn(command, args, { ...options, detached: true, stdio: 'pipe' }));
  }

  private constructor(readonly child: ChildProcess) {
    const collect = (chunk: Buffer): void => {
      this.text += chunk.toString();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((done) => this.child.once('close', () => done()));
  }

  /** The process group: the job's first process leads it. */
  get pgid(): number {
    return this.child.pid as number;
  }

  get output(): string {
    return this.text;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until the output matches `pattern`; fails with the output if the job exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const found = await pollUntil(
      () => Promise.resolve(this.text.match(pattern) ?? (this.running ? undefined : null)),
      (match) => match !== undefined,
      timeoutMs,
      100,
    );
    if (!found) throw new Error(`no ${String(pattern)} in the output:\n${this.text}`);
    return found;
  }
}

/**
 * Kills whatever still works inside `dirs` (servers of a failed test), then removes them in the
 * background: a PostgreSQL cluster is thousands of small files, seconds on a busy disk, and nothing
 * needs to wait for them to go.
 */
export function killAndRemove(dirs: readonly string[]): void {
  const present = dirs.filter(Boolean);
  for (const pid of workingUnder(present)) signal(pid, 'SIGKILL');
  if (present.length) spawn('rm', ['-rf', '--', ...present], { detached: true, stdio: 'ignore' }).unref();
}
