import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Block = readonly [name: string, range: [Address, number]];

const block = (name: string, cidr: string): Block => [name, ipaddr.parseCIDR(cidr)];

/**
 * IPv4 blocks that are not globally reachable, from IANA's special-purpose registry plus multicast
 * and the old class E. ipaddr.js names all of them too; keeping our own table means a block that a
 * later ipaddr.js renames or forgets still fails closed, and the test table reads from one place.
 */
const V4_BLOCKS: readonly Block[] = [
  block('this network', '0.0.0.0/8'),
  block('private', '10.0.0.0/8'),
  block('shared address space (CGNAT)', '100.64.0.0/10'),
  block('loopback', '127.0.0.0/8'),
  block('link-local', '169.254.0.0/16'),
  block('private', '172.16.0.0/12'),
  block('IETF protocol assignments', '192.0.0.0/24'),
  block('documentation (TEST-NET-1)', '192.0.2.0/24'),
  block('6to4 relay anycast', '192.88.99.0/24'),
  block('private', '192.168.0.0/16'),
  block('benchmarking', '198.18.0.0/15'),
  block('documentation (TEST-NET-2)', '198.51.100.0/24'),
  block('documentation (TEST-NET-3)', '203.0.113.0/24'),
  block('multicast', '224.0.0.0/4'),
  block('reserved (class E)', '240.0.0.0/4'),
  block('limited broadcast', '255.255.255.255/32'),
];

/** Global unicast IPv6 is 2000::/3; everything outside it (::, ::1, ::/96, fc00::/7, fe80::/10, ff00::/8, 100::/64, 5f00::/16...) is refused without a table. */
const V6_GLOBAL = ipaddr.parseCIDR('2000::/3');

/** Special-purpose blocks inside 2000::/3. */
const V6_BLOCKS: readonly Block[] = [
  // Teredo, benchmarking, AMT, AS112, ORCHID, drone tags: all IETF protocol assignments.
  block('IETF protocol assignments', '2001::/23'),
  block('documentation', '2001:db8::/32'),
  block('documentation', '3fff::/20'),
];

const IPV4_MAPPED = ipaddr.parseCIDR('::ffff:0:0/96');
/** RFC 6052 well-known NAT64 prefix: the last 32 bits are the IPv4 address the gateway reaches. */
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');
/** RFC 8215 local-use NAT64: where the IPv4 address sits is the operator's choice, so nothing can be checked. */
const NAT64_LOCAL = ipaddr.parseCIDR('64:ff9b:1::/48');
/** 6to4 (RFC 3056): bits 16–48 are the IPv4 address of the tunnel end. */
const SIX_TO_FOUR = ipaddr.parseCIDR('2002::/16');

export type AddressVerdict =
  | Readonly<{ allowed: true; address: string; family: 4 | 6 }>
  | Readonly<{ allowed: false; address: string; reason: string }>;

const v4FromParts = (high: number, low: number): ipaddr.IPv4 =>
  new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);

function classifyV4(address: ipaddr.IPv4, via = ''): string | undefined {
  const hit = V4_BLOCKS.find(([, range]) => address.match(range));
  if (hit) return `${via}${hit[0]}`;
  // Belt and braces: whatever ipaddr.js does not call plain unicast is refused too.
  if (address.range() !== 'unicast') return `${via}${address.range()}`;
  return undefined;
}

function classifyV6(address: ipaddr.IPv6): string | undefined {
  if (address.match(NAT64)) {
    const parts = address.parts;
    return classifyV4(v4FromParts(parts[6], parts[7]), 'NAT64 of ') ?? undefined;
  }
  if (address.match(NAT64_LOCAL)) return 'local-use NAT64';
  if (!address.match(V6_GLOBAL)) return 'not global unicast IPv6';
  if (address.match(SIX_TO_FOUR)) {
    const parts = address.parts;
    return classifyV4(v4FromParts(parts[1], parts[2]), '6to4 of ');
  }
  const hit = V6_BLOCKS.find(([, range]) => address.match(range));
  if (hit) return hit[0];
  const range = address.range();
  return range === 'unicast' ? undefined : range;
}

/**
 * `::8.8.8.8` as `::808:808`. ipaddr.js reads any dotted tail as IPv4-mapped (`::ffff:8.8.8.8`),
 * which would judge an IPv4-compatible address as the mapped one; spelled in hex it is parsed as
 * what it is.
 */
function hexTail(text: string): string {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!dotted) return text;
  const [a, b, c, d] = dotted.slice(1).map(Number);
  const hex = (high: number, low: number) => ((high << 8) | low).toString(16);
  return `${text.slice(0, dotted.index)}${hex(a, b)}:${hex(c, d)}`;
}

/**
 * Whether an address may be dialled: only global unicast passes (an allow-list: 2000::/3 for IPv6,
 * "ordinary unicast" for IPv4, each minus the special-purpose blocks inside). IPv4-mapped IPv6 is
 * judged as the IPv4 it maps, and dialled as that IPv4. IPv4-compatible IPv6 (`::a.b.c.d`, long
 * deprecated) lies outside 2000::/3 and is refused whatever it embeds. Text that is not a plain
 * address (zone ids, `0x7f.1`, `127.1`) is refused: resolvers and the URL parser give canonical
 * forms, so anything else came from somewhere it should not have.
 */
export function classifyAddress(text: string): AddressVerdict {
  const family = isIP(text);
  if (family === 0) return { allowed: false, address: text, reason: 'not an IP address' };
  const parsed = ipaddr.parse(family === 6 ? hexTail(text) : text);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).match(IPV4_MAPPED)) {
    const v4 = (parsed as ipaddr.IPv6).toIPv4Address();
    const reason = classifyV4(v4, 'IPv4-mapped ');
    return reason
      ? { allowed: false, address: text, reason }
      : { allowed: true, address: v4.toString(), family: 4 };
  }
  const reason =
    parsed.kind() === 'ipv4' ? classifyV4(parsed as ipaddr.IPv4) : classifyV6(parsed as ipaddr.IPv6);
  return reason
    ? { allowed: false, address: text, reason }
    : { allowed: true, address: parsed.toString(), family: family as 4 | 6 };
}

/**
 * The production classifier plus the exceptions an operator set for development and tests
 * (`FEDERATION_ALLOW_PRIVATE_ADDRESSES`, refused in production): narrow ranges such as the one
 * loopback address a fake peer listens on, never "everything".
 */
export class AddressPolicy {
  private readonly exceptions: readonly [Address, number][];

  constructor(exceptions: readonly string[] = []) {
    this.exceptions = exceptions.map((item): [Address, number] => {
      if (item.includes('/')) return ipaddr.parseCIDR(item);
      const address = ipaddr.parse(item);
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    });
  }

  check(text: string): AddressVerdict {
    const verdict = classifyAddress(text);
    if (verdict.allowed || isIP(text) === 0 || this.exceptions.length === 0) return verdict;
    const address = ipaddr.process(isIP(text) === 6 ? hexTail(text) : text);
    const excepted = this.exceptions.some(
      ([range, bits]) => range.kind() === address.kind() && address.match(range, bits),
    );
    if (!excepted) return verdict;
    return { allowed: true, address: address.toString(), family: address.kind() === 'ipv4' ? 4 : 6 };
  }
}
