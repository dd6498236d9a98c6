// Decides whether an address is public (globally routable) and may be sent to an external lookup
// service, following the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and updates).
//
// Why so thorough: sending internal addresses to a third party leaks the network's layout, and
// PyNetGuard's check missed 172.16.0.0/12. Anything that is not clearly global unicast is kept home.
import { parseIpv4, parseIpv6 } from '../decode/addr.js';

interface V4Range {
  net: number;
  bits: number;
  label: string;
}

function v4(cidr: string, label: string): V4Range {
  const [a, b] = cidr.split('/');
  return { net: parseIpv4(a) as number, bits: Number(b), label: `${cidr} ${label}` };
}

/** IPv4 blocks that are never looked up. */
const V4_NON_PUBLIC: readonly V4Range[] = [
  v4('0.0.0.0/8', '"this network"'),
  v4('10.0.0.0/8', 'private (RFC 1918)'),
  v4('100.64.0.0/10', 'shared address space / CGNAT (RFC 6598)'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private (RFC 1918)'),
  v4('192.0.0.0/24', 'IETF protocol assignments'),
  v4('192.0.2.0/24', 'documentation (TEST-NET-1)'),
  v4('192.31.196.0/24', 'AS112-v4'),
  v4('192.52.193.0/24', 'AMT'),
  v4('192.88.99.0/24', 'deprecated 6to4 relay anycast'),
  v4('192.168.0.0/16', 'private (RFC 1918)'),
  v4('192.175.48.0/24', 'direct delegation AS112'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('198.51.100.0/24', 'documentation (TEST-NET-2)'),
  v4('203.0.113.0/24', 'documentation (TEST-NET-3)'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'),
  v4('255.255.255.255/32', 'limited broadcast'),
];

/** Why an IPv4 address (as a number) is not public, or null when it is. */
export function ipv4NonPublicReason(n: number): string | null {
  for (const r of V4_NON_PUBLIC) {
    const mask = r.bits === 0 ? 0 : (0xffffffff << (32 - r.bits)) >>> 0;
    if (((n & mask) >>> 0) === r.net) return r.label;
  }
  return null;
}

interface V6Range {
  bytes: Uint8Array;
  bits: number;
  label: string;
  /** The low 32 bits (or bits 16..48 for 6to4) embed an IPv4 address that decides instead. */
  embedsV4?: 'low32' | '6to4';
}

function v6(cidr: string, label: string, embedsV4?: 'low32' | '6to4'): V6Range {
  const [a, b] = cidr.split('/');
  return { bytes: parseIpv6(a) as Uint8Array, bits: Number(b), label: `${cidr} ${label}`, embedsV4 };
}

/** IPv6 blocks inside 2000::/3 (global unicast) that are still not public, plus embedded-IPv4 forms. */
const V6_SPECIAL: readonly V6Range[] = [
  v6('::ffff:0:0/96', 'IPv4-mapped', 'low32'),
  v6('64:ff9b::/96', 'NAT64 well-known prefix', 'low32'),
  v6('64:ff9b:1::/48', 'local-use NAT64'),
  v6('100::/64', 'discard-only'),
  v6('2001:db8::/32', 'documentation'),
  v6('2001::/23', 'IETF protocol assignments'),
  v6('2002::/16', '6to4', '6to4'),
  v6('3fff::/20', 'documentation (RFC 9637)'),
  v6('5f00::/16', 'SRv6 SIDs'),
  v6('fc00::/7', 'unique local (ULA)'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'deprecated site-local'),
  v6('ff00::/8', 'multicast'),
];

function prefixMatch(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  let left = bits;
  for (let i = 0; i < 16 && left > 0; i++, left -= 8) {
    const m = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
    if ((a[i] & m) !== (b[i] & m)) return false;
  }
  return true;
}

/** Why IPv6 bytes are not public, or null when they are. */
export function ipv6NonPublicReason(b: Uint8Array): string | null {
  if (b.every((x) => x === 0)) return '::/128 unspecified';
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return '::1/128 loopback';
  for (const r of V6_SPECIAL) {
    if (!prefixMatch(b, r.bytes, r.bits)) continue;
    if (r.embedsV4 === 'low32') {
      const inner = ((b[12] << 24) | (b[13] << 16) | (b[14] << 8) | b[15]) >>> 0;
      const why = ipv4NonPublicReason(inner);
      return why === null ? null : `${r.label} of ${why}`;
    }
    if (r.embedsV4 === '6to4') {
      const inner = ((b[2] << 24) | (b[3] << 16) | (b[4] << 8) | b[5]) >>> 0;
      const why = ipv4NonPublicReason(inner);
      return why === null ? null : `${r.label} of ${why}`;
    }
    return r.label;
  }
  // Only 2000::/3 is allocated as global unicast; everything else is reserved by IANA.
  if ((b[0] & 0xe0) !== 0x20) return 'outside 2000::/3 (reserved)';
  return null;
}

/**
 * Why an address must not be sent to an outside service ("10.0.0.0/8 private (RFC 1918)",
 * "not an IP address"), or null when it is a public address.
 */
export function nonPublicReason(ip: string | number): string | null {
  if (typeof ip === 'number') return ipv4NonPublicReason(ip >>> 0);
  const t = ip.trim();
  const n = parseIpv4(t);
  if (n !== null) return ipv4NonPublicReason(n);
  // Zone ids ("fe80::1%eth0") are link-scoped by definition.
  if (t.includes('%')) return 'scoped address';
  const b = parseIpv6(t);
  if (!b) return 'not an IP address';
  return ipv6NonPublicReason(b);
}

/** True when the address is globally routable and may be looked up. */
export function isPublicIp(ip: string | number): boolean {
  return nonPublicReason(ip) === null;
}
