// UDP (RFC 768): ports and length; the payload is what the length field covers, within the captured bytes.
import { LAYER_UDP, type Packet } from './packet.js';
import { EV_UDP_BAD_LENGTH, EV_UDP_TOO_SHORT } from './events.js';
import { setPayload } from './bytes.js';

export const UDP_HEADER_LEN = 8;

export function decodeUdp(p: Packet, off: number, end: number): boolean {
  const dv = p.dv;
  if (end - off < UDP_HEADER_LEN) {
    p.events.push(EV_UDP_TOO_SHORT);
    return false;
  }
  // Both ports from one 32-bit read.
  const ports = dv.getInt32(off);
  p.srcPort = ports >>> 16;
  p.dstPort = ports & 0xffff;
  const len = dv.getUint16(off + 4);
  p.udpLen = len;
  p.layers |= LAYER_UDP;
  if (len < UDP_HEADER_LEN) {
    // Length 0 is legal only for IPv6 jumbograms (RFC 2675); anything below 8 is broken. Use the IP length.
    if (!(len === 0 && p.ipVersion === 6)) p.events.push(EV_UDP_BAD_LENGTH);
    return setPayload(p, off + UDP_HEADER_LEN, end);
  }
  if (off + len > end) {
    if (p.caplen >= p.len) p.events.push(EV_UDP_BAD_LENGTH);
    return setPayload(p, off + UDP_HEADER_LEN, end);
  }
  // The length field wins over trailing bytes (the "zlip" capture has length 8 and DNS bytes after it).
  if (off + len < end) p.events.push(EV_UDP_BAD_LENGTH);
  return setPayload(p, off + UDP_HEADER_LEN, off + len);
}
