// Writes generated Ethernet/IPv4/TCP captures for tests that need many packets of known content.
import { writeFileSync } from 'node:fs';

/** One TCP segment's addresses, ports and flags (0x02 SYN, 0x12 SYN-ACK, 0x10 ACK ...). */
export interface Segment {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  flags: number;
}

function ip4(s: string): number[] {
  return s.split('.').map(Number);
}

/** A 54-byte Ethernet + IPv4 + TCP frame (checksums zero: NetGuard and tshark do not need them). */
export function tcpFrame(s: Segment): Buffer {
  const b = Buffer.alloc(54);
  b.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1], 0); // dst MAC, src MAC
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(40, 16); // IPv4 total length
  b[22] = 64; // TTL
  b[23] = 6; // TCP
  b.set(ip4(s.src), 26);
  b.set(ip4(s.dst), 30);
  b.writeUInt16BE(s.sport, 34);
  b.writeUInt16BE(s.dport, 36);
  b[46] = 0x50; // data offset 5 words
  b[47] = s.flags;
  b.writeUInt16BE(1024, 48); // window
  return b;
}

/**
 * A classic pcap file's bytes (little-endian, microseconds, Ethernet): the 24-byte header, then each
 * frame in the given order with its time `ts` in milliseconds (fractions kept to the microsecond).
 */
export function pcapBytes(frames: Iterable<{ ts: number; data: Uint8Array }>, snaplen = 65535): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4); // version 2.4
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(snaplen, 16);
  head.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  parts.push(head);
  for (const f of frames) {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(f.ts / 1000), 0);
    rec.writeUInt32LE(Math.round((f.ts % 1000) * 1000), 4);
    rec.writeUInt32LE(f.data.length, 8);
    rec.writeUInt32LE(f.data.length, 12);
    parts.push(rec, Buffer.from(f.data));
  }
  return Buffer.concat(parts);
}

/** Writes a classic little-endian microsecond pcap of `segments`, one every millisecond from `t0Sec`. */
export function writeTcpPcap(file: string, segments: Segment[], t0Sec = 1_800_000_000): void {
  writeFileSync(file, pcapBytes(segments.map((s, i) => ({ ts: t0Sec * 1000 + i, data: tcpFrame(s) }))));
}
