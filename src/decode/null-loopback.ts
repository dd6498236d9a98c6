// BSD loopback encapsulation: LINKTYPE_NULL (a 4-byte address family in the capturing host's byte order)
// and LINKTYPE_LOOP (the same in network byte order), https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html.
import { LAYER_NULL, type Packet } from './packet.js';
import { EV_NULL_TOO_SHORT, EV_NULL_UNKNOWN_FAMILY } from './events.js';
import { setPayload } from './bytes.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethertypes.js';

/** AF_INET is 2 everywhere; AF_INET6 differs: 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS), 10 (Linux). */
function familyToEtherType(af: number): number {
  if (af === 2) return ETHERTYPE_IPV4;
  if (af === 24 || af === 28 || af === 30 || af === 10) return ETHERTYPE_IPV6;
  return -1;
}

function decodeFamily(p: Packet, off: number, end: number, bigEndianOnly: boolean): boolean {
  if (end - off < 4) {
    p.events.push(EV_NULL_TOO_SHORT);
    return false;
  }
  const b = p.data;
  const be = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
  const le = ((b[off + 3] << 24) | (b[off + 2] << 16) | (b[off + 1] << 8) | b[off]) >>> 0;
  // The writer's byte order is unknown for LINKTYPE_NULL; a family value is small, so whichever reading
  // is small is the right one (libpcap and tshark do the same).
  const af = bigEndianOnly ? be : le <= 0xffff ? le : be;
  p.layers |= LAYER_NULL;
  const et = familyToEtherType(af);
  if (et < 0) {
    p.events.push(EV_NULL_UNKNOWN_FAMILY);
    return false;
  }
  p.etherType = et;
  return setPayload(p, off + 4, end);
}

export function decodeNull(p: Packet, off: number, end: number): boolean {
  return decodeFamily(p, off, end, false);
}

export function decodeLoop(p: Packet, off: number, end: number): boolean {
  return decodeFamily(p, off, end, true);
}
