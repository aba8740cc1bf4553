import type { DomainBlockRecord } from '@mammut/contracts';
import { publicDomainOf, serializeDomainBlocks } from './domain-blocks.serializer';

const block = (domain: string, changes: Partial<DomainBlockRecord> = {}): DomainBlockRecord => ({
  id: '1',
  domain,
  severity: 'suspend',
  rejectMedia: false,
  rejectReports: false,
  obfuscate: false,
  privateComment: 'internal',
  publicComment: 'spam',
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:00.000Z',
  ...changes,
});

describe('serializeDomainBlocks', () => {
  it('stars out the middle of an obfuscated domain, keeping its dots, as Mastodon', () => {
    expect(publicDomainOf({ domain: 'example.com', obfuscate: true })).toBe('exa****.*om');
    expect(publicDomainOf({ domain: 'bad.example.org', obfuscate: true })).toBe('bad.*******.org');
    expect(publicDomainOf({ domain: 'example.com', obfuscate: false })).toBe('example.com');
  });

  it('lists silences and suspensions with the digest of the real domain, never the private comment', () => {
    const blocks = [block('noop.example', { severity: 'noop' }), block('example.com', { obfuscate: true })];
    expect(serializeDomainBlocks(blocks, true)).toEqual([
      {
        domain: 'exa****.*om',
        digest: 'a379a6f6eeafb9a55e378c118034e2751e682fab9f2d30ab13d2125586ce1947',
        severity: 'suspend',
        comment: 'spam',
      },
    ]);
    expect(serializeDomainBlocks(blocks, false)[0]).not.toHaveProperty('comment');
  });
});
