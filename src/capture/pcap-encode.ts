// Byte encoders for what NetGuard writes: classic pcap (draft-ietf-opsawg-pcap) and, for exports that mix
// link types, pcapng (draft-ietf-opsawg-pcapng), both little-endian as libpcap writes them on x86.
import type { RawPacket } from './types.js';

export const PCAP_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
/** Default snap length written in headers: libpcap's maximum, so nothing NetGuard holds is cut. */
export const DEFAULT_SNAPLEN = 262_144;

/** Whole seconds and nanoseconds of a packet: exact when the reader recorded them, else from `ts`. */
export function packetTime(p: RawPacket): { sec: number; nsec: number } {
  if (p.tsSec !== undefined && p.tsNsec !== undefined) return { sec: p.tsSec, nsec: p.tsNsec };
  let sec = Math.floor(p.ts / 1000);
  let nsec = Math.round((p.ts - sec * 1000) * 1e6);
  if (nsec >= 1e9) {
    sec += 1;
    nsec -= 1e9;
  }
  return { sec, nsec };
}

export function pcapFileHeader(linkType: number, snaplen: number, nanosecond: boolean): Buffer {
  const b = Buffer.alloc(PCAP_HEADER_LEN);
  b.writeUInt32LE(nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  // thiszone and sigfigs are always 0 (timestamps are UTC).
  b.writeUInt32LE(snaplen >>> 0, 16);
  b.writeUInt32LE(linkType & 0xffff, 20);
  return b;
}

/** Bytes a packet takes as a pcap record, after cutting it to the snap length. */
export function pcapRecordLength(p: RawPacket, snaplen: number): number {
  return PCAP_RECORD_HEADER_LEN + Math.min(p.caplen, snaplen);
}

/** Writes one pcap record at `off` (room must be there); returns the bytes written. */
export function writePcapRecord(buf: Buffer, off: number, p: RawPacket, snaplen: number, nanosecond: boolean): number {
  const { sec, nsec } = packetTime(p);
  const caplen = Math.min(p.caplen, snaplen);
  buf.writeUInt32LE(sec >>> 0, off);
  buf.writeUInt32LE((nanosecond ? nsec : Math.floor(nsec / 1000)) >>> 0, off + 4);
  buf.writeUInt32LE(caplen, off + 8);
  buf.writeUInt32LE(Math.max(p.len, p.caplen) >>> 0, off + 12);
  buf.set(p.data.subarray(p.off, p.off + caplen), off + PCAP_RECORD_HEADER_LEN);
  return PCAP_RECORD_HEADER_LEN + caplen;
}

/** pcapng Section Header Block (version 1.0, section length unknown). */
export function pcapngSectionHeader(): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt32LE(0x0a0d0d0a, 0);
  b.writeUInt32LE(28, 4);
  b.writeUInt32LE(0x1a2b3c4d, 8);
  b.writeUInt16LE(1, 12);
  b.writeUInt16LE(0, 14);
  b.writeBigInt64LE(-1n, 16);
  b.writeUInt32LE(28, 24);
  return b;
}

/** pcapng Interface Description Block with if_tsresol 9 (ns) or 6 (us). */
export function pcapngInterface(linkType: number, snaplen: number, nanosecond: boolean): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(1, 0);
  b.writeUInt32LE(32, 4);
  b.writeUInt16LE(linkType & 0xffff, 8);
  b.writeUInt32LE(snaplen >>> 0, 12);
  b.writeUInt16LE(9, 16); // if_tsresol
  b.writeUInt16LE(1, 18);
  b.writeUInt8(nanosecond ? 9 : 6, 20);
  // opt_endofopt (4 zero bytes at 24), then the trailing length.
  b.writeUInt32LE(32, 28);
  return b;
}

/** One pcapng Enhanced Packet Block. */
export function pcapngPacket(p: RawPacket, ifId: number, snaplen: number, nanosecond: boolean): Buffer {
  const caplen = Math.min(p.caplen, snaplen);
  const padded = (caplen + 3) & ~3;
  const blen = 32 + padded;
  const b = Buffer.alloc(blen);
  const { sec, nsec } = packetTime(p);
  const units = BigInt(Math.max(0, sec)) * (nanosecond ? 1_000_000_000n : 1_000_000n) + BigInt(nanosecond ? nsec : Math.floor(nsec / 1000));
  b.writeUInt32LE(6, 0);
  b.writeUInt32LE(blen, 4);
  b.writeUInt32LE(ifId, 8);
  b.writeUInt32LE(Number(units >> 32n) >>> 0, 12);
  b.writeUInt32LE(Number(units & 0xffffffffn) >>> 0, 16);
  b.writeUInt32LE(caplen, 20);
  b.writeUInt32LE(Math.max(p.len, p.caplen) >>> 0, 24);
  b.set(p.data.subarray(p.off, p.off + caplen), 28);
  b.writeUInt32LE(blen, blen - 4);
  return b;
}
