// TCP (RFC 9293): ports, sequence numbers, the low eight flag bits (RFC 3168 adds ECE/CWR), window, and
// the options IDS logic cares about: MSS, window scale (RFC 7323), SACK permitted (RFC 2018), timestamps.
import type { Packet } from './packet.js';
import * as packetConsts from './packet.js';
import { EV_TCP_BAD_OFFSET, EV_TCP_OPT_TRUNCATED, EV_TCP_TOO_SHORT } from './events.js';
import * as bytes from './bytes.js';

// Module-local copies of the constants and helpers the decoder uses on every packet: V8 reads an imported or
// exported binding through its module cell, with a hole check, at every use in optimized code; a module-local
// const is a constant there.
const { setPayload } = bytes;
const { LAYER_TCP } = packetConsts;

const MIN_HEADER_LEN = 20;
export const TCP_MIN_HEADER_LEN = MIN_HEADER_LEN;
export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WSCALE = 3;
export const TCPOPT_SACK_PERMITTED = 4;
export const TCPOPT_TIMESTAMP = 8;

function decodeOptions(p: Packet, b: Uint8Array, dv: DataView, off: number, end: number): void {
  let i = off;
  while (i < end) {
    const kind = b[i];
    if (kind === TCPOPT_EOL) return;
    if (kind === TCPOPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) {
      p.events.push(EV_TCP_OPT_TRUNCATED);
      return;
    }
    const len = b[i + 1];
    if (len < 2 || i + len > end) {
      p.events.push(EV_TCP_OPT_TRUNCATED);
      return;
    }
    if (kind === TCPOPT_MSS && len === 4) p.tcpMss = dv.getUint16(i + 2);
    else if (kind === TCPOPT_WSCALE && len === 3) p.tcpWscale = b[i + 2];
    else if (kind === TCPOPT_SACK_PERMITTED && len === 2) p.tcpSackOk = true;
    else if (kind === TCPOPT_TIMESTAMP && len === 10) {
      p.tcpTsVal = dv.getUint32(i + 2);
      p.tcpTsEcr = dv.getUint32(i + 6);
    }
    i += len;
  }
}

export function decodeTcp(p: Packet, off: number, end: number): boolean {
  const b = p.data;
  if (end - off < MIN_HEADER_LEN) {
    p.events.push(EV_TCP_TOO_SHORT);
    return false;
  }
  const dv = p.dv;
  // The ports, and the data offset, flags and window, each pair of fields cut out of one 32-bit read.
  const ports = dv.getInt32(off);
  p.srcPort = ports >>> 16;
  p.dstPort = ports & 0xffff;
  p.tcpSeq = dv.getUint32(off + 4);
  p.tcpAck = dv.getUint32(off + 8);
  const w3 = dv.getInt32(off + 12);
  const hl = (w3 >>> 28) << 2;
  p.tcpFlags = (w3 >>> 16) & 0xff;
  p.tcpWin = w3 & 0xffff;
  p.tcpHeaderLen = hl;
  p.layers |= LAYER_TCP;
  if (hl < MIN_HEADER_LEN) {
    p.events.push(EV_TCP_BAD_OFFSET);
    return false;
  }
  if (hl > end - off) {
    // Options cut short: by the snap length (decode what is there) or by a lying data offset.
    if (p.caplen >= p.len) p.events.push(EV_TCP_BAD_OFFSET);
    decodeOptions(p, b, dv, off + MIN_HEADER_LEN, end);
    return setPayload(p, end, end);
  }
  if (hl > MIN_HEADER_LEN) decodeOptions(p, b, dv, off + MIN_HEADER_LEN, off + hl);
  return setPayload(p, off + hl, end);
}
