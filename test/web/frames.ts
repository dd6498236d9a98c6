// Hand-built Ethernet/IPv4/TCP frames and a classic pcap writer, for web tests that need alerts whose
// text carries markup (an HTTP URI with <script>) and a SYN scan, at chosen packet times.
import { writeFileSync } from 'node:fs';
import type { RawPacket } from '../../src/capture/types.js';
import { pcapBytes } from '../helpers/gen-pcap.js';

const ETH_IPV4 = 0x0800;
const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;

function ip4(s: string): number[] {
  return s.split('.').map(Number);
}

function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** One Ethernet II + IPv4 + TCP frame (RFC 791, RFC 9293) with correct checksums. */
export function tcpFrame(o: { src: string; dst: string; sport: number; dport: number; flags: number; seq?: number; ack?: number; payload?: string }): Uint8Array {
  const payload = Buffer.from(o.payload ?? '', 'latin1');
  const tcpLen = 20 + payload.length;
  const ipLen = 20 + tcpLen;
  const f = new Uint8Array(14 + ipLen);
  f.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01], 0);
  f[12] = ETH_IPV4 >> 8;
  f[13] = ETH_IPV4 & 0xff;
  const ip = f.subarray(14, 34);
  ip.set([0x45, 0, ipLen >> 8, ipLen & 0xff, 0, 1, 0x40, 0, 64, 6, 0, 0, ...ip4(o.src), ...ip4(o.dst)]);
  const c = checksum(ip);
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  const t = f.subarray(34);
  const dv = new DataView(t.buffer, t.byteOffset, t.byteLength);
  dv.setUint16(0, o.sport);
  dv.setUint16(2, o.dport);
  dv.setUint32(4, o.seq ?? 1000);
  dv.setUint32(8, o.ack ?? 0);
  t[12] = 5 << 4;
  t[13] = o.flags;
  dv.setUint16(14, 64240);
  t.set(payload, 20);
  const pseudo = new Uint8Array(12 + tcpLen);
  pseudo.set([...ip4(o.src), ...ip4(o.dst), 0, 6, tcpLen >> 8, tcpLen & 0xff]);
  pseudo.set(t, 12);
  dv.setUint16(16, checksum(pseudo));
  return f;
}

export function raw(ts: number, data: Uint8Array): RawPacket {
  return { ts, caplen: data.length, len: data.length, linkType: 1, data, off: 0, ifIndex: 0 } as RawPacket;
}

/** A SYN scan: `ports` SYNs from src to dst within `spanMs`, starting at t0. */
export function synScan(t0: number, src: string, dst: string, ports: number, spanMs = 1000): RawPacket[] {
  const out: RawPacket[] = [];
  for (let i = 0; i < ports; i++) {
    out.push(raw(t0 + Math.floor((i * spanMs) / ports), tcpFrame({ src, dst, sport: 40000, dport: 1 + i, flags: SYN, seq: 7000 + i })));
  }
  return out;
}

/** A handshake and one HTTP GET with the given URI (the payload inspector reads it). */
export function httpGet(t0: number, src: string, dst: string, uri: string, sport = 50000): RawPacket[] {
  const req = `GET ${uri} HTTP/1.1\r\nHost: ${dst}\r\nUser-Agent: test\r\n\r\n`;
  return [
    raw(t0, tcpFrame({ src, dst, sport, dport: 80, flags: SYN, seq: 100 })),
    raw(t0 + 1, tcpFrame({ src: dst, dst: src, sport: 80, dport: sport, flags: SYN | ACK, seq: 500, ack: 101 })),
    raw(t0 + 2, tcpFrame({ src, dst, sport, dport: 80, flags: ACK, seq: 101, ack: 501 })),
    raw(t0 + 3, tcpFrame({ src, dst, sport, dport: 80, flags: PSH | ACK, seq: 101, ack: 501, payload: req })),
  ];
}

/** Writes classic pcap (microseconds, little-endian, Ethernet). */
export function writePcap(path: string, packets: RawPacket[]): void {
  writeFileSync(path, pcapBytes([...packets].sort((a, b) => a.ts - b.ts), 262144));
}

/** One Ethernet II + IPv4 + UDP frame (RFC 768); UDP checksum 0 (allowed for IPv4). */
export function udpFrame(o: { src: string; dst: string; sport: number; dport: number; payload: Uint8Array }): Uint8Array {
  const udpLen = 8 + o.payload.length;
  const ipLen = 20 + udpLen;
  const f = new Uint8Array(14 + ipLen);
  f.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00], 0);
  const ip = f.subarray(14, 34);
  ip.set([0x45, 0, ipLen >> 8, ipLen & 0xff, 0, 2, 0x40, 0, 64, 17, 0, 0, ...ip4(o.src), ...ip4(o.dst)]);
  const c = checksum(ip);
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  const u = new DataView(f.buffer, 34, 8);
  u.setUint16(0, o.sport);
  u.setUint16(2, o.dport);
  u.setUint16(4, udpLen);
  f.set(o.payload, 42);
  return f;
}

/** A DNS query (RFC 1035 §4.1) for `name`, type A. Labels may carry any bytes, markup included. */
export function dnsQuery(id: number, name: string): Uint8Array {
  const parts: number[] = [id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
  for (const label of name.split('.')) {
    const b = Buffer.from(label, 'latin1');
    parts.push(b.length, ...b);
  }
  parts.push(0, 0, 1, 0, 1);
  return Uint8Array.from(parts);
}
