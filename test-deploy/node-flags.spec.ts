import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(__dirname, '..');

/** The flags `npm start` and the bench run node with. */
const flags = JSON.parse(readFileSync(join(repo, 'scripts/node-flags.json'), 'utf8')) as string[];

/** NODE_OPTIONS as the image's ENV instruction sets it. */
function imageNodeOptions(): string[] {
  const dockerfile = readFileSync(join(repo, 'docker/Dockerfile'), 'utf8');
  const value = /NODE_OPTIONS=(?:"([^"]*)"|(\S+))/.exec(dockerfile);
  if (!value) throw new Error('docker/Dockerfile sets no NODE_OPTIONS');
  return (value[1] ?? value[2]).split(/\s+/).filter(Boolean);
}

describe('node flags', () => {
  it('are the same in the image as where `npm start` takes them from', () => {
    expect(imageNodeOptions()).toEqual(flags);
  });

  it('size the young generation for the requests in flight (ADR 0029)', () => {
    expect(flags).toContain('--max-semi-space-size=64');
  });
});
