// IPv6 (RFC 8200): fixed header and the extension header chain (hop-by-hop, routing, fragment,
// destination options, and AH's length rule from RFC 4302), fragments handed to the reassembler.
import { formatIpv6Cached, lastIpv6Hash } from './addr.js';
import { LAYER_FRAGMENT, LAYER_IPV6, LAYER_REASSEMBLED, type Packet } from './packet.js';
import {
  EV_IPV6_BAD_VERSION, EV_IPV6_EXTHDR_TOO_SHORT, EV_IPV6_TOO_MANY_EXTHDRS, EV_IPV6_TOO_SHORT, EV_IPV6_TRUNCATED,
} from './events.js';
import { setPayload, u16, u32 } from './bytes.js';
import type { Reassembler } from './reassembly.js';

export const IPV6_HEADER_LEN = 40;
export const IPV6_HOPOPTS = 0;
export const IPV6_ROUTING = 43;
export const IPV6_FRAGMENT = 44;
export const IPV6_AH = 51;
export const IPV6_NONXT = 59;
export const IPV6_DSTOPTS = 60;
/** More extension headers than any legitimate sender uses; a longer chain is an evasion attempt. */
export const MAX_EXT_HEADERS = 16;

export function decodeIpv6(p: Packet, off: number, end: number, reasm: Reassembler | null): boolean {
  let b = p.data;
  if (end - off < IPV6_HEADER_LEN) {
    p.events.push(EV_IPV6_TOO_SHORT);
    return false;
  }
  if (b[off] >> 4 !== 6) {
    p.events.push(EV_IPV6_BAD_VERSION);
    return false;
  }
  const payloadLen = u16(b, off + 4);
  p.ipVersion = 6;
  p.ipOffset = off;
  p.ipHeaderLen = IPV6_HEADER_LEN;
  p.ipLen = IPV6_HEADER_LEN + payloadLen;
  p.ipTtl = b[off + 7];
  p.ip6Src = formatIpv6Cached(b, off + 8, p.dv);
  p.ip6SrcHash = lastIpv6Hash;
  p.ip6Dst = formatIpv6Cached(b, off + 24, p.dv);
  p.ip6DstHash = lastIpv6Hash;
  p.layers |= LAYER_IPV6;
  let ipEnd = off + IPV6_HEADER_LEN + payloadLen;
  if (payloadLen === 0) {
    ipEnd = end; // jumbogram (RFC 2675) or offload: trust the captured bytes
  } else if (ipEnd > end) {
    if (p.caplen >= p.len) p.events.push(EV_IPV6_TRUNCATED);
    ipEnd = end;
  }

  let nh = b[off + 6];
  let cur = off + IPV6_HEADER_LEN;
  for (let count = 0; ; count++) {
    if (nh !== IPV6_HOPOPTS && nh !== IPV6_ROUTING && nh !== IPV6_DSTOPTS && nh !== IPV6_FRAGMENT && nh !== IPV6_AH) break;
    if (count >= MAX_EXT_HEADERS) {
      p.events.push(EV_IPV6_TOO_MANY_EXTHDRS);
      return false;
    }
    if (ipEnd - cur < 8) {
      p.events.push(EV_IPV6_EXTHDR_TOO_SHORT);
      return false;
    }
    if (nh === IPV6_FRAGMENT) {
      const next = b[cur];
      const fo = u16(b, cur + 2);
      const fragOff = fo & 0xfff8;
      const more = (fo & 1) !== 0;
      const id = u32(b, cur + 4);
      cur += 8;
      if (fragOff === 0 && !more) {
        nh = next; // an atomic fragment (RFC 6946) is a whole datagram
        continue;
      }
      p.ipId = id;
      p.ipProto = next;
      p.layers |= LAYER_FRAGMENT;
      if (reasm === null || ipEnd - off < p.ipLen) return false;
      const dg = reasm.addV6(p, off, next, id, fragOff, more, cur, ipEnd);
      if (dg === null) return false;
      // The reassembled datagram is the fixed header (next header = the fragment's) and the payload.
      p.setData(dg);
      p.ipOffset = 0;
      p.ipLen = dg.length;
      p.layers = (p.layers & ~LAYER_FRAGMENT) | LAYER_REASSEMBLED;
      b = dg;
      off = 0;
      ipEnd = dg.length;
      cur = IPV6_HEADER_LEN;
      nh = next;
      continue;
    }
    const len = nh === IPV6_AH ? (b[cur + 1] + 2) << 2 : (b[cur + 1] + 1) << 3;
    if (cur + len > ipEnd) {
      p.events.push(EV_IPV6_EXTHDR_TOO_SHORT);
      return false;
    }
    nh = b[cur];
    cur += len;
  }
  p.ipProto = nh;
  return setPayload(p, cur, ipEnd);
}
