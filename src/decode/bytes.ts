// Big-endian reads from a Uint8Array, for decoders that are handed bytes alone (DNS, HTTP, ICMP quotes); the
// per-packet header fields are read through Packet.dv, a DataView over the same buffer.
import type { Packet } from './packet.js';

export function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** A 48-bit MAC address as a number (exact: below 2^53). */
export function mac48(b: Uint8Array, o: number): number {
  return ((b[o] << 8) | b[o + 1]) * 0x100000000 + u32(b, o + 2);
}

/** Lowercase hex of bytes [off, end). */
export function hex(b: Uint8Array, off: number, end: number): string {
  let s = '';
  for (let i = off; i < end; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

/**
 * Every decoder reports where its payload lies through Packet.payloadOff/payloadLen (the next layer
 * reads them) and returns false when decoding stops at its layer. This sets them; off < 0 means stop.
 */
export function setPayload(p: Packet, off: number, end: number): boolean {
  if (off < 0) return false;
  p.payloadOff = off;
  p.payloadLen = end > off ? end - off : 0;
  return true;
}
