import { normalizeDomain, ruleDomainsOf } from './domain-names';

describe('normalizeDomain', () => {
  it('lower-cases, converts to ASCII and drops a trailing dot, keeping a named port', () => {
    expect(normalizeDomain(' Example.COM. ')).toBe('example.com');
    expect(normalizeDomain('bücher.example')).toBe('xn--bcher-kva.example');
    expect(normalizeDomain('127.0.0.1:8443')).toBe('127.0.0.1:8443');
  });

  it('refuses what is not a bare host', () => {
    for (const input of [
      '',
      'https://example.com',
      'example.com/path',
      'a@example.com',
      'a b.com',
      '.com',
      'a..b',
    ])
      expect([input, normalizeDomain(input)]).toEqual([input, null]);
  });
});

describe('ruleDomainsOf', () => {
  it('lists the host and its parents, port-specific rules first', () => {
    expect(ruleDomainsOf('a.Example.com')).toEqual(['a.example.com', 'example.com', 'com']);
    expect(ruleDomainsOf('a.example.com:8443')).toEqual([
      'a.example.com:8443',
      'example.com:8443',
      'com:8443',
      'a.example.com',
      'example.com',
      'com',
    ]);
  });

  it('gives an address no parents', () => {
    expect(ruleDomainsOf('127.0.0.1:3000')).toEqual(['127.0.0.1:3000', '127.0.0.1']);
  });
});
