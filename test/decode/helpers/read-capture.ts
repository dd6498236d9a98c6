// A minimal synchronous pcap/pcapng reader for the decoder tests (format from the magic number, both byte
// orders, µs/ns pcap, pcapng EPB/SPB with per-interface link type and if_tsresol). The product reader
// lives in src/capture/; this one keeps the decoder tests independent of it.
import { readFileSync } from 'node:fs';
import type { RawPacket } from '../../../src/capture/types.js';

export interface Capture {
  format: 'pcap' | 'pcapng';
  packets: RawPacket[];
}

export function readCapture(file: string): Capture {
  const buf = readFileSync(file);
  const b = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const packets: RawPacket[] = [];
  if (b.length < 4) return { format: 'pcap', packets };
  const magicBE = dv.getUint32(0, false);
  if (magicBE === 0x0a0d0d0a) return { format: 'pcapng', packets: readPcapng(b, dv) };
  let le: boolean;
  let nano: boolean;
  if (magicBE === 0xa1b2c3d4 || magicBE === 0xa1b23c4d) {
    le = false;
    nano = magicBE === 0xa1b23c4d;
  } else if (magicBE === 0xd4c3b2a1 || magicBE === 0x4d3cb2a1) {
    le = true;
    nano = magicBE === 0x4d3cb2a1;
  } else throw new Error(`${file}: not a pcap or pcapng file`);
  if (b.length < 24) return { format: 'pcap', packets };
  const linkType = dv.getUint32(20, le) & 0x0fffffff;
  let off = 24;
  while (off + 16 <= b.length) {
    const sec = dv.getUint32(off, le);
    const frac = dv.getUint32(off + 4, le);
    const incl = dv.getUint32(off + 8, le);
    const orig = dv.getUint32(off + 12, le);
    off += 16;
    if (incl > 262144 * 4) break;
    const end = Math.min(off + incl, b.length);
    const data = b.subarray(off, end);
    packets.push({ ts: sec * 1000 + (nano ? frac / 1e6 : frac / 1e3), caplen: data.length, len: orig, linkType, data, off: 0, ifIndex: 0 });
    off += incl;
  }
  return { format: 'pcap', packets };
}

function readPcapng(b: Uint8Array, dv: DataView): RawPacket[] {
  const packets: RawPacket[] = [];
  let le = true;
  let ifaces: Array<{ linkType: number; unitsPerSec: number }> = [];
  let off = 0;
  while (off + 12 <= b.length) {
    let type = dv.getUint32(off, le);
    if (type === 0x0a0d0d0a || dv.getUint32(off, true) === 0x0a0d0d0a) {
      const bom = dv.getUint32(off + 8, true);
      le = bom === 0x1a2b3c4d;
      ifaces = [];
      type = 0x0a0d0d0a;
    }
    const len = dv.getUint32(off + 4, le);
    if (len < 12 || off + len > b.length) break;
    if (type === 1) {
      const linkType = dv.getUint16(off + 8, le);
      let unitsPerSec = 1e6;
      let o = off + 16;
      while (o + 4 <= off + len - 4) {
        const code = dv.getUint16(o, le);
        const olen = dv.getUint16(o + 2, le);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const v = b[o + 4];
          unitsPerSec = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** (v & 0x7f);
        }
        o += 4 + ((olen + 3) & ~3);
      }
      ifaces.push({ linkType, unitsPerSec });
    } else if (type === 6) {
      const ifId = dv.getUint32(off + 8, le);
      const tsHigh = dv.getUint32(off + 12, le);
      const tsLow = dv.getUint32(off + 16, le);
      const cap = dv.getUint32(off + 20, le);
      const orig = dv.getUint32(off + 24, le);
      const iface = ifaces[ifId] ?? { linkType: 1, unitsPerSec: 1e6 };
      const units = tsHigh * 4294967296 + tsLow;
      const data = b.subarray(off + 28, Math.min(off + 28 + cap, off + len));
      packets.push({ ts: (units / iface.unitsPerSec) * 1000, caplen: data.length, len: orig, linkType: iface.linkType, data, off: 0, ifIndex: ifId });
    } else if (type === 3) {
      const orig = dv.getUint32(off + 8, le);
      const iface = ifaces[0] ?? { linkType: 1, unitsPerSec: 1e6 };
      const data = b.subarray(off + 12, Math.min(off + 12 + orig, off + len - 4));
      packets.push({ ts: 0, caplen: data.length, len: orig, linkType: iface.linkType, data, off: 0, ifIndex: 0 });
    }
    off += len;
  }
  return packets;
}
