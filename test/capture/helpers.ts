// Test helpers for the capture stage: read a whole source into copies, ask tshark, and build pcap and
// pcapng bytes by hand (so every header field a test needs can be set, including wrong ones).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CORPUS } from '../helpers/netguard.js';
import { frameBytes, type PacketSource } from '../../src/capture/index.js';

const run = promisify(execFile);

export interface ReadPacket {
  ts: number;
  tsSec: number | undefined;
  tsNsec: number | undefined;
  tsNanos: boolean | undefined;
  caplen: number;
  len: number;
  linkType: number;
  ifIndex: number;
  data: Buffer;
}

export interface ReadResult {
  packets: ReadPacket[];
  warnings: string[];
  error: Error | null;
}

/** Runs a source to its end, copying every packet (the source reuses its buffer). */
export async function readAll(src: PacketSource): Promise<ReadResult> {
  const packets: ReadPacket[] = [];
  let error: Error | null = null;
  try {
    await src.run((p) => {
      packets.push({
        ts: p.ts,
        tsSec: p.tsSec,
        tsNsec: p.tsNsec,
        tsNanos: p.tsNanos,
        caplen: p.caplen,
        len: p.len,
        linkType: p.linkType,
        ifIndex: p.ifIndex,
        data: Buffer.from(frameBytes(p)),
      });
    });
  } catch (e) {
    error = e as Error;
  }
  return { packets, warnings: [...src.warnings], error };
}

export interface ManifestRow {
  path: string;
  linkType: string;
  packetCount: number;
  fileFormat: string;
}

/** The capture files the corpus MANIFEST lists. */
export function manifest(): ManifestRow[] {
  const lines = fs.readFileSync(path.join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const head = lines[0].split('\t');
  const col = (name: string) => head.indexOf(name);
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    return { path: c[col('path')], linkType: c[col('link_type')], packetCount: Number(c[col('packet_count')]), fileFormat: c[col('file_format')] };
  });
}

export function corpusFile(rel: string): string {
  return path.join(CORPUS, rel);
}

/** tshark -T fields output as rows of columns. */
export async function tsharkFields(file: string, fields: string[]): Promise<string[][]> {
  const args = ['-r', file, '-T', 'fields'];
  for (const f of fields) args.push('-e', f);
  const r = await run('tshark', args, { maxBuffer: 256 * 1024 * 1024 }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

/** "sec.nnnnnnnnn" as tshark prints frame.time_epoch. */
export function epochText(p: { tsSec?: number; tsNsec?: number }): string {
  return `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`;
}

// ---- Builders -------------------------------------------------------------------------------------

export interface PcapRecordSpec {
  sec: number;
  frac: number;
  data: Uint8Array;
  /** Override the stored captured length (default data.length). */
  caplen?: number;
  len?: number;
}

export function pcapBytes(
  h: { le?: boolean; nano?: boolean; snaplen?: number; linkType?: number; major?: number; minor?: number },
  records: PcapRecordSpec[],
): Buffer {
  const le = h.le ?? true;
  const head = Buffer.alloc(24);
  const u32 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  const u16 = (b: Buffer, v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  u32(head, h.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(head, h.major ?? 2, 4);
  u16(head, h.minor ?? 4, 6);
  u32(head, h.snaplen ?? 65535, 16);
  u32(head, h.linkType ?? 1, 20);
  const parts = [head];
  for (const r of records) {
    const rh = Buffer.alloc(16);
    u32(rh, r.sec, 0);
    u32(rh, r.frac, 4);
    u32(rh, r.caplen ?? r.data.length, 8);
    u32(rh, r.len ?? r.data.length, 12);
    parts.push(rh, Buffer.from(r.data));
  }
  return Buffer.concat(parts);
}

/** Builds pcapng blocks in one byte order. */
export class PcapngBuilder {
  private readonly parts: Buffer[] = [];
  constructor(private le = true) {}

  private u32(b: Buffer, v: number, o: number): void {
    if (this.le) b.writeUInt32LE(v >>> 0, o);
    else b.writeUInt32BE(v >>> 0, o);
  }
  private u16(b: Buffer, v: number, o: number): void {
    if (this.le) b.writeUInt16LE(v, o);
    else b.writeUInt16BE(v, o);
  }

  /** A raw block: type, body (padded to 4), both lengths. */
  block(type: number, body: Buffer, lengthOverride?: number): this {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const blen = 12 + padded.length;
    const b = Buffer.alloc(blen);
    this.u32(b, type, 0);
    this.u32(b, lengthOverride ?? blen, 4);
    padded.copy(b, 8);
    this.u32(b, lengthOverride ?? blen, blen - 4);
    this.parts.push(b);
    return this;
  }

  shb(le = this.le, major = 1): this {
    this.le = le;
    const body = Buffer.alloc(16);
    this.u32(body, 0x1a2b3c4d, 0);
    this.u16(body, major, 4);
    this.u16(body, 0, 6);
    body.writeBigInt64LE(-1n, 8);
    return this.block(0x0a0d0d0a, body);
  }

  /** tsresol: raw if_tsresol byte (6 = us, 9 = ns, 0x80|n = 2^-n); tsoffset: seconds. */
  idb(linkType: number, snaplen = 0, opt: { tsresol?: number; tsoffset?: number } = {}): this {
    const opts: Buffer[] = [];
    if (opt.tsresol !== undefined) {
      const o = Buffer.alloc(8);
      this.u16(o, 9, 0);
      this.u16(o, 1, 2);
      o.writeUInt8(opt.tsresol, 4);
      opts.push(o);
    }
    if (opt.tsoffset !== undefined) {
      const o = Buffer.alloc(12);
      this.u16(o, 14, 0);
      this.u16(o, 8, 2);
      if (this.le) o.writeBigInt64LE(BigInt(opt.tsoffset), 4);
      else o.writeBigInt64BE(BigInt(opt.tsoffset), 4);
      opts.push(o);
    }
    if (opts.length) opts.push(Buffer.alloc(4));
    const head = Buffer.alloc(8);
    this.u16(head, linkType, 0);
    this.u32(head, snaplen, 4);
    return this.block(1, Buffer.concat([head, ...opts]));
  }

  /** Enhanced Packet Block; `units` is the 64-bit timestamp in the interface's units. */
  epb(ifId: number, units: bigint, data: Uint8Array, len = data.length, caplen = data.length): this {
    const head = Buffer.alloc(20);
    this.u32(head, ifId, 0);
    this.u32(head, Number(units >> 32n), 4);
    this.u32(head, Number(units & 0xffffffffn), 8);
    this.u32(head, caplen, 12);
    this.u32(head, len, 16);
    return this.block(6, Buffer.concat([head, Buffer.from(data)]));
  }

  /** Obsolete Packet Block (type 2). */
  pb(ifId: number, units: bigint, data: Uint8Array): this {
    const head = Buffer.alloc(20);
    this.u16(head, ifId, 0);
    this.u16(head, 0, 2);
    this.u32(head, Number(units >> 32n), 4);
    this.u32(head, Number(units & 0xffffffffn), 8);
    this.u32(head, data.length, 12);
    this.u32(head, data.length, 16);
    return this.block(2, Buffer.concat([head, Buffer.from(data)]));
  }

  /** Simple Packet Block (type 3): original length, then data. */
  spb(data: Uint8Array, len = data.length): this {
    const head = Buffer.alloc(4);
    this.u32(head, len, 0);
    return this.block(3, Buffer.concat([head, Buffer.from(data)]));
  }

  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A recognisable frame: 14-byte Ethernet header (IPv4 type) and `n` payload bytes counting from `seed`. */
export function frame(n: number, seed = 0): Buffer {
  const b = Buffer.alloc(14 + n);
  b.writeUInt16BE(0x0800, 12);
  for (let i = 0; i < n; i++) b[14 + i] = (seed + i) & 255;
  return b;
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'ng-capture-'));
}
