import { transformFileSync } from '@swc/core';
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** Copies of this checkout for tests that run Mammut from somewhere else, or as someone else. */

export const checkoutRoot = join(__dirname, '..', '..');

/** The commit checked out here, or undefined when this is not a git checkout. */
export function headCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: checkoutRoot, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/**
 * A fresh clone of `commit` in `dir`, using this checkout's node_modules (linked, not installed),
 * which bootstrap then takes as up to date: it installs only when package-lock.json is newer than
 * node_modules' own record of it.
 */
export function cloneCommit(commit: string, dir: string): void {
  execFileSync('git', ['clone', '--quiet', '--no-checkout', checkoutRoot, dir]);
  execFileSync('git', ['-C', dir, 'checkout', '--quiet', '--detach', commit]);
  symlinkSync(realpathSync(join(checkoutRoot, 'node_modules')), join(dir, 'node_modules'));
  utimesSync(join(dir, 'package-lock.json'), new Date(0), new Date(0));
}

/**
 * The infra module and test-e2e/support/infra-entry.ts compiled into `dir`, with the packages they
 * load (pg and what pg needs) copied beside them: a program that runs without this checkout.
 * Answers the entry's path.
 */
export function buildInfraEntry(dir: string): string {
  const infra = 'libs/platform/src/infra';
  const sources = readdirSync(join(checkoutRoot, infra))
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))
    .map((name) => join(infra, name))
    .concat('test-e2e/support/infra-entry.ts');
  for (const source of sources) {
    const { code } = transformFileSync(join(checkoutRoot, source), {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    });
    const out = join(dir, source.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
  }
  copyPackage('pg', checkoutRoot, dir, new Set());
  return join(dir, 'test-e2e/support/infra-entry.js');
}

/** Copies a package and its dependencies, each to the same place under `dir/node_modules`. */
function copyPackage(name: string, from: string, dir: string, copied: Set<string>, optional = false): void {
  const found = findPackage(name, from);
  if (!found) {
    if (optional) return;
    throw new Error(`package ${name} not found from ${from}`);
  }
  if (copied.has(found)) return;
  copied.add(found);
  const modules = realpathSync(join(checkoutRoot, 'node_modules'));
  cpSync(found, join(dir, 'node_modules', relative(modules, found)), { recursive: true, dereference: true });
  const manifest = JSON.parse(readFileSync(join(found, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  for (const dep of Object.keys(manifest.dependencies ?? {})) copyPackage(dep, found, dir, copied);
  for (const dep of Object.keys(manifest.optionalDependencies ?? {}))
    copyPackage(dep, found, dir, copied, true);
}

/** Node's lookup: `node_modules/<name>` in the package's directory, then in each parent's. */
function findPackage(name: string, from: string): string | undefined {
  for (let at = realpathSync(from); ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(at) === at) return undefined;
  }
}
