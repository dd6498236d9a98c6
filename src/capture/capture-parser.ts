// Incremental parser for capture files: classic pcap (draft-ietf-opsawg-pcap) and pcapng
// (draft-ietf-opsawg-pcapng), fed from a reused buffer and never trusting a length field it has not checked.
//
// The parser is synchronous and knows nothing about I/O: the reader hands it the bytes it has, it
// delivers every complete record, and tells the reader how many bytes the next record needs (`need`),
// how many to discard without buffering (`skip`), or that it wants to wait (`pauseMs`, realtime replay).
import { unknownLinkTypeWarning, DECODABLE_LINK_TYPES } from './link-types.js';
import { SourceError, type RawPacket } from './types.js';

/**
 * Largest packet accepted: libpcap's and Wireshark's MAXIMUM_SNAPLEN. The record loops test the module-local
 * const: V8 reads an exported binding through its module cell, with a hole check, at every use in optimized code.
 */
const MAX_RECORD_LEN = 262_144;
export const MAX_CAPLEN = MAX_RECORD_LEN;
/** pcapng blocks up to this size are buffered whole; larger ones are skipped by streaming past them. */
export const MAX_BUFFERED_BLOCK = 1 << 20;

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BOM = 0x1a2b3c4d;
const PCAP_HEADER_LEN = 24;
const PCAP_RECORD_LEN = 16;

const BT_PB = 0x00000002; // obsolete Packet Block
const BT_IDB = 0x00000001;
const BT_SPB = 0x00000003;
const BT_ISB = 0x00000005;
const BT_EPB = 0x00000006;

const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
const OPT_ISB_IFDROP = 5;

const TWO32 = 4294967296;

interface Interface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second (10^r or 2^r). */
  units: number;
  unitsBig: bigint;
  /** Multiplier from units to nanoseconds when it is an integer (units divides 10^9), else 0. */
  nsMul: number;
  offsetSec: number;
  drops: number | null;
}

export type ParsePhase = 'magic' | 'pcap-header' | 'pcap' | 'pcapng' | 'done';

/** Options that change how records are delivered. */
export interface ParserOptions {
  realtime?: boolean;
  /** Longest pause between two packets in realtime replay, in ms (default 5000). */
  maxGapMs?: number;
}

export class CaptureParser {
  readonly warnings: string[] = [];
  phase: ParsePhase = 'magic';
  format: 'pcap' | 'pcapng' | null = null;
  /** True once any interface has a clock finer than a microsecond. */
  nanosecond = false;
  /** Packets delivered so far. */
  packets = 0;
  /** When process() returns for more data: the bytes the next record needs, counted from where it stopped. */
  need = 0;
  /** When > 0: discard this many bytes from where process() stopped (an oversized pcapng block). */
  skip = 0;
  /** When > 0: wait this long before calling process() again (realtime replay). */
  pauseMs = 0;
  stopped = false;

  private le = true;
  // Classic pcap file header fields.
  private pcapNano = false;
  private pcapSnaplen = 0;
  private pcapLinkType = 0;
  private pcapSwapLengths = false;
  // pcapng: interfaces of the current section, and how many earlier sections described (ids are
  // numbered across the whole file, as Wireshark does, so a second section's interface 0 stays distinct).
  private ifaces: Interface[] = [];
  private ifaceBase = 0;
  private readonly allLinkTypes: number[] = [];
  private sections = 0;
  private badIfaceWarned = 0;
  private overSnapCount = 0;
  private badBlockCount = 0;
  private allDrops = new Map<string, number>();
  // Realtime pacing bases.
  private rtPktBase = NaN;
  private rtWallBase = 0;
  private readonly realtime: boolean;
  private readonly maxGapMs: number;
  // Scratch results of splitUnits().
  private outSec = 0;
  private outRem = 0;

  /** The read buffer `pkt.data` is a view of. */
  private pktBuf: Buffer | null = null;
  /** The one RawPacket handed to every onPacket call. */
  private readonly pkt: RawPacket = {
    ts: 0,
    caplen: 0,
    len: 0,
    linkType: 0,
    data: new Uint8Array(0),
    off: 0,
    ifIndex: 0,
    tsSec: 0,
    tsNsec: 0,
    tsNanos: false,
    fileOffset: -1,
  };

  constructor(
    private readonly display: string,
    opts: ParserOptions = {},
  ) {
    this.realtime = opts.realtime === true;
    this.maxGapMs = opts.maxGapMs ?? 5000;
  }

  /** Link types of the interfaces seen so far (pcap: one), indexed by RawPacket.ifIndex. */
  get linkTypes(): number[] {
    return this.format === 'pcap' ? [this.pcapLinkType] : [...this.allLinkTypes];
  }

  /** Sum of the newest pcapng interface-statistics drop counters, or null when the file has none. */
  drops(): number | null {
    if (this.allDrops.size === 0) return null;
    let n = 0;
    for (const v of this.allDrops.values()) n += v;
    return n;
  }

  private warn(msg: string): void {
    this.warnings.push(`${this.display}: ${msg}`);
  }

  /**
   * Consumes complete records of buf[pos, end) and returns the new position. `base` is the file offset
   * of buf[0], for messages. Throws SourceError when the input is not a capture file.
   */
  process(buf: Buffer, dv: DataView, pos: number, end: number, base: number, onPacket: (p: RawPacket) => void): number {
    // Packets are handed out as offsets into one plain Uint8Array over the read buffer, made again only
    // when the caller's buffer changes: no object per packet. A plain Uint8Array, not the Buffer, so a
    // consumer that copies with .slice() (reassembly, the packet history) gets a copy, not a view.
    if (this.pktBuf !== buf) {
      this.pktBuf = buf;
      this.pkt.data = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    }
    this.need = 0;
    this.skip = 0;
    this.pauseMs = 0;
    for (;;) {
      switch (this.phase) {
        case 'magic':
          if (end - pos < 4) {
            this.need = 4;
            return pos;
          }
          this.readMagic(buf, dv, pos);
          continue;
        case 'pcap-header':
          if (end - pos < PCAP_HEADER_LEN) {
            this.need = PCAP_HEADER_LEN;
            return pos;
          }
          this.readPcapHeader(dv, pos);
          pos += PCAP_HEADER_LEN;
          continue;
        case 'pcap':
          return this.processPcap(buf, dv, pos, end, base, onPacket);
        case 'pcapng':
          return this.processPcapng(buf, dv, pos, end, base, onPacket);
        case 'done':
          return pos;
      }
    }
  }

  /** Called once at end of input with the unconsumed bytes: reports a cut-short file. */
  finish(buf: Buffer, pos: number, end: number, base: number): void {
    const left = end - pos;
    if (this.phase === 'magic') {
      if (left === 0 && base + pos === 0) throw new SourceError(`${this.display} is empty, not a pcap or pcapng file`, 'EFORMAT');
      throw this.notCapture(buf, pos, end);
    }
    if (this.phase === 'pcap-header') {
      throw new SourceError(`${this.display}: pcap file header is cut short (${left} of ${PCAP_HEADER_LEN} bytes)`, 'EFORMAT');
    }
    if (this.phase === 'pcapng' && this.sections === 0) {
      throw new SourceError(`${this.display}: pcapng section header block is cut short (${left} bytes)`, 'EFORMAT');
    }
    if (this.phase !== 'done' && left > 0) this.truncated(base + pos, Math.max(this.need, left + 1), left);
    if (this.overSnapCount > 1) this.warn(`${this.overSnapCount} packets in all have more captured bytes than the snap length`);
    if (this.badBlockCount > 1) this.warn(`${this.badBlockCount} malformed packet blocks in all were skipped`);
    this.phase = 'done';
  }

  /** Reports a record the file ends inside of. */
  truncated(offset: number, needs: number, has: number): void {
    this.warn(`truncated record at packet ${this.packets + 1}, byte offset ${offset} (needs ${needs} bytes, file has ${has})`);
    this.phase = 'done';
  }

  private notCapture(buf: Buffer, pos: number, end: number): SourceError {
    const head = buf.subarray(pos, Math.min(end, pos + 4)).toString('hex');
    let hint = '';
    if (head.startsWith('1f8b')) hint = '; it looks gzip-compressed, gunzip it first';
    else if (head.startsWith('fd377a58')) hint = '; it looks xz-compressed, unxz it first';
    else if (head.startsWith('28b52ffd')) hint = '; it looks zstd-compressed, unzstd it first';
    return new SourceError(`${this.display} is not a pcap or pcapng file (starts with 0x${head})${hint}`, 'EFORMAT');
  }

  private readMagic(buf: Buffer, dv: DataView, pos: number): void {
    // Format comes from the magic number only: extensions lie (see the corpus README).
    const le = dv.getUint32(pos, true);
    const be = dv.getUint32(pos, false);
    if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) {
      this.le = true;
      this.pcapNano = le === PCAP_MAGIC_NS;
    } else if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) {
      this.le = false;
      this.pcapNano = be === PCAP_MAGIC_NS;
    } else if (le === PCAPNG_SHB) {
      this.format = 'pcapng';
      this.phase = 'pcapng';
      return;
    } else {
      throw this.notCapture(buf, pos, pos + 4);
    }
    this.format = 'pcap';
    this.phase = 'pcap-header';
  }

  private readPcapHeader(dv: DataView, pos: number): void {
    const le = this.le;
    const major = dv.getUint16(pos + 4, le);
    const minor = dv.getUint16(pos + 6, le);
    this.pcapSnaplen = dv.getUint32(pos + 16, le);
    // The upper bits hold FCS length flags; the link type is the low 16 bits.
    this.pcapLinkType = dv.getUint32(pos + 20, le) & 0xffff;
    // Before version 2.3 the captured and original lengths were stored the other way round.
    this.pcapSwapLengths = major < 2 || (major === 2 && minor < 3);
    if (major !== 2) this.warn(`unusual pcap version ${major}.${minor}; reading it as 2.4`);
    if (this.pcapNano) this.nanosecond = true;
    if (!DECODABLE_LINK_TYPES.has(this.pcapLinkType)) this.warn(unknownLinkTypeWarning(0, this.pcapLinkType));
    this.phase = 'pcap';
  }

  private overSnap(n: number, offset: number, caplen: number, snaplen: number): void {
    if (++this.overSnapCount === 1) {
      this.warn(`packet ${n} at byte offset ${offset} has ${caplen} captured bytes, more than the snap length ${snaplen}; reading them anyway`);
    }
  }

  /** Realtime replay: ms to wait before delivering a packet stamped `ts`, shortening long gaps. */
  private dueIn(ts: number): number {
    const now = Date.now();
    if (Number.isNaN(this.rtPktBase)) {
      this.rtPktBase = ts;
      this.rtWallBase = now;
      return 0;
    }
    const wait = this.rtWallBase + (ts - this.rtPktBase) - now;
    if (wait > this.maxGapMs) {
      this.rtWallBase -= wait - this.maxGapMs;
      return this.maxGapMs;
    }
    return wait;
  }

  private processPcap(buf: Buffer, dv: DataView, pos: number, end: number, base: number, onPacket: (p: RawPacket) => void): number {
    const le = this.le;
    const pkt = this.pkt;
    const nano = this.pcapNano;
    const snaplen = this.pcapSnaplen;
    pkt.linkType = this.pcapLinkType;
    pkt.ifIndex = 0;
    pkt.tsNanos = nano;
    // The bytes the next record needs, set where the buffer ends in a header or in a frame and stored once
    // after the loop: each buffer ends in one of the two, and the first end in a header came late in a run,
    // where a store of its own, never run before, threw away this compiled loop (and the pipeline it inlines).
    let need = -1;
    while (!this.stopped) {
      if (end - pos < PCAP_RECORD_LEN) {
        need = PCAP_RECORD_LEN;
        break;
      }
      // The record header's four words under one test of the byte order: read with a byte order known
      // only at run time, each DataView read carried both orders' code and its own test (~22 instructions a
      // packet more, measured); with a constant, the branch a file never takes is left out of compiled code.
      let sec: number, frac: number, caplen: number, len: number;
      if (le) {
        sec = dv.getUint32(pos, true);
        frac = dv.getUint32(pos + 4, true);
        caplen = dv.getUint32(pos + 8, true);
        len = dv.getUint32(pos + 12, true);
      } else {
        sec = dv.getUint32(pos, false);
        frac = dv.getUint32(pos + 4, false);
        caplen = dv.getUint32(pos + 8, false);
        len = dv.getUint32(pos + 12, false);
      }
      if (this.pcapSwapLengths && caplen > len) {
        const t = caplen;
        caplen = len;
        len = t;
      }
      if (caplen > MAX_RECORD_LEN) {
        // A classic pcap has no block framing to resynchronise on, so stop rather than guess.
        this.warn(
          `packet ${this.packets + 1} at byte offset ${base + pos} claims ${caplen} captured bytes, ` +
            `more than the ${MAX_RECORD_LEN}-byte maximum; the rest of the file is not read`,
        );
        this.phase = 'done';
        return pos;
      }
      if (end - pos < PCAP_RECORD_LEN + caplen) {
        need = PCAP_RECORD_LEN + caplen;
        break;
      }
      const ts = nano ? sec * 1000 + frac / 1e6 : sec * 1000 + frac / 1000;
      if (this.realtime) {
        const wait = this.dueIn(ts);
        if (wait >= 1) {
          this.pauseMs = wait;
          return pos;
        }
      }
      if (snaplen !== 0 && caplen > snaplen) this.overSnap(this.packets + 1, base + pos, caplen, snaplen);
      pkt.ts = ts;
      pkt.tsSec = sec;
      pkt.tsNsec = nano ? frac : frac * 1000;
      pkt.caplen = caplen;
      pkt.len = len;
      pkt.off = pos + PCAP_RECORD_LEN;
      pkt.fileOffset = base + pkt.off;
      pos += PCAP_RECORD_LEN + caplen;
      this.packets++;
      onPacket(pkt);
    }
    if (need >= 0) this.need = need;
    return pos;
  }

  private processPcapng(buf: Buffer, dv: DataView, pos: number, end: number, base: number, onPacket: (p: RawPacket) => void): number {
    while (!this.stopped) {
      if (end - pos < 12) {
        this.need = 12;
        return pos;
      }
      const type = dv.getUint32(pos, this.le);
      if (type === PCAPNG_SHB) {
        // Each section states its own byte order; the block type reads the same either way.
        const bom = dv.getUint32(pos + 8, true);
        if (bom === PCAPNG_BOM) this.le = true;
        else if (bom === 0x4d3c2b1a) this.le = false;
        else if (this.sections === 0) throw this.notCapture(buf, pos, end);
        else {
          this.warn(`section header at byte offset ${base + pos} has a bad byte-order magic; the rest of the file is not read`);
          this.phase = 'done';
          return pos;
        }
      }
      const le = this.le;
      const blen = dv.getUint32(pos + 4, le);
      if (blen < 12 || blen % 4 !== 0 || (type === PCAPNG_SHB && blen < 28)) {
        if (this.sections === 0) throw new SourceError(`${this.display}: pcapng section header block has an invalid length ${blen}`, 'EFORMAT');
        this.warn(`block at byte offset ${base + pos} has an invalid length ${blen}; the rest of the file is not read`);
        this.phase = 'done';
        return pos;
      }
      if (blen > MAX_BUFFERED_BLOCK) {
        if (type === PCAPNG_SHB || type === BT_IDB) {
          this.warn(`${type === BT_IDB ? 'interface description' : 'section header'} block at byte offset ${base + pos} claims ${blen} bytes; the rest of the file is not read`);
          this.phase = 'done';
          return pos;
        }
        if (type === BT_EPB || type === BT_PB || type === BT_SPB) {
          this.warn(`packet block at byte offset ${base + pos} claims ${blen} bytes, more than any packet needs; skipped`);
        }
        this.skip = blen;
        return pos;
      }
      if (end - pos < blen) {
        this.need = blen;
        return pos;
      }
      if (dv.getUint32(pos + blen - 4, le) !== blen) {
        this.warn(`block at byte offset ${base + pos} has mismatched leading and trailing lengths (${blen}); the rest of the file is not read`);
        this.phase = 'done';
        return pos;
      }
      switch (type) {
        case PCAPNG_SHB: {
          const major = dv.getUint16(pos + 12, le);
          const minor = dv.getUint16(pos + 14, le);
          if (major !== 1) {
            if (this.sections === 0) throw new SourceError(`${this.display}: unsupported pcapng version ${major}.${minor}`, 'EFORMAT');
            this.warn(`section at byte offset ${base + pos} has unsupported pcapng version ${major}.${minor}; the rest of the file is not read`);
            this.phase = 'done';
            return pos;
          }
          this.sections++;
          this.ifaceBase += this.ifaces.length;
          this.ifaces = [];
          break;
        }
        case BT_IDB:
          if (blen >= 20) this.readIdb(dv, pos, blen);
          else this.badBlock(`interface description block at byte offset ${base + pos} is too short (${blen} bytes); ignored`);
          break;
        case BT_EPB:
        case BT_PB:
        case BT_SPB: {
          const r = this.readPacketBlock(buf, dv, type, pos, blen, base, onPacket);
          if (r === PAUSE) return pos;
          break;
        }
        case BT_ISB:
          if (blen >= 24) this.readIsb(dv, pos, blen);
          break;
        default:
          // Name resolution, decryption secrets, custom and unknown blocks: not needed for detection.
          break;
      }
      pos += blen;
    }
    return pos;
  }

  private badBlock(msg: string): void {
    if (++this.badBlockCount <= 5) this.warn(msg);
  }

  private readIdb(dv: DataView, pos: number, blen: number): void {
    const le = this.le;
    const iface: Interface = {
      linkType: dv.getUint16(pos + 8, le),
      snaplen: dv.getUint32(pos + 12, le),
      units: 1e6,
      unitsBig: 1_000_000n,
      nsMul: 1000,
      offsetSec: 0,
      drops: null,
    };
    const optEnd = pos + blen - 4;
    for (let o = pos + 16; o + 4 <= optEnd; ) {
      const code = dv.getUint16(o, le);
      const olen = dv.getUint16(o + 2, le);
      if (code === 0 || o + 4 + olen > optEnd) break;
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const v = dv.getUint8(o + 4);
        const exp = v & 0x7f;
        // High bit set: a power of two (2^-exp s); otherwise a power of ten.
        iface.unitsBig = v & 0x80 ? 1n << BigInt(exp) : 10n ** BigInt(exp);
        iface.units = Number(iface.unitsBig);
        iface.nsMul = iface.unitsBig <= 1_000_000_000n && 1_000_000_000n % iface.unitsBig === 0n ? Number(1_000_000_000n / iface.unitsBig) : 0;
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        iface.offsetSec = Number(dv.getBigInt64(o + 4, le));
      }
      o += 4 + ((olen + 3) & ~3);
    }
    if (iface.units > 1e6) this.nanosecond = true;
    const id = this.ifaceBase + this.ifaces.length;
    if (!DECODABLE_LINK_TYPES.has(iface.linkType)) this.warn(unknownLinkTypeWarning(id, iface.linkType));
    this.ifaces.push(iface);
    this.allLinkTypes.push(iface.linkType);
  }

  private readIsb(dv: DataView, pos: number, blen: number): void {
    const le = this.le;
    const id = dv.getUint32(pos + 8, le);
    const optEnd = pos + blen - 4;
    for (let o = pos + 20; o + 4 <= optEnd; ) {
      const code = dv.getUint16(o, le);
      const olen = dv.getUint16(o + 2, le);
      if (code === 0 || o + 4 + olen > optEnd) break;
      if (code === OPT_ISB_IFDROP && olen >= 8) this.allDrops.set(`${this.sections}:${id}`, Number(dv.getBigUint64(o + 4, le)));
      o += 4 + ((olen + 3) & ~3);
    }
  }

  /** Splits a 64-bit count of `units` into whole seconds (outSec) and remaining units (outRem), exactly. */
  private splitUnits(hi: number, lo: number, iface: Interface): void {
    const u = iface.units;
    if (hi < 0x200000) {
      // Below 2^53 the value is exact as a double (every microsecond pcapng until the year 2255).
      const v = hi * TWO32 + lo;
      const s = Math.floor(v / u);
      this.outSec = s;
      this.outRem = v - s * u;
    } else if (u <= 2 ** 37) {
      // Long division in base 2^16 keeps every partial product below 2^53.
      let cur = hi >>> 16;
      let d = Math.floor(cur / u);
      let r = cur - d * u;
      let q = d;
      cur = r * 65536 + (hi & 0xffff);
      d = Math.floor(cur / u);
      r = cur - d * u;
      q = q * 65536 + d;
      cur = r * 65536 + (lo >>> 16);
      d = Math.floor(cur / u);
      r = cur - d * u;
      q = q * 65536 + d;
      cur = r * 65536 + (lo & 0xffff);
      d = Math.floor(cur / u);
      r = cur - d * u;
      q = q * 65536 + d;
      this.outSec = q;
      this.outRem = r;
    } else {
      const v = (BigInt(hi) << 32n) | BigInt(lo);
      this.outSec = Number(v / iface.unitsBig);
      this.outRem = Number(v % iface.unitsBig);
    }
  }

  private readPacketBlock(
    buf: Buffer,
    dv: DataView,
    type: number,
    pos: number,
    blen: number,
    base: number,
    onPacket: (p: RawPacket) => void,
  ): number {
    const le = this.le;
    const n = this.packets + 1;
    let ifId: number;
    let caplen: number;
    let len: number;
    let dataOff: number;
    let hi = 0;
    let lo = 0;
    if (type === BT_SPB) {
      if (blen < 16) {
        this.badBlock(`simple packet block at byte offset ${base + pos} is too short (${blen} bytes); skipped`);
        return 0;
      }
      ifId = 0;
      len = dv.getUint32(pos + 8, le);
      dataOff = pos + 12;
      caplen = Math.min(len, blen - 16);
    } else {
      if (blen < 32) {
        this.badBlock(`packet block at byte offset ${base + pos} is too short (${blen} bytes); skipped`);
        return 0;
      }
      ifId = type === BT_EPB ? dv.getUint32(pos + 8, le) : dv.getUint16(pos + 8, le);
      hi = dv.getUint32(pos + 12, le);
      lo = dv.getUint32(pos + 16, le);
      caplen = dv.getUint32(pos + 20, le);
      len = dv.getUint32(pos + 24, le);
      dataOff = pos + 28;
      if (caplen > blen - 32) {
        this.badBlock(`packet ${n} at byte offset ${base + pos} claims ${caplen} captured bytes but its block holds ${blen - 32}; skipped`);
        return 0;
      }
    }
    const iface = this.ifaces[ifId];
    if (iface === undefined) {
      if (++this.badIfaceWarned <= 5) {
        this.warn(`packet block at byte offset ${base + pos} names interface ${ifId}, but its section describes ${this.ifaces.length}; skipped`);
      }
      return 0;
    }
    if (type === BT_SPB && iface.snaplen !== 0 && caplen > iface.snaplen) caplen = iface.snaplen;
    if (caplen > MAX_RECORD_LEN) {
      this.badBlock(`packet ${n} at byte offset ${base + pos} claims ${caplen} captured bytes, more than the ${MAX_RECORD_LEN}-byte maximum; skipped`);
      return 0;
    }
    // A Simple Packet Block carries no timestamp; it reads as the epoch, as in Wireshark.
    let sec = 0;
    let nsec = 0;
    let ts = 0;
    if (type !== BT_SPB) {
      this.splitUnits(hi, lo, iface);
      sec = this.outSec + iface.offsetSec;
      const rem = this.outRem;
      nsec = iface.nsMul !== 0 ? rem * iface.nsMul : Math.floor((rem * 1e9) / iface.units);
      ts = sec * 1000 + (iface.nsMul !== 0 ? nsec / 1e6 : (rem * 1000) / iface.units);
    }
    if (this.realtime) {
      const wait = this.dueIn(ts);
      if (wait >= 1) {
        this.pauseMs = wait;
        return PAUSE;
      }
    }
    if (iface.snaplen !== 0 && caplen > iface.snaplen) this.overSnap(n, base + pos, caplen, iface.snaplen);
    const pkt = this.pkt;
    pkt.ts = ts;
    pkt.tsSec = sec;
    pkt.tsNsec = nsec;
    pkt.tsNanos = iface.units > 1e6;
    pkt.caplen = caplen;
    pkt.len = len;
    pkt.linkType = iface.linkType;
    pkt.ifIndex = this.ifaceBase + ifId;
    pkt.off = dataOff; // pkt.data is the whole buffer: see process()
    pkt.fileOffset = base + dataOff;
    this.packets++;
    onPacket(pkt);
    return 0;
  }
}

const PAUSE = 1;
