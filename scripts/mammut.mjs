// `npm run mammut -- <command>`: modules, build, then the operator CLI (apps/cli). Arguments after
// `--` reach the CLI unchanged; its exit code is ours. Run with `exec` for the reason start.mjs gives.
import { spawn } from 'node:child_process';
import { build, ensureModules } from './bootstrap.mjs';

ensureModules();
build();
const child = spawn(
  process.execPath,
  ['--enable-source-maps', 'dist/apps/cli/src/main.js', ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
