// `npm test`: modules, then one jest run (unit, integration, end-to-end) on one shared infra,
// ending with the line CI reads: `tests: N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureModules } from './bootstrap.mjs';
import { ensureOpenSearch } from './tools/opensearch.mjs';
import { ensureMinio } from './tools/minio.mjs';
import { ensureHelm } from './tools/helm.mjs';

ensureModules();
// The search tests' OpenSearch node (started lazily by test-e2e/support/opensearch.ts): its jars are
// fetched here, once, rather than inside a test's timeout. A failure fails only the tests that need it.
const openSearch = {};
try {
  openSearch.MAMMUT_OPENSEARCH_CLASSPATH = ensureOpenSearch();
} catch (error) {
  openSearch.MAMMUT_OPENSEARCH_ERROR = error instanceof Error ? error.message : String(error);
  console.log(`OpenSearch unavailable: ${openSearch.MAMMUT_OPENSEARCH_ERROR}`);
}
// The S3 tests' MinIO (built once). Without it the rest still runs, and those tests fail saying why.
try {
  ensureMinio();
} catch (error) {
  console.error(`${error.message}: the S3 tests will fail`);
}
// The chart tests' Helm (built once), likewise: without it only the test-deploy tests fail.
try {
  ensureHelm();
} catch (error) {
  console.error(`${error.message}: the chart tests will fail`);
}
const report = join(mkdtempSync(join(tmpdir(), 'mammut-jest-')), 'report.json');
const args = [
  'node_modules/jest/bin/jest.js',
  '--json',
  `--outputFile=${report}`,
  '--maxWorkers=2',
  ...process.argv.slice(2),
];
const run = spawnSync(process.execPath, args, {
  stdio: 'inherit',
  env: { ...process.env, ...openSearch, NODE_ENV: 'test' },
});
let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed = result.numPassedTests;
  failed = result.numFailedTests + (result.numRuntimeErrorTestSuites ?? 0);
}
const code = run.status ?? 1;
if (code !== 0 && failed === 0) failed = 1;
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(code);
