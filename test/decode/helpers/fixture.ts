// Turns a hex fixture into a RawPacket and decodes it.
import type { RawPacket } from '../../../src/capture/types.js';
import { decodePacket, Packet, type Reassembler } from '../../../src/decode/index.js';
import type { Fixture } from '../fixtures.js';

export function bytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

export function raw(f: Fixture | { linkType: number; data: Uint8Array }, ts = 1_700_000_000_000): RawPacket {
  const data = 'hex' in f ? bytes(f.hex) : f.data;
  return { ts, caplen: data.length, len: data.length, linkType: f.linkType, data, off: 0, ifIndex: 0 };
}

export function decode(f: Fixture | { linkType: number; data: Uint8Array }, reasm: Reassembler | null = null, ts?: number): Packet {
  return decodePacket(raw(f, ts), 1, new Packet(), reasm);
}

/** Ethernet + IPv4 + UDP around `payload`, with the IPv4 header checksum set and no UDP checksum (0, allowed over IPv4). */
export function udpIpv4Frame(src: string, sport: number, dst: string, dport: number, payload: ArrayLike<number>): Uint8Array {
  const ipLen = 20 + 8 + payload.length;
  const f = Uint8Array.from([
    0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00,
    0x45, 0, ipLen >> 8, ipLen & 255, 0, 1, 0, 0, 64, 17, 0, 0, ...src.split('.').map(Number), ...dst.split('.').map(Number),
    sport >> 8, sport & 255, dport >> 8, dport & 255, (ipLen - 20) >> 8, (ipLen - 20) & 255, 0, 0,
    ...Array.from(payload),
  ]);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += (f[i] << 8) | f[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  f[24] = (~sum >> 8) & 255;
  f[25] = ~sum & 255;
  return f;
}
