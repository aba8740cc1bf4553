// Shared by `npm start`, `npm test` and `npm run mammut`: installs node modules when missing and
// compiles the tree, using nothing but Node itself until the modules are there.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

export function ensureModules() {
  const lock = 'package-lock.json';
  const marker = 'node_modules/.package-lock.json';
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  // `npm install` with the committed lock installs exactly the locked versions. (`npm ci` refuses
  // this lock: npm 11 leaves other platforms' optional binaries out of it and then reports them missing.)
  console.log('installing node modules (npm install, locked versions) …');
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

export function build() {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
