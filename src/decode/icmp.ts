// ICMP for IPv4 (RFC 792): type and code; error messages (unreachable, source quench, redirect, time
// exceeded, parameter problem) quote the offending datagram's IP header and first 8 bytes, which are
// decoded into Packet.icmpQuoted.
import { formatIpv6Bytes } from './addr.js';
import { LAYER_ICMP, type Packet } from './packet.js';
import { EV_ICMP_QUOTE_TOO_SHORT, EV_ICMP_TOO_SHORT } from './events.js';
import { setPayload, u16, u32 } from './bytes.js';

export const ICMP_HEADER_LEN = 8;
export const ICMP_ECHO_REPLY = 0;
export const ICMP_UNREACH = 3;
export const ICMP_SOURCE_QUENCH = 4;
export const ICMP_REDIRECT = 5;
export const ICMP_ECHO = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMP_PARAM_PROBLEM = 12;

export function isIcmpError(type: number): boolean {
  return type === ICMP_UNREACH || type === ICMP_SOURCE_QUENCH || type === ICMP_REDIRECT || type === ICMP_TIME_EXCEEDED || type === ICMP_PARAM_PROBLEM;
}

/**
 * Decodes a quoted IPv4 or IPv6 header at `off` into p.icmpQuoted (addresses, protocol, and the TCP/UDP/
 * SCTP ports when the first 4 bytes after the header are present). Returns false when too short.
 */
export function decodeQuoted(p: Packet, off: number, end: number): boolean {
  const b = p.data;
  const q = p.icmpQuoted;
  if (end - off < 1) return false;
  const v = b[off] >> 4;
  let proto: number;
  let t: number;
  if (v === 4) {
    const ihl = (b[off] & 15) << 2;
    if (ihl < 20 || end - off < ihl) return false;
    q.src = u32(b, off + 12);
    q.dst = u32(b, off + 16);
    proto = b[off + 9];
    t = off + ihl;
    // A non-first fragment quotes no transport header.
    if ((u16(b, off + 6) & 0x1fff) !== 0) t = end;
  } else if (v === 6) {
    if (end - off < 40) return false;
    q.src = formatIpv6Bytes(b, off + 8);
    q.dst = formatIpv6Bytes(b, off + 24);
    proto = b[off + 6];
    t = off + 40;
    // Walk the common extension headers so the ports are found behind them.
    for (let k = 0; k < 8 && (proto === 0 || proto === 43 || proto === 60); k++) {
      if (end - t < 2) break;
      proto = b[t];
      t += (b[t + 1] + 1) << 3;
    }
  } else {
    return false;
  }
  q.present = true;
  q.ipVersion = v;
  q.proto = proto;
  q.srcPort = 0;
  q.dstPort = 0;
  if ((proto === 6 || proto === 17 || proto === 132) && end - t >= 4) {
    q.srcPort = u16(b, t);
    q.dstPort = u16(b, t + 2);
  }
  return true;
}

export function decodeIcmp(p: Packet, off: number, end: number): boolean {
  if (end - off < 4) {
    p.events.push(EV_ICMP_TOO_SHORT);
    return false;
  }
  const b = p.data;
  p.icmpType = b[off];
  p.icmpCode = b[off + 1];
  p.layers |= LAYER_ICMP;
  if (end - off < ICMP_HEADER_LEN) return setPayload(p, end, end);
  if (isIcmpError(p.icmpType) && !decodeQuoted(p, off + ICMP_HEADER_LEN, end)) p.events.push(EV_ICMP_QUOTE_TOO_SHORT);
  return setPayload(p, off + ICMP_HEADER_LEN, end);
}
