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
