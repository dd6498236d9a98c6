// UDP (RFC 768): ports and length; the payload is what the length field covers, within the captured bytes.
import type { Packet } from './packet.js';
import * as packetConsts from './packet.js';
import { EV_UDP_BAD_LENGTH, EV_UDP_TOO_SHORT } from './events.js';
import * as bytes from './bytes.js';

// Module-local copies of the constants and helpers the decoder uses on every packet: V8 reads an imported or
// exported binding through its module cell, with a hole check, at every use in optimized code; a module-local
// const is a constant there.
const { setPayload } = bytes;
const { LAYER_UDP } = packetConsts;

const HEADER_LEN = 8;
export const UDP_HEADER_LEN = HEADER_LEN;

export function decodeUdp(p: Packet, off: number, end: number): boolean {
  const dv = p.dv;
  if (end - off < HEADER_LEN) {
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
  if (len < HEADER_LEN) {
    // Length 0 is legal only for IPv6 jumbograms (RFC 2675); anything below 8 is broken. Use the IP length.
    if (!(len === 0 && p.ipVersion === 6)) p.events.push(EV_UDP_BAD_LENGTH);
    return setPayload(p, off + HEADER_LEN, end);
  }
  if (off + len > end) {
    if (p.caplen >= p.len) p.events.push(EV_UDP_BAD_LENGTH);
    return setPayload(p, off + HEADER_LEN, end);
  }
  // The length field wins over trailing bytes (the "zlip" capture has length 8 and DNS bytes after it).
  if (off + len < end) p.events.push(EV_UDP_BAD_LENGTH);
  return setPayload(p, off + HEADER_LEN, off + len);
}
