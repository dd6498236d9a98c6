// A minimal classic pcap writer and chunked reader for the benchmark (libpcap file format,
// https://www.tcpdump.org/manpages/pcap-savefile.5.html): microsecond timestamps, one link type.
import fs from 'node:fs';
import type { RawPacket } from '../src/capture/types.js';

const MAGIC_US = 0xa1b2c3d4;
const GLOBAL_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;

/** Writes frames to a pcap file through a large buffer, flushed with synchronous writes. */
export class PcapWriter {
  private readonly fd: number;
  private readonly buf: Buffer;
  private pos = 0;
  packets = 0;
  bytes = 0;

  constructor(path: string, linkType = 1, bufferSize = 8 << 20) {
    this.fd = fs.openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(bufferSize);
    const h = this.buf;
    h.writeUInt32LE(MAGIC_US, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeInt32LE(0, 8);
    h.writeUInt32LE(0, 12);
    h.writeUInt32LE(65535, 16);
    h.writeUInt32LE(linkType, 20);
    this.pos = GLOBAL_HEADER_LEN;
  }

  /** Appends one frame captured at `tsUs` microseconds since the epoch. */
  write(frame: Uint8Array, tsUs: number): void {
    if (this.pos + RECORD_HEADER_LEN + frame.length > this.buf.length) this.flush();
    const b = this.buf;
    const sec = Math.floor(tsUs / 1e6);
    b.writeUInt32LE(sec >>> 0, this.pos);
    b.writeUInt32LE(Math.round(tsUs - sec * 1e6) >>> 0, this.pos + 4);
    b.writeUInt32LE(frame.length, this.pos + 8);
    b.writeUInt32LE(frame.length, this.pos + 12);
    b.set(frame, this.pos + RECORD_HEADER_LEN);
    this.pos += RECORD_HEADER_LEN + frame.length;
    this.packets++;
    this.bytes += frame.length;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }

  private flush(): void {
    let off = 0;
    while (off < this.pos) off += fs.writeSync(this.fd, this.buf, off, this.pos - off);
    this.pos = 0;
  }
}

/**
 * Reads a classic little-endian microsecond pcap in chunks (no whole-file load), calling onPacket with
 * one reused RawPacket whose data is the chunk buffer and whose off is the frame's offset in it, as
 * NetGuard's own file reader does. The default chunk (256 KB) is small
 * enough that what the kernel just copied into it is still in the core's L2 cache when the decoder reads
 * it; with 4 MB chunks the decoder read every packet back from L3 (alternating runs: read stage 0.166
 * -> 0.151 CPU s per million packets, decode + flow 0.789 -> 0.767 median).
 */
export function readPcapChunked(path: string, onPacket: (raw: RawPacket, n: number) => void, chunkSize = 256 << 10): { packets: number; bytes: number } {
  const fd = fs.openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(chunkSize);
    let have = fs.readSync(fd, buf, 0, buf.length, null);
    if (have < GLOBAL_HEADER_LEN || buf.readUInt32LE(0) !== MAGIC_US) throw new Error(`${path}: not a little-endian microsecond pcap file`);
    // A plain Uint8Array over the chunk, made once per buffer: a view per packet (Buffer.subarray or
    // new Uint8Array) cost 0.065 CPU s per million packets, with its garbage.
    const raw: RawPacket = { ts: 0, caplen: 0, len: 0, linkType: buf.readUInt32LE(20), data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), off: 0, ifIndex: 0 };
    let pos = GLOBAL_HEADER_LEN;
    let n = 0;
    let bytes = 0;
    // A DataView over the chunk: Buffer's readUInt32LE costs several times more per record.
    let dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
    for (;;) {
      while (pos + RECORD_HEADER_LEN <= have) {
        const incl = dv.getUint32(pos + 8, true);
        const end = pos + RECORD_HEADER_LEN + incl;
        if (end > have) break;
        raw.ts = dv.getUint32(pos, true) * 1000 + dv.getUint32(pos + 4, true) / 1000;
        raw.caplen = incl;
        raw.len = dv.getUint32(pos + 12, true);
        raw.off = pos + RECORD_HEADER_LEN;
        onPacket(raw, ++n);
        bytes += raw.len;
        pos = end;
      }
      // Move the partial record to the front (growing the buffer for a record larger than it) and refill.
      const rest = have - pos;
      if (rest > 0 && pos === 0) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
        raw.data = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
        dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
      } else if (rest > 0) {
        buf.copy(buf, 0, pos, have);
      }
      have = rest;
      pos = 0;
      const got = fs.readSync(fd, buf, have, buf.length - have, null);
      if (got === 0) break;
      have += got;
    }
    return { packets: n, bytes };
  } finally {
    fs.closeSync(fd);
  }
}
