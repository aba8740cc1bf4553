import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InfraError } from './infra-error';

/**
 * Where PostgreSQL's data directory lives. Run as root, the server runs as the `postgres` user,
 * which must be able to enter every parent of its data directory. A checkout inside a directory
 * others cannot enter (root's mode-700 home, the usual place on a fresh server) fails that, so
 * the data then lives under OUTSIDE_ROOT and `<dataDir>/postgres` is a symbolic link to it: the
 * link is the record that a second start, the CLI and `fresh` follow.
 */
export const OUTSIDE_ROOT = '/var/lib/mammut';

/** A note in each directory under OUTSIDE_ROOT naming the data directory it belongs to. */
const OWNER_NOTE = 'data-dir';

export interface ServerUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export interface PostgresPlace {
  /** The directory to hand to initdb and postgres (-D). */
  readonly pgData: string;
  /** The user the server runs as, when not ourselves. */
  readonly user?: ServerUser;
}

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export function placePostgresData(dataDir: string, log: (line: string) => void): PostgresPlace {
  const link = join(dataDir, 'postgres');
  if (!isRoot()) return { pgData: link };
  const user = serverUser('postgres');
  const linked = linkTarget(link);
  if (linked) {
    const outside = dirname(linked);
    if (!existsSync(linked)) prepareOutside(outside, dataDir, user);
    return { pgData: linked, user };
  }
  // What a failed initdb leaves (this checkout's first start before data could live outside it).
  if (existsSync(link) && !existsSync(join(link, 'PG_VERSION')))
    rmSync(link, { recursive: true, force: true });
  if (existsSync(link)) {
    if (!canEnter(user, dataDir))
      throw new InfraError(
        `The postgres user cannot enter ${dataDir}, where PostgreSQL's data is (${link}). Make its parents ` +
          `enterable (chmod o+x), or move the directory under ${OUTSIDE_ROOT} and leave a symbolic link in its place`,
      );
    return { pgData: link, user };
  }
  if (canEnter(user, dataDir)) {
    makeDataDir(link, user);
    return { pgData: link, user };
  }
  mkdirSync(OUTSIDE_ROOT, { recursive: true });
  chmodSync(OUTSIDE_ROOT, 0o755);
  const outside = mkdtempSync(join(OUTSIDE_ROOT, `${checkoutName(dataDir)}-`));
  prepareOutside(outside, dataDir, user);
  const pgData = join(outside, 'postgres');
  symlinkSync(pgData, link);
  log(
    `PostgreSQL: the postgres user cannot enter ${dataDir}, so PostgreSQL's data lives in ${pgData} ` +
      `(${link} links to it; remove both to start afresh)`,
  );
  for (const stale of orphanedOutsideDirs())
    log(`PostgreSQL: ${stale} belongs to a data directory that is gone`);
  return { pgData, user };
}

/**
 * Throws away PostgreSQL's data for `fresh`: the link and what it points to, but only a directory
 * whose note names this data directory (never whatever else a link might point at).
 */
export function removePostgresData(dataDir: string): void {
  const outside = linkedOutside(dataDir);
  if (outside) rmSync(outside, { recursive: true, force: true });
  rmSync(join(dataDir, 'postgres'), { recursive: true, force: true });
}

/** The directory under OUTSIDE_ROOT that `<dataDir>/postgres` links to, if it is ours. */
function linkedOutside(dataDir: string): string | undefined {
  const target = linkTarget(join(dataDir, 'postgres'));
  if (!target) return undefined;
  const outside = dirname(target);
  const note = join(outside, OWNER_NOTE);
  return existsSync(note) && readFileSync(note, 'utf8').trim() === dataDir ? outside : undefined;
}

function linkTarget(link: string): string | undefined {
  try {
    return lstatSync(link).isSymbolicLink() ? readlinkSync(link) : undefined;
  } catch {
    return undefined;
  }
}

function prepareOutside(outside: string, dataDir: string, user: ServerUser): void {
  mkdirSync(outside, { recursive: true });
  // mkdtemp makes it 0700: the postgres user must pass through it to its own directory.
  chmodSync(outside, 0o755);
  writeFileSync(join(outside, OWNER_NOTE), `${dataDir}\n`);
  makeDataDir(join(outside, 'postgres'), user);
}

/** An empty data directory for initdb, owned by the user the server runs as. */
function makeDataDir(pgData: string, user: ServerUser): void {
  mkdirSync(pgData, { recursive: true, mode: 0o700 });
  chownSync(pgData, user.uid, user.gid);
}

/** Directories under OUTSIDE_ROOT whose data directory no longer exists (a checkout removed). */
function orphanedOutsideDirs(): string[] {
  return readdirSync(OUTSIDE_ROOT)
    .map((name) => join(OUTSIDE_ROOT, name))
    .filter((dir) => {
      const note = join(dir, OWNER_NOTE);
      return existsSync(note) && !existsSync(readFileSync(note, 'utf8').trim());
    });
}

function checkoutName(dataDir: string): string {
  // `/root/src/mammut/.data/local` → `mammut-local`
  return `${basename(dirname(dirname(dataDir)))}-${basename(dataDir)}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export function serverUser(name: string): ServerUser {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { name, uid, gid };
  } catch {
    throw new InfraError(
      `No ${name} user to run PostgreSQL as: apt-get install -y postgresql, or set DATABASE_URL`,
    );
  }
}

/** Whether `user` can reach `dir` through all its parents (what `cd` as that user needs). */
function canEnter(user: ServerUser, dir: string): boolean {
  const result = spawnSync('test', ['-x', dir], { uid: user.uid, gid: user.gid, cwd: '/' });
  return result.status === 0;
}
