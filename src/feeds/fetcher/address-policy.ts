/**
 * Which IP addresses a feed may be fetched from. Pure code: no DNS, no sockets.
 *
 * Feed URLs are chosen by users, so without this a feed URL is a way to make the server request its own
 * admin endpoints, the cloud metadata service (169.254.169.254) or anything on the private network.
 * The rule is an allow-list in spirit: an address is public only when it is in no special-purpose range
 * (IANA IPv4/IPv6 special-purpose registries), and IPv6 forms that embed an IPv4 address (mapped, NAT64,
 * 6to4) are judged by the IPv4 address they lead to.
 */
import { isIP, isIPv4, isIPv6 } from 'node:net';

export type AddressKind =
  | 'public'
  | 'invalid'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'carrier_grade_nat'
  | 'ietf_protocol'
  | 'documentation'
  | 'benchmarking'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

interface Range {
  readonly bits: 32 | 128;
  readonly network: bigint;
  readonly prefix: number;
  readonly kind: AddressKind;
}

/** `a.b.c.d` (strict dotted quad, as DNS and the WHATWG URL parser produce) to a 32-bit number. */
function parseIPv4(text: string): bigint | undefined {
  if (!isIPv4(text)) return undefined;
  return text.split('.').reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

/** Any RFC 4291 text form, with or without brackets and zone, to a 128-bit number. */
function parseIPv6(text: string): bigint | undefined {
  let value = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = value.indexOf('%');
  if (zone >= 0) value = value.slice(0, zone);
  if (!isIPv6(value)) return undefined;
  const lastColon = value.lastIndexOf(':');
  const tail = value.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIPv4(tail);
    if (v4 === undefined) return undefined;
    value = `${value.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = value.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function parseCidr(text: string): { bits: 32 | 128; network: bigint; prefix: number } | undefined {
  const [address = '', prefixText] = text.split('/');
  const v4 = parseIPv4(address);
  const bits = v4 !== undefined ? 32 : 128;
  const network = v4 ?? parseIPv6(address);
  if (network === undefined) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    return undefined;
  }
  return { bits, network, prefix };
}

function inRange(value: bigint, range: { bits: number; network: bigint; prefix: number }): boolean {
  const shift = BigInt(range.bits - range.prefix);
  return value >> shift === range.network >> shift;
}

function table(entries: readonly [string, AddressKind][]): Range[] {
  return entries.map(([cidr, kind]) => {
    const parsed = parseCidr(cidr);
    if (!parsed) throw new Error(`bad built-in range ${cidr}`);
    return { ...parsed, kind };
  });
}

// First match wins: more specific entries come before the ranges that contain them.
const IPV4_RANGES = table([
  ['0.0.0.0/32', 'unspecified'],
  ['0.0.0.0/8', 'reserved'], // "this network": 0.x.y.z reaches the local host on Linux
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier_grade_nat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link_local'], // cloud metadata services live here
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'ietf_protocol'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'], // deprecated 6to4 relay anycast
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['240.0.0.0/4', 'reserved'],
]);

const IPV6_RANGES = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'reserved'], // deprecated IPv4-compatible addresses
  ['::ffff:0:0:0/96', 'reserved'], // SIIT translated addresses
  ['64:ff9b:1::/48', 'reserved'], // local-use NAT64: translates to the local network
  ['100::/64', 'reserved'], // discard-only
  ['2001:db8::/32', 'documentation'],
  ['2001::/23', 'ietf_protocol'], // Teredo, benchmarking, ORCHID...: never a feed host
  ['3fff::/20', 'documentation'],
  ['fc00::/7', 'private'], // unique local
  ['fe80::/10', 'link_local'],
  ['fec0::/10', 'reserved'], // deprecated site-local
  ['ff00::/8', 'multicast'],
]);

/** IPv6 prefixes that carry an IPv4 address in their low bits (or, for 6to4, bits 16..47). */
const MAPPED = table([['::ffff:0:0/96', 'reserved']])[0]!;
const NAT64 = table([['64:ff9b::/96', 'reserved']])[0]!;
const SIX_TO_FOUR = table([['2002::/16', 'reserved']])[0]!;
const GLOBAL_UNICAST = table([['2000::/3', 'public']])[0]!;

function classifyIPv4Value(value: bigint): AddressKind {
  return IPV4_RANGES.find((range) => inRange(value, range))?.kind ?? 'public';
}

function classifyIPv6Value(value: bigint): AddressKind {
  if (inRange(value, MAPPED) || inRange(value, NAT64)) return classifyIPv4Value(value & 0xffffffffn);
  if (inRange(value, SIX_TO_FOUR)) return classifyIPv4Value((value >> 80n) & 0xffffffffn);
  const special = IPV6_RANGES.find((range) => inRange(value, range))?.kind;
  if (special) return special;
  // Outside 2000::/3 nothing is allocated for global unicast: treat it as unroutable.
  return inRange(value, GLOBAL_UNICAST) ? 'public' : 'reserved';
}

/**
 * The kind of an IP address in text form (IPv4 dotted quad, or IPv6 with optional brackets and zone).
 * Anything that is not an IP address is `invalid`.
 */
export function classifyAddress(address: string): AddressKind {
  const v4 = parseIPv4(address);
  if (v4 !== undefined) return classifyIPv4Value(v4);
  const v6 = parseIPv6(address);
  if (v6 !== undefined) return classifyIPv6Value(v6);
  return 'invalid';
}

/** The IP address in a WHATWG URL hostname (`[::1]` → `::1`), or undefined for a DNS name. */
export function literalAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}

export type AddressVerdict = { allowed: true; kind: AddressKind } | { allowed: false; kind: AddressKind };

export interface AddressPolicyOptions {
  /** Allow every valid address, private ones included (tests, intranet deployments). Default false. */
  allowPrivateAddresses?: boolean;
  /**
   * Addresses or CIDR ranges (`127.0.0.1`, `10.1.0.0/16`, `fd00::/8`) allowed even though they are in a
   * blocked range: one trusted intranet host, or the loopback fixture server of the tests.
   */
  allowedAddresses?: readonly string[];
}

export interface AddressPolicy {
  check(address: string): AddressVerdict;
}

export function createAddressPolicy(options: AddressPolicyOptions = {}): AddressPolicy {
  const allowed = (options.allowedAddresses ?? []).map((entry) => {
    const parsed = parseCidr(entry.trim());
    if (!parsed) throw new RangeError(`allowedAddresses: ${JSON.stringify(entry)} is not an IP address or CIDR range`);
    return parsed;
  });

  function explicitlyAllowed(address: string): boolean {
    const v4 = parseIPv4(address);
    const v6 = v4 === undefined ? parseIPv6(address) : undefined;
    // A socket on a dual-stack listener reports ::ffff:a.b.c.d: it is the same host as a.b.c.d.
    const embedded = v6 !== undefined && inRange(v6, MAPPED) ? v6 & 0xffffffffn : undefined;
    return allowed.some(
      (range) =>
        (range.bits === 32 && v4 !== undefined && inRange(v4, range)) ||
        (range.bits === 32 && embedded !== undefined && inRange(embedded, range)) ||
        (range.bits === 128 && v6 !== undefined && inRange(v6, range)),
    );
  }

  return {
    check(address) {
      const kind = classifyAddress(address);
      if (kind === 'public') return { allowed: true, kind };
      if (kind === 'invalid') return { allowed: false, kind };
      if (options.allowPrivateAddresses || explicitlyAllowed(address)) return { allowed: true, kind };
      return { allowed: false, kind };
    },
  };
}
