// Community ID v1 flow hashing, following corelight's community-id-spec (https://github.com/corelight/community-id-spec).
//
// The hash input is: 2-byte seed, source and destination address (4 or 16 bytes each, network
// order), 1-byte IP protocol, 1 zero byte, then, for TCP, UDP, SCTP, ICMP and ICMPv6, 2-byte source
// and destination "ports". The endpoints are ordered so both directions of a flow hash the same: the
// smaller address first, ties broken by the smaller port. ICMP types that have a request/reply
// counterpart map (type, counterpart) to the port pair, so an echo request and its reply share an
// ID; one-way ICMP messages use (type, code) and keep their direction. Output is "1:" followed by the
// base64 of the SHA-1 digest. Pure computation: no I/O, no clock.
import crypto from 'node:crypto';
import { parseIpv4, parseIpv6 } from '../decode/addr.js';
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  LAYER_ICMP,
  LAYER_ICMPV6,
  LAYER_TCP,
  LAYER_UDP,
  type IpAddr,
  type Packet,
} from '../decode/packet.js';

export const IPPROTO_SCTP = 132;

/**
 * SHA-1 of `input` as text. Node's one-shot crypto.hash (Node 20.12 and later) makes no Hash object per
 * digest: about a third of the time of createHash().update().digest() for a flow tuple, and an alert storm
 * makes thousands (each raised alert's flow, each flow of its evidence, twice). Older Node 20 releases
 * have only the Hash object.
 */
const sha1Text: (input: Buffer, enc: 'base64' | 'hex') => string =
  typeof crypto.hash === 'function'
    ? (input, enc) => crypto.hash('sha1', input, enc)
    : (input, enc) => crypto.createHash('sha1').update(input).digest(enc);

/** ICMPv4 type counterparts (spec: echo, timestamp, info, router solicitation -> advert, address mask). */
const ICMP4_COUNTERPART: ReadonlyMap<number, number> = new Map([
  [8, 0],
  [0, 8],
  [13, 14],
  [14, 13],
  [15, 16],
  [16, 15],
  [10, 9],
  [9, 10],
  [17, 18],
  [18, 17],
]);

/** ICMPv6 type counterparts (spec: echo, router/neighbor discovery, MLD, node information, home agent discovery). */
const ICMP6_COUNTERPART: ReadonlyMap<number, number> = new Map([
  [128, 129],
  [129, 128],
  [133, 134],
  [134, 133],
  [135, 136],
  [136, 135],
  [130, 131],
  [131, 130],
  [139, 140],
  [140, 139],
  [144, 145],
  [145, 144],
]);

// The hash input is built in one of four fixed buffers (IPv4 or IPv6, with or without ports), so an
// alert's flow id allocates nothing for it: the attack mix hashes a flow for every alert and evidence row.
const INPUT4 = Buffer.alloc(12);
const INPUT4P = Buffer.alloc(16);
const INPUT6 = Buffer.alloc(36);
const INPUT6P = Buffer.alloc(40);
/** The two endpoints' address bytes, in network order, for the input being built. */
const srcBytes = new Uint8Array(16);
const dstBytes = new Uint8Array(16);

/**
 * Writes an address's bytes in network order into `out`; returns 4 or 16, or 0 when the text is not an
 * address.
 */
function addrBytes(a: IpAddr | string, out: Uint8Array): number {
  let n: number | null = typeof a === 'number' ? a : parseIpv4(a);
  if (n !== null) {
    n >>>= 0;
    out[0] = n >>> 24;
    out[1] = (n >>> 16) & 255;
    out[2] = (n >>> 8) & 255;
    out[3] = n & 255;
    return 4;
  }
  const v6 = parseIpv6(a as string);
  if (v6 === null) return 0;
  out.set(v6);
  return 16;
}

/** Compares the first `len` bytes of two byte strings as unsigned big-endian numbers. */
function compareBytes(a: Uint8Array, b: Uint8Array, len: number): number {
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function hasPorts(proto: number): boolean {
  return proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP || proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
}

/**
 * The bytes Community ID hashes for a flow tuple (seed, ordered endpoints, protocol, ports), or null when
 * an address does not parse or the two addresses are of different families. For ICMP and ICMPv6,
 * `sport` is the type and `dport` the code. The buffer is shared: hash it before the next call.
 */
function hashInput(proto: number, src: IpAddr | string, dst: IpAddr | string, sport: number, dport: number, seed: number): Buffer | null {
  const len = addrBytes(src, srcBytes);
  if (len === 0 || addrBytes(dst, dstBytes) !== len) return null;
  let s = srcBytes;
  let d = dstBytes;
  let sp = sport & 0xffff;
  let dp = dport & 0xffff;
  let oneWay = false;
  if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
    const table = proto === IPPROTO_ICMP ? ICMP4_COUNTERPART : ICMP6_COUNTERPART;
    const counterpart = table.get(sp);
    if (counterpart === undefined) oneWay = true;
    else dp = counterpart;
  }
  const ports = hasPorts(proto);
  if (!oneWay) {
    const c = compareBytes(s, d, len);
    if (c > 0 || (c === 0 && ports && sp > dp)) {
      s = dstBytes;
      d = srcBytes;
      const t = sp;
      sp = dp;
      dp = t;
    }
  }
  const buf = len === 4 ? (ports ? INPUT4P : INPUT4) : ports ? INPUT6P : INPUT6;
  buf[0] = (seed >>> 8) & 255;
  buf[1] = seed & 255;
  for (let i = 0; i < len; i++) {
    buf[2 + i] = s[i];
    buf[2 + len + i] = d[i];
  }
  let o = 2 + 2 * len;
  buf[o++] = proto & 0xff;
  buf[o++] = 0;
  if (ports) {
    buf[o++] = sp >>> 8;
    buf[o++] = sp & 255;
    buf[o++] = dp >>> 8;
    buf[o] = dp & 255;
  }
  return buf;
}

// The digest is taken as text (digest('base64'), digest('hex')), never as a Buffer: Node makes a digest
// Buffer in C++ as a Uint8Array whose prototype it then sets to Buffer's, and the first such change of
// prototype in a process makes V8 drop every optimized function that relied on Uint8Array's map never
// changing (the decoders, trackers and detectors: 51 of them at once). On the bench's benign mix that was
// the first alert with ports, 400,000 packets in: about 170 ms of recompiling in a 3 s run.

/**
 * The SHA-1 digest of a flow tuple as text (hex unless `encoding` says base64), or null when an address
 * does not parse or the two addresses are of different families. For ICMP and ICMPv6, `sport` is the
 * type and `dport` the code. communityId and flowIdOf are both this digest, read two ways.
 */
export function communityIdDigest(
  proto: number,
  src: IpAddr | string,
  dst: IpAddr | string,
  sport: number,
  dport: number,
  seed = 0,
  encoding: 'hex' | 'base64' = 'hex',
): string | null {
  const input = hashInput(proto, src, dst, sport, dport, seed);
  return input && sha1Text(input, encoding);
}

/**
 * Community ID v1 of a flow: "1:" + base64(SHA-1). For ICMP/ICMPv6 pass the type as `sport` and
 * the code as `dport`. Returns "" when an address does not parse.
 */
export function communityId(proto: number, src: IpAddr | string, dst: IpAddr | string, sport: number, dport: number, seed = 0): string {
  const digest = communityIdDigest(proto, src, dst, sport, dport, seed, 'base64');
  return digest === null ? '' : '1:' + digest;
}

/**
 * flowIdOf's number from the same digest in base64 (communityIdDigest with seed 0, as communityId takes it):
 * its first 8 bytes, read as flowIdOf reads them from the hex digest.
 */
function flowIdOfDigest(b64: string): number {
  const bytes = Buffer.from(b64, 'base64');
  return (bytes.readUInt32BE(0) & 0xfffff) * 0x100000000 + bytes.readUInt32BE(4);
}

/**
 * communityId and flowIdOf (salt 0) of one flow tuple from one digest: the two are the same SHA-1 read two
 * ways, and an evidence row lists both for each of its flows (an alert storm's end makes thousands).
 * `cid` is "" and `fid` 0 when an address does not parse.
 */
export function communityIdAndFlowId(proto: number, src: IpAddr | string, dst: IpAddr | string, sport: number, dport: number): { cid: string; fid: number } {
  const digest = communityIdDigest(proto, src, dst, sport, dport, 0, 'base64');
  if (digest === null) return { cid: '', fid: 0 };
  return { cid: '1:' + digest, fid: flowIdOfDigest(digest) };
}

/** Community ID of a decoded packet's flow, or "" when the packet has no IP layer. */
export function communityIdOfPacket(p: Packet, seed = 0): string {
  if (p.ipVersion === 0) return '';
  if (p.layers & (LAYER_ICMP | LAYER_ICMPV6)) return communityId(p.ipProto, p.ipSrc, p.ipDst, p.icmpType, p.icmpCode, seed);
  if (p.layers & (LAYER_TCP | LAYER_UDP)) return communityId(p.ipProto, p.ipSrc, p.ipDst, p.srcPort, p.dstPort, seed);
  // SCTP and other transports: ports are hashed only for SCTP; the decoder leaves them 0 otherwise.
  return communityId(p.ipProto, p.ipSrc, p.ipDst, p.srcPort, p.dstPort, seed);
}

/** Protocol number for an alert's proto name ("TCP", "UDP", "ICMP", "ICMPv6", "SCTP"), or null. */
export function protoNumber(name: string | undefined): number | null {
  switch ((name ?? '').toUpperCase()) {
    case 'TCP':
      return IPPROTO_TCP;
    case 'UDP':
      return IPPROTO_UDP;
    case 'ICMP':
      return IPPROTO_ICMP;
    case 'ICMPV6':
    case 'IPV6-ICMP':
      return IPPROTO_ICMPV6;
    case 'SCTP':
      return IPPROTO_SCTP;
    default:
      return null;
  }
}

/**
 * A stable flow number derived from the Community ID digest (both directions share it), kept below
 * 2^52 so JSON readers hold it exactly; used as EVE's flow_id. 0 when the tuple does not parse.
 * `salt` (hashed as the digest's seed) tells apart flows that share a tuple, such as two ICMP echo
 * conversations between the same hosts, whose Community ID is one.
 */
export function flowIdOf(proto: number, src: IpAddr | string, dst: IpAddr | string, sport: number, dport: number, salt = 0): number {
  const hex = communityIdDigest(proto, src, dst, sport, dport, salt);
  if (hex === null) return 0;
  // 20 bits from the first word, 32 from the second: 52 bits, never 0 in practice.
  return (parseInt(hex.slice(0, 8), 16) & 0xfffff) * 0x100000000 + parseInt(hex.slice(8, 16), 16);
}
