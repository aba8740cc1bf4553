import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/**
 * What the image holds, made the way its Dockerfile makes it: `npm run build` into dist/, then
 * `npm ci --omit=dev` beside it (from npm's cache when it holds every package; install scripts
 * off, argon2 compiled). Made in a directory of its own under the system's temp dir
 * (never under a home that may be mode 700) and left readable to all, writable by its owner
 * alone: a process running as another user finds it as the image's read-only root file system.
 */
export function productionCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mammut-image-'));
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--out', join(dir, 'dist')], {
    stdio: 'pipe',
  });
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(root, file), join(dir, file));
  const npm = (args: string[]): void => {
    execFileSync('npm', args, { cwd: dir, stdio: 'pipe', env: { ...process.env, NODE_ENV: 'production' } });
  };
  npm(['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund']);
  // As the Dockerfile: argon2's prebuilt binary crashes Node 20 when loaded, so it is compiled.
  npm(['rebuild', 'argon2', '--build-from-source']);
  chmodSync(dir, 0o755);
  return dir;
}
