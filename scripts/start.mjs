// `npm start`: modules, build, then the all-in-one process (which brings up PostgreSQL, Redis and
// NATS when none are configured). Signals go to the child, which stops everything it started.
// package.json runs this with `exec`, so npm's shell gives way to it: a SIGTERM that npm forwards
// then reaches this process instead of killing the shell and leaving the server running.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { build, ensureModules } from './bootstrap.mjs';

// The flags every Mammut process runs with (the image sets the same in NODE_OPTIONS; see
// docs/adr/0029-young-generation.md).
const NODE_FLAGS = JSON.parse(readFileSync(new URL('./node-flags.json', import.meta.url), 'utf8'));

ensureModules();
build();
const child = spawn(process.execPath, [...NODE_FLAGS, 'dist/apps/all-in-one/src/main.js'], {
  stdio: 'inherit',
});
// Forwarded even though a terminal's Ctrl-C reaches the child directly too: a signal sent to this
// process alone (npm forwards SIGTERM and SIGINT to it) must stop the server as well, and the child
// treats a repeat as the same request.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
