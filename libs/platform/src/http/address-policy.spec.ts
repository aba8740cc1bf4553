import ipaddr from 'ipaddr.js';
import { AddressPolicy, classifyAddress } from './address-policy';

/** Every IPv4 block that is not globally reachable, with the first, a middle and the last address. */
const V4_SPECIAL: readonly (readonly [block: string, addresses: readonly string[]])[] = [
  ['0.0.0.0/8 this network', ['0.0.0.0', '0.1.2.3', '0.255.255.255']],
  ['10.0.0.0/8 private', ['10.0.0.0', '10.1.2.3', '10.255.255.255']],
  ['100.64.0.0/10 CGNAT', ['100.64.0.0', '100.100.100.200', '100.127.255.255']],
  ['127.0.0.0/8 loopback', ['127.0.0.0', '127.0.0.1', '127.255.255.255']],
  ['169.254.0.0/16 link-local (cloud metadata)', ['169.254.0.0', '169.254.169.254', '169.254.255.255']],
  ['172.16.0.0/12 private', ['172.16.0.0', '172.20.1.1', '172.31.255.255']],
  ['192.0.0.0/24 IETF protocol assignments', ['192.0.0.0', '192.0.0.8', '192.0.0.170', '192.0.0.255']],
  ['192.0.2.0/24 TEST-NET-1', ['192.0.2.0', '192.0.2.1', '192.0.2.255']],
  ['192.88.99.0/24 6to4 relay', ['192.88.99.0', '192.88.99.1', '192.88.99.255']],
  ['192.168.0.0/16 private', ['192.168.0.0', '192.168.1.1', '192.168.255.255']],
  ['198.18.0.0/15 benchmarking', ['198.18.0.0', '198.18.5.5', '198.19.255.255']],
  ['198.51.100.0/24 TEST-NET-2', ['198.51.100.0', '198.51.100.7', '198.51.100.255']],
  ['203.0.113.0/24 TEST-NET-3', ['203.0.113.0', '203.0.113.9', '203.0.113.255']],
  ['224.0.0.0/4 multicast', ['224.0.0.0', '224.0.0.251', '239.255.255.255']],
  ['240.0.0.0/4 reserved', ['240.0.0.0', '250.1.2.3', '255.255.255.254']],
  ['255.255.255.255 broadcast', ['255.255.255.255']],
];

/** IPv6 blocks outside global unicast, or special inside it. */
const V6_SPECIAL: readonly (readonly [block: string, addresses: readonly string[]])[] = [
  ['::/128 unspecified', ['::']],
  ['::1/128 loopback', ['::1']],
  ['::/96 IPv4-compatible (deprecated)', ['::7f00:1', '::127.0.0.1', '::808:808', '::8.8.8.8', '::a00:1']],
  ['::ffff:0:0:0/96 IPv4-translated (SIIT)', ['::ffff:0:7f00:1', '::ffff:0:808:808']],
  [
    '64:ff9b:1::/48 local-use NAT64',
    ['64:ff9b:1::', '64:ff9b:1::a00:1', '64:ff9b:1::808:808', '64:ff9b:1:ffff::1'],
  ],
  ['100::/64 discard', ['100::', '100::1', '100::ffff:ffff:ffff:ffff']],
  [
    '2001::/23 IETF protocol assignments',
    ['2001::', '2001::1', '2001:2::1', '2001:10::1', '2001:20::1', '2001:1ff::1'],
  ],
  ['2001::/32 Teredo', ['2001:0:4136:e378:8000:63bf:3fff:fdd2']],
  ['2001:db8::/32 documentation', ['2001:db8::', '2001:db8::1', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['3fff::/20 documentation', ['3fff::', '3fff::1', '3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['5f00::/16 segment routing', ['5f00::1']],
  ['fc00::/7 unique local', ['fc00::', 'fd00::1', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['fe80::/10 link-local', ['fe80::', 'fe80::1', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['fec0::/10 site-local (deprecated)', ['fec0::1']],
  ['ff00::/8 multicast', ['ff00::', 'ff02::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['outside 2000::/3', ['1::1', '4000::1', 'e000::1']],
];

const V4_GLOBAL = [
  '1.1.1.1',
  '8.8.8.8',
  '9.9.9.9',
  '100.63.255.255',
  '100.128.0.0',
  '172.15.255.255',
  '172.32.0.0',
];
const V6_GLOBAL = [
  '2606:4700:4700::1111',
  '2a01:4f8::1',
  '2001:200::1',
  '2620:0:2d0:200::7',
  '2a00:1450:4001::1',
];

/** The IPv6 forms an IPv4 address can hide in. */
const v4InV6 = (v4: string): Record<string, string> => {
  const [a, b, c, d] = ipaddr.IPv4.parse(v4).octets;
  const hex = (high: number, low: number) => ((high << 8) | low).toString(16);
  return {
    'IPv4-mapped dotted': `::ffff:${v4}`,
    'IPv4-mapped hex': `::ffff:${hex(a, b)}:${hex(c, d)}`,
    'IPv4-mapped long form': `0:0:0:0:0:ffff:${hex(a, b)}:${hex(c, d)}`,
    'IPv4-compatible': `::${hex(a, b)}:${hex(c, d)}`,
    NAT64: `64:ff9b::${hex(a, b)}:${hex(c, d)}`,
    'NAT64 dotted': `64:ff9b::${v4}`,
    'local-use NAT64': `64:ff9b:1::${hex(a, b)}:${hex(c, d)}`,
    '6to4': `2002:${hex(a, b)}:${hex(c, d)}::1`,
  };
};

const refused = (address: string) => classifyAddress(address).allowed;

describe('classifyAddress: only global unicast passes', () => {
  describe.each(V4_SPECIAL)('IPv4 %s', (_, addresses) => {
    it.each(addresses)('refuses %s and every IPv6 form of it', (address) => {
      expect(refused(address)).toBe(false);
      for (const [form, v6] of Object.entries(v4InV6(address))) {
        expect([form, v6, classifyAddress(v6).allowed]).toEqual([form, v6, false]);
      }
    });
  });

  it.each(V6_SPECIAL)('refuses IPv6 %s', (_, addresses) => {
    for (const address of addresses)
      expect([address, classifyAddress(address).allowed]).toEqual([address, false]);
  });

  it.each(V4_GLOBAL)(
    'allows global %s, mapped (dialled as IPv4), NAT64 and 6to4, but not IPv4-compatible',
    (v4) => {
      expect(classifyAddress(v4)).toEqual({ allowed: true, address: v4, family: 4 });
      const forms = v4InV6(v4);
      expect(classifyAddress(forms['IPv4-mapped dotted'])).toEqual({ allowed: true, address: v4, family: 4 });
      expect(classifyAddress(forms['IPv4-mapped hex'])).toEqual({ allowed: true, address: v4, family: 4 });
      expect(classifyAddress(forms.NAT64).allowed).toBe(true);
      expect(classifyAddress(forms['6to4']).allowed).toBe(true);
      expect(classifyAddress(forms['IPv4-compatible']).allowed).toBe(false);
      expect(classifyAddress(forms['local-use NAT64']).allowed).toBe(false);
    },
  );

  it.each(V6_GLOBAL)('allows global IPv6 %s', (v6) => {
    expect(classifyAddress(v6)).toEqual({ allowed: true, address: ipaddr.parse(v6).toString(), family: 6 });
  });

  it.each([
    '127.1',
    '0x7f.0.0.1',
    '017700000001',
    '2130706433',
    'localhost',
    '',
    'fe80::1%eth0',
    '1.1.1.1 ',
    '[::1]',
  ])(
    'refuses %j: not a canonical address (the URL parser and resolvers only give canonical ones)',
    (text) => {
      expect(classifyAddress(text).allowed).toBe(false);
    },
  );

  it('names why an address is refused', () => {
    expect(classifyAddress('127.0.0.1')).toEqual({
      allowed: false,
      address: '127.0.0.1',
      reason: 'loopback',
    });
    expect(classifyAddress('::ffff:10.0.0.1')).toMatchObject({ reason: 'IPv4-mapped private' });
    expect(classifyAddress('64:ff9b::a9fe:a9fe')).toMatchObject({ reason: 'NAT64 of link-local' });
  });
});

describe('AddressPolicy: narrow exceptions for tests', () => {
  it('with no exceptions is the production classifier', () => {
    const policy = new AddressPolicy();
    for (const address of ['127.0.0.1', '::1', '10.0.0.1', '::ffff:127.0.0.1']) {
      expect(policy.check(address).allowed).toBe(false);
    }
    expect(policy.check('8.8.8.8').allowed).toBe(true);
  });

  it('lets through exactly the listed addresses and ranges, in their mapped forms too, and nothing next to them', () => {
    const policy = new AddressPolicy(['127.0.0.2', 'fd00:1::/64']);
    expect(policy.check('127.0.0.2')).toEqual({ allowed: true, address: '127.0.0.2', family: 4 });
    expect(policy.check('::ffff:127.0.0.2')).toEqual({ allowed: true, address: '127.0.0.2', family: 4 });
    expect(policy.check('fd00:1::5').allowed).toBe(true);
    for (const address of ['127.0.0.1', '127.0.0.3', '::1', 'fd00:2::5', '::ffff:127.0.0.1', '::7f00:2']) {
      expect([address, policy.check(address).allowed]).toEqual([address, false]);
    }
  });
});
