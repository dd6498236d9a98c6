// IPv4 (RFC 791): header with options, header checksum verified (RFC 1071), fragments handed to the
// reassembler (reassembly.ts) so the transport layer is decoded only from whole datagrams.
import type { Packet } from './packet.js';
import * as packetConsts from './packet.js';
import {
  EV_IPV4_BAD_CHECKSUM, EV_IPV4_BAD_IHL, EV_IPV4_BAD_OPTION, EV_IPV4_BAD_TOTAL_LEN, EV_IPV4_BAD_VERSION,
  EV_IPV4_TOO_SHORT, EV_IPV4_TRUNCATED,
} from './events.js';
import * as bytes from './bytes.js';
import type { Reassembler } from './reassembly.js';

// Module-local copies of the constants and helpers the decoder uses on every packet: V8 reads an imported or
// exported binding through its module cell, with a hole check, at every use in optimized code; a module-local
// const is a constant there.
const { setPayload, u16 } = bytes;
const { LAYER_FRAGMENT, LAYER_IPV4, LAYER_REASSEMBLED } = packetConsts;

const MIN_HEADER_LEN = 20;
export const IPV4_MIN_HEADER_LEN = MIN_HEADER_LEN;

/** RFC 1071 one's-complement sum over [off, off+len); 0xffff when the stored checksum is right. */
export function onesComplementSum(b: Uint8Array, off: number, len: number): number {
  let sum = 0;
  const end = off + len - 1;
  let i = off;
  for (; i < end; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i === end) sum += b[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Folds a sum of 16-bit words to 16 bits with end-around carry (RFC 1071). */
function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Option walk (RFC 791 §3.1): single-byte EOL/NOP, else type, length (>= 2) and data within the header. */
function checkOptions(b: Uint8Array, off: number, end: number): boolean {
  let i = off;
  while (i < end) {
    const t = b[i];
    if (t === 0) return true;
    if (t === 1) {
      i++;
      continue;
    }
    if (i + 1 >= end) return false;
    const l = b[i + 1];
    if (l < 2 || i + l > end) return false;
    i += l;
  }
  return true;
}

export function decodeIpv4(p: Packet, off: number, end: number, reasm: Reassembler | null): boolean {
  const b = p.data;
  if (end - off < MIN_HEADER_LEN) {
    p.events.push(EV_IPV4_TOO_SHORT);
    return false;
  }
  // The first twelve bytes as three big-endian words, each field cut out of its word: with the addresses,
  // five loads give every field and the 20-byte header's checksum (one DataView read each was 18 loads).
  // As int32: stays a small integer inside the packet object (see packet.ts); >>> and & give the fields.
  const dv = p.dv;
  const w0 = dv.getInt32(off);
  const vihl = w0 >>> 24;
  if (vihl >> 4 !== 4) {
    p.events.push(EV_IPV4_BAD_VERSION);
    return false;
  }
  const ihl = (vihl & 15) << 2;
  if (ihl < MIN_HEADER_LEN) {
    p.events.push(EV_IPV4_BAD_IHL);
    return false;
  }
  if (ihl > end - off) {
    p.events.push(EV_IPV4_TOO_SHORT);
    return false;
  }
  const w1 = dv.getInt32(off + 4);
  const w2 = dv.getInt32(off + 8);
  const src = dv.getInt32(off + 12);
  const dst = dv.getInt32(off + 16);
  const totalLen = w0 & 0xffff;
  const frag = w1 & 0xffff;
  p.ipVersion = 4;
  p.ipOffset = off;
  p.ipHeaderLen = ihl;
  p.ipLen = totalLen;
  p.ipId = w1 >>> 16;
  p.ipTtl = w2 >>> 24;
  p.ipProto = (w2 >>> 16) & 0xff;
  p.ip4Src = src;
  p.ip4Dst = dst;
  p.layers |= LAYER_IPV4;
  // The usual 20-byte header summed from the words already read (the general loop for options).
  const sum =
    ihl === MIN_HEADER_LEN
      ? fold(
          (w0 >>> 16) + totalLen + (w1 >>> 16) + frag + (w2 >>> 16) + (w2 & 0xffff) + (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff),
        )
      : onesComplementSum(b, off, ihl);
  if (sum !== 0xffff) {
    p.ipChecksumOk = false;
    p.events.push(EV_IPV4_BAD_CHECKSUM);
  }
  if (ihl > MIN_HEADER_LEN && !checkOptions(b, off + MIN_HEADER_LEN, off + ihl)) p.events.push(EV_IPV4_BAD_OPTION);

  let ipEnd: number;
  if (totalLen === 0) {
    // Total length 0 is what TCP segmentation offload leaves in locally captured packets (the NIC fills
    // it in later); like tshark's TSO support we take the captured length instead of dropping the packet.
    ipEnd = end;
    p.ipLen = end - off;
  } else if (totalLen < ihl) {
    p.events.push(EV_IPV4_BAD_TOTAL_LEN);
    return false;
  } else if (totalLen > end - off) {
    // Shorter than the header says: normal when the snap length cut the frame, an anomaly otherwise.
    if (p.caplen >= p.len) p.events.push(EV_IPV4_TRUNCATED);
    ipEnd = end;
  } else {
    ipEnd = off + totalLen; // drops Ethernet padding after the datagram
  }

  const more = (frag & 0x2000) !== 0;
  const fragOff = (frag & 0x1fff) << 3;
  if (more || fragOff !== 0) {
    p.layers |= LAYER_FRAGMENT;
    // A fragment whose bytes were cut by the snap length cannot be put back together.
    if (reasm === null || ipEnd - off < p.ipLen) return false;
    const dg = reasm.addV4(p, off, ihl, fragOff, more, ipEnd);
    if (dg === null) return false;
    p.setData(dg);
    p.ipOffset = 0;
    p.ipHeaderLen = (dg[0] & 15) << 2;
    p.ipLen = dg.length;
    p.layers = (p.layers & ~LAYER_FRAGMENT) | LAYER_REASSEMBLED;
    return setPayload(p, p.ipHeaderLen, dg.length);
  }
  return setPayload(p, off + ihl, ipEnd);
}
