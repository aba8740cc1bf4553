// Shared by `npm start`, `npm test` and `npm run mammut`: installs node modules when missing and
// compiles the tree, using nothing but Node itself until the modules are there.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

export function ensureModules() {
  const lock = 'package-lock.json';
  const marker = 'node_modules/.package-lock.json';
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('installing node modules (npm ci) …');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

export function build() {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
