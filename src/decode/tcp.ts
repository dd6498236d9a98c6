// TCP (RFC 9293): ports, sequence numbers, the low eight flag bits (RFC 3168 adds ECE/CWR), window, and
// the options IDS logic cares about: MSS, window scale (RFC 7323), SACK permitted (RFC 2018), timestamps.
import { LAYER_TCP, type Packet } from './packet.js';
import { EV_TCP_BAD_OFFSET, EV_TCP_OPT_TRUNCATED, EV_TCP_TOO_SHORT } from './events.js';
import { setPayload, u16, u32 } from './bytes.js';

export const TCP_MIN_HEADER_LEN = 20;
export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MSS = 2;
export const TCPOPT_WSCALE = 3;
export const TCPOPT_SACK_PERMITTED = 4;
export const TCPOPT_TIMESTAMP = 8;

function decodeOptions(p: Packet, b: Uint8Array, off: number, end: number): void {
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
    if (kind === TCPOPT_MSS && len === 4) p.tcpMss = u16(b, i + 2);
    else if (kind === TCPOPT_WSCALE && len === 3) p.tcpWscale = b[i + 2];
    else if (kind === TCPOPT_SACK_PERMITTED && len === 2) p.tcpSackOk = true;
    else if (kind === TCPOPT_TIMESTAMP && len === 10) {
      p.tcpTsVal = u32(b, i + 2);
      p.tcpTsEcr = u32(b, i + 6);
    }
    i += len;
  }
}

export function decodeTcp(p: Packet, off: number, end: number): boolean {
  const b = p.data;
  if (end - off < TCP_MIN_HEADER_LEN) {
    p.events.push(EV_TCP_TOO_SHORT);
    return false;
  }
  p.srcPort = u16(b, off);
  p.dstPort = u16(b, off + 2);
  p.tcpSeq = u32(b, off + 4);
  p.tcpAck = u32(b, off + 8);
  const hl = (b[off + 12] >> 4) << 2;
  p.tcpFlags = b[off + 13];
  p.tcpWin = u16(b, off + 14);
  p.tcpHeaderLen = hl;
  p.layers |= LAYER_TCP;
  if (hl < TCP_MIN_HEADER_LEN) {
    p.events.push(EV_TCP_BAD_OFFSET);
    return false;
  }
  if (hl > end - off) {
    // Options cut short: by the snap length (decode what is there) or by a lying data offset.
    if (p.caplen >= p.len) p.events.push(EV_TCP_BAD_OFFSET);
    decodeOptions(p, b, off + TCP_MIN_HEADER_LEN, end);
    return setPayload(p, end, end);
  }
  if (hl > TCP_MIN_HEADER_LEN) decodeOptions(p, b, off + TCP_MIN_HEADER_LEN, off + hl);
  return setPayload(p, off + hl, end);
}
