// `npm start`: modules, build, then the all-in-one process (which brings up PostgreSQL, Redis and
// NATS when none are configured). Signals go to the child, which stops everything it started.
import { spawn } from 'node:child_process';
import { build, ensureModules } from './bootstrap.mjs';

ensureModules();
build();
const child = spawn(process.execPath, ['--enable-source-maps', 'dist/apps/all-in-one/src/main.js'], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
