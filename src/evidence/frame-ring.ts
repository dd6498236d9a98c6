// A first-in first-out store of copied frames in one preallocated byte arena with fixed-size record
// tables: adding a frame copies its bytes and writes a few numbers, allocating nothing; when the arena
// or the record table is full the oldest frames are evicted first.
//
// A ring made without bytes (`holdBytes` false) keeps only the records, with the same accounting: it
// evicts exactly the frames a ring with bytes would, and the caller reads a frame's bytes back from its
// capture file by the recorded offset (the evidence store's lookback for a file source).
//
// Why an arena and typed arrays, not an object per frame: the evidence store copies packets on the
// packet path, and under a flood an object per packet is what makes the garbage collector the
// bottleneck; here memory is fixed when the ring is made and never grows.
import type { RawPacket } from '../capture/types.js';

/** Why a record left the ring (for counters). */
export type Evicted = (owner: number, caplen: number) => void;

export class FrameRing {
  /** The frames' bytes (one byte when the ring holds no bytes). */
  readonly arena: Uint8Array;
  /** Bytes the ring accounts for: the arena's size, whether or not it holds the bytes. */
  readonly arenaSize: number;
  /** Whether add() copies the frames' bytes into the arena. */
  readonly holdsBytes: boolean;
  private readonly arenaView: DataView;
  /** The last source buffer copied from and a DataView over it (made again only when the buffer changes). */
  private srcBytes: Uint8Array | null = null;
  private srcView: DataView = new DataView(new ArrayBuffer(0));
  readonly capacity: number;
  /** Per record: where its bytes are, how many, and what the source said about the frame. */
  readonly off: Int32Array;
  readonly caplen: Int32Array;
  readonly len: Int32Array;
  readonly linkType: Int32Array;
  /** Owner id (alert slot) for the kept ring; address keys for the lookback ring. */
  readonly owner: Int32Array;
  readonly srcKey: Int32Array;
  readonly dstKey: Int32Array;
  /** Frame number in the capture (1-based). */
  readonly n: Float64Array;
  readonly ts: Float64Array;
  readonly tsSec: Float64Array;
  readonly tsNsec: Float64Array;
  /** Byte offset of the frame in its capture file; -1 when not from a file. */
  readonly fileOffset: Float64Array;
  /** 1 when the source's clock is finer than a microsecond (RawPacket.tsNanos). */
  readonly nanos: Uint8Array;
  /** Index of the oldest record and the number of records. */
  private head = 0;
  private count = 0;
  /** Next arena byte to write. */
  private write = 0;
  bytesHeld = 0;
  /** Frames evicted to make room, and frames too large to keep at all. */
  evictions = 0;

  constructor(arenaBytes: number, records: number, private readonly onEvict: Evicted | null = null, holdBytes = true) {
    this.arenaSize = Math.max(1, arenaBytes);
    this.holdsBytes = holdBytes;
    this.arena = new Uint8Array(holdBytes ? this.arenaSize : 1);
    this.arenaView = new DataView(this.arena.buffer);
    this.capacity = Math.max(1, records);
    const c = this.capacity;
    this.off = new Int32Array(c);
    this.caplen = new Int32Array(c);
    this.len = new Int32Array(c);
    this.linkType = new Int32Array(c);
    this.owner = new Int32Array(c);
    this.srcKey = new Int32Array(c);
    this.dstKey = new Int32Array(c);
    this.n = new Float64Array(c);
    this.ts = new Float64Array(c);
    this.tsSec = new Float64Array(c);
    this.tsNsec = new Float64Array(c);
    this.fileOffset = new Float64Array(c);
    this.nanos = new Uint8Array(c);
  }

  get size(): number {
    return this.count;
  }

  /** Record index of the i-th oldest record (0 <= i < size). */
  at(i: number): number {
    // The wrap-around without a branch of its own: the first index past the end comes late in a run, and
    // its subtraction, never run before, threw away the compiled code that inlined this (add, the lookback).
    const c = this.capacity;
    const r = this.head + i;
    return r - (r >= c ? c : 0);
  }

  private dropOldest(): void {
    const r = this.head;
    this.bytesHeld -= this.caplen[r];
    this.evictions++;
    if (this.onEvict) this.onEvict(this.owner[r], this.caplen[r]);
    this.head = r + 1 === this.capacity ? 0 : r + 1;
    this.count--;
  }

  /**
   * Copies the frame's bytes (at most the arena's size; only the record in a ring without bytes) and
   * returns the record index, evicting the oldest records whose bytes or slots are needed.
   */
  add(raw: RawPacket, n: number, owner: number, srcKey: number, dstKey: number): number {
    const size = this.arenaSize;
    let cap = raw.caplen;
    if (cap > size) cap = size;
    if (this.count === this.capacity) this.dropOldest();
    let w = this.write;
    // Records at or past `tail` are evicted. Past the arena's end (no record is) unless this frame wraps to
    // the start: then the records between the write point and the end are the oldest ones, and the space
    // after them is lost until the next wrap.
    let tail = size + 1;
    if (w + cap > size) {
      tail = w;
      w = 0;
    }
    // Evict the oldest records while they lie past `tail` or their bytes overlap [w, w + cap). Records lie
    // in the arena in the order they were written, so the oldest is always the next one in the way. One
    // loop for both: the first wrap comes late in a run, and a loop of its own, never run before, threw
    // away the compiled code of add.
    while (this.count > 0) {
      const h = this.head;
      const o = this.off[h];
      if (o >= tail || (o < w + cap && o + this.caplen[h] > w)) this.dropOldest();
      else break;
    }
    if (this.holdsBytes) {
      const src = raw.data;
      if (src !== this.srcBytes) {
        this.srcBytes = src;
        this.srcView = new DataView(src.buffer, src.byteOffset, src.byteLength);
      }
      copyBytes(this.arenaView, w, this.srcView, raw.off, cap);
    }
    const r = this.at(this.count);
    this.off[r] = w;
    this.caplen[r] = cap;
    this.len[r] = raw.len;
    this.linkType[r] = raw.linkType;
    this.owner[r] = owner;
    this.srcKey[r] = srcKey;
    this.dstKey[r] = dstKey;
    this.n[r] = n;
    this.ts[r] = raw.ts;
    this.tsSec[r] = raw.tsSec ?? Math.floor(raw.ts / 1000);
    this.tsNsec[r] = raw.tsNsec ?? Math.round((raw.ts - Math.floor(raw.ts / 1000) * 1000) * 1e6);
    this.fileOffset[r] = raw.fileOffset ?? -1;
    this.nanos[r] = raw.tsNanos === true ? 1 : 0;
    this.count++;
    this.bytesHeld += cap;
    this.write = w + cap;
    return r;
  }

  /** Copies record r into `into` (another ring) as a new record with the given owner. */
  copyTo(r: number, into: FrameRing, owner: number): number {
    return into.add(this.rawOf(r, true), this.frameNumber(r), owner, this.srcKey[r], this.dstKey[r]);
  }

  /** Frame number of record r, as the small integer the source counted it as (see asSmall). */
  frameNumber(r: number): number {
    return asSmall(this.n[r]);
  }

  /** The record as a RawPacket; `view` true gives a view into the arena (valid until the next add). */
  rawOf(r: number, view: boolean): RawPacket {
    if (!this.holdsBytes) throw new Error('FrameRing.rawOf: this ring keeps no bytes (read the frame back with recordAround)');
    const o = this.off[r];
    return this.recordAround(r, view ? this.arena.subarray(o, o + this.caplen[r]) : this.arena.slice(o, o + this.caplen[r]));
  }

  /** Record r as a RawPacket around the given bytes of its frame (data at offset 0). */
  recordAround(r: number, bytes: Uint8Array): RawPacket {
    return {
      ts: this.ts[r],
      caplen: this.caplen[r],
      len: this.len[r],
      linkType: this.linkType[r],
      data: bytes,
      off: 0,
      ifIndex: 0,
      tsSec: asSmall(this.tsSec[r]),
      tsNsec: asSmall(this.tsNsec[r]),
      tsNanos: this.nanos[r] === 1,
      fileOffset: asSmall(this.fileOffset[r]),
    };
  }
}

/**
 * A number read from a Float64Array, as a small integer when it is one. V8 boxes every Float64Array
 * read as a heap double; stored into a RawPacket or Packet field that so far held only small integers
 * (the frame number, tsSec, fileOffset), it changes the field's representation, which retires the
 * objects' hidden class and throws away the optimised code of every function on the packet path
 * (measured: about 30 functions deoptimised at the first alert's lookback, on every run).
 */
function asSmall(x: number): number {
  return (x | 0) === x ? x | 0 : x;
}

/**
 * Copies n bytes, sixteen at a time as two 64-bit words, then the rest byte by byte, making no object.
 * Against set() over a subarray view (a new view object per frame, most of what the evidence store
 * allocated per packet): faster up to about 400 bytes (60 bytes 21 ns against 34, 256 bytes 31 against
 * 41), about twice as slow for a full 1,514-byte frame (160 ns against 71), measured on this machine.
 * The words are read and written with the same byte order through DataViews, which hand the 64 bits
 * over unchanged, NaN patterns included (a float64 is never computed with here); the frame ring's tests
 * copy every NaN pattern at every alignment.
 */
function copyBytes(dst: DataView, at: number, src: DataView, from: number, n: number): void {
  let i = 0;
  for (const e = n - 15; i < e; i += 16) {
    dst.setFloat64(at + i, src.getFloat64(from + i, true), true);
    dst.setFloat64(at + i + 8, src.getFloat64(from + i + 8, true), true);
  }
  for (; i < n; i++) dst.setUint8(at + i, src.getUint8(from + i));
}
