// ICMPv6 (RFC 4443): type and code; error messages (destination unreachable, packet too big, time
// exceeded, parameter problem) quote the offending packet, decoded into Packet.icmpQuoted.
import { LAYER_ICMPV6, type Packet } from './packet.js';
import { EV_ICMPV6_QUOTE_TOO_SHORT, EV_ICMPV6_TOO_SHORT } from './events.js';
import { setPayload } from './bytes.js';
import { decodeQuoted } from './icmp.js';

export const ICMPV6_HEADER_LEN = 8;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ICMPV6_NEIGHBOR_SOLICIT = 135;
export const ICMPV6_NEIGHBOR_ADVERT = 136;

/** Types 1-4 are errors; 128 and up are informational (RFC 4443 §2.1). */
export function isIcmpv6Error(type: number): boolean {
  return type >= 1 && type <= 4;
}

export function decodeIcmpv6(p: Packet, off: number, end: number): boolean {
  if (end - off < 4) {
    p.events.push(EV_ICMPV6_TOO_SHORT);
    return false;
  }
  const b = p.data;
  p.icmpType = b[off];
  p.icmpCode = b[off + 1];
  p.layers |= LAYER_ICMPV6;
  if (end - off < ICMPV6_HEADER_LEN) return setPayload(p, end, end);
  if (isIcmpv6Error(p.icmpType) && !decodeQuoted(p, off + ICMPV6_HEADER_LEN, end)) p.events.push(EV_ICMPV6_QUOTE_TOO_SHORT);
  return setPayload(p, off + ICMPV6_HEADER_LEN, end);
}
