import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

jest.setTimeout(120_000);

const repo = join(__dirname, '..');

/**
 * k8s/ is the chart rendered (scripts/render-k8s.mjs): a change to the chart or to k8s/values
 * that is not rendered again fails here, so the plain manifests never drift from the chart.
 */
describe('k8s/', () => {
  it('is what the chart renders', () => {
    const result = spawnSync(process.execPath, [join(repo, 'scripts/render-k8s.mjs'), '--check'], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect({ status: result.status, stderr: result.stderr.trim() }).toEqual({
      status: 0,
      stderr: '',
    });
  });
});
