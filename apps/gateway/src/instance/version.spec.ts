import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAMMUT_VERSION, MASTODON_COMPATIBLE_VERSION } from '@mammut/platform';
import { INSTANCE_VERSION } from './version';

describe('advertised version', () => {
  it('matches package.json and starts with the Mastodon semver clients parse', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as {
      version: string;
    };
    expect(MAMMUT_VERSION).toBe(pkg.version);
    expect(INSTANCE_VERSION).toBe(`4.3.0 (compatible; Mammut ${pkg.version})`);
    expect(INSTANCE_VERSION.startsWith(MASTODON_COMPATIBLE_VERSION)).toBe(true);
  });
});
