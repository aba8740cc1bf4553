import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export function pin(cpu: number, pid: number | undefined): void {
  if (hasTaskset && pid)
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** `pid` and every process it started, and theirs (PostgreSQL's backends and workers). */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree: number[] = [];
  const visit = (p: number): void => {
    tree.push(p);
    for (const child of children.get(p) ?? []) visit(child);
  };
  visit(pid);
  return tree;
}

/**
 * The servers share the system's core, as on a one-machine install: PostgreSQL (with the
 * backends it has forked; later ones inherit the postmaster's core), Redis and NATS.
 */
export function pinServers(cpu: number, pids: Partial<Record<string, number>>): void {
  for (const pid of Object.values(pids)) {
    for (const member of processTree(pid ?? 0)) {
      try {
        pin(cpu, member);
      } catch {
        // A backend that ended meanwhile.
      }
    }
  }
}

export function startChild(
  script: string,
  args: string[],
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  pin(0, child.pid);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Processes the bench started, named in the CPU figures (other node processes are just "node"). */
export const roles = new Map<string, string>([[String(process.pid), 'load generator']]);

/** CPU seconds (user + system) used so far by every process, summed by role or command name. */
export function cpuByCommand(): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command name.
      const ticks = Number(fields[11]) + Number(fields[12]);
      const key = roles.get(pid) ?? name.replace(/^(postgres|node).*/, '$1');
      totals[key] = (totals[key] ?? 0) + ticks / 100;
    } catch {
      // The process ended while we looked.
    }
  }
  return totals;
}

export function cpuDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([name, seconds]) => [name, seconds - (before[name] ?? 0)] as const)
      .filter(([, seconds]) => seconds >= 0.05),
  );
}
