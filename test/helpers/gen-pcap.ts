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

/** Writes a classic little-endian microsecond pcap of `segments`, one every millisecond from `t0Sec`. */
export function writeTcpPcap(file: string, segments: Segment[], t0Sec = 1_800_000_000): void {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  parts.push(head);
  segments.forEach((s, i) => {
    const f = tcpFrame(s);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(t0Sec + Math.floor(i / 1000), 0);
    rec.writeUInt32LE((i % 1000) * 1000, 4);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    parts.push(rec, f);
  });
  writeFileSync(file, Buffer.concat(parts));
}
