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
// bottleneck; here memory is bounded when the ring is made and never shrinks.
//
// Why the arena and the record tables grow up to their size instead of being made at it: the kept ring
// of the default settings is 32 MiB of arena and 524,288 records (about 67 MB of ArrayBuffers), most of
// which a run never fills. V8 counts ArrayBuffers as external memory, and that much of it made at start
// started a full (mark-compact) collection before the first packet and another at exit, and a scavenge
// at each later table: about 0.14 G instructions of a 1.3 G run of an empty capture (cachegrind). The
// ring evicts by its sizes (`arenaSize`, `capacity`), never by what it has allocated, so growing changes
// nothing it keeps or evicts.
import type { RawPacket } from '../capture/types.js';

/** Bytes of arena a ring takes at its first frame (at most its size); it doubles when a frame would pass its end. */
const FIRST_ARENA_BYTES = 256 * 1024;
/** Records a ring's tables take at its first frame (at most its capacity); they double when a record needs a slot past them. */
const FIRST_RECORDS = 4096;

/** Why a record left the ring (for counters). */
export type Evicted = (owner: number, caplen: number) => void;

export class FrameRing {
  /** The frames' bytes so far (one byte when the ring holds no bytes): grows up to `arenaSize`. */
  arena: Uint8Array;
  /** Bytes the ring accounts for: the arena's size, whether or not it holds the bytes. */
  readonly arenaSize: number;
  /** Whether add() copies the frames' bytes into the arena. */
  readonly holdsBytes: boolean;
  private arenaView: DataView;
  /** The last source buffer copied from and a DataView over it (made again only when the buffer changes). */
  private srcBytes: Uint8Array | null = null;
  private srcView: DataView = new DataView(new ArrayBuffer(0));
  readonly capacity: number;
  /**
   * Per record: where its bytes are, how many, and what the source said about the frame. The tables
   * grow up to `capacity` records (read them through the fields, not through copies kept across an add).
   */
  off: Int32Array;
  caplen: Int32Array;
  len: Int32Array;
  linkType: Int32Array;
  /** Owner id (alert slot) for the kept ring; address keys for the lookback ring. */
  owner: Int32Array;
  srcKey: Int32Array;
  dstKey: Int32Array;
  /** Frame number in the capture (1-based). */
  n: Float64Array;
  ts: Float64Array;
  tsSec: Float64Array;
  tsNsec: Float64Array;
  /** Byte offset of the frame in its capture file; -1 when not from a file. */
  fileOffset: Float64Array;
  /** 1 when the source's clock is finer than a microsecond (RawPacket.tsNanos). */
  nanos: Uint8Array;
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
    // Empty until the first frame, which grows them: so add() takes its growth branches at its first call
    // and V8 has their feedback from then. Tables first grown later in a run (the 4,097th record) threw
    // away add's optimized code there, and the code it was inlined into (--trace-deopt, attack-heavy mix).
    this.arena = new Uint8Array(holdBytes ? 0 : 1);
    this.arenaView = new DataView(this.arena.buffer);
    this.capacity = Math.max(1, records);
    this.off = new Int32Array(0);
    this.caplen = new Int32Array(0);
    this.len = new Int32Array(0);
    this.linkType = new Int32Array(0);
    this.owner = new Int32Array(0);
    this.srcKey = new Int32Array(0);
    this.dstKey = new Int32Array(0);
    this.n = new Float64Array(0);
    this.ts = new Float64Array(0);
    this.tsSec = new Float64Array(0);
    this.tsNsec = new Float64Array(0);
    this.fileOffset = new Float64Array(0);
    this.nanos = new Uint8Array(0);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes the arena takes when full: `arenaSize`, or one for a ring that holds no bytes. */
  get arenaBytes(): number {
    return this.holdsBytes ? this.arenaSize : 1;
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
      if (w + cap > this.arena.length) this.growArena(w + cap);
      copyBytes(this.arenaView, w, this.srcView, raw.off, cap);
    }
    const r = this.at(this.count);
    if (r >= this.off.length) this.growRecords(r + 1);
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

  /** Makes the arena at least `need` bytes (at most arenaSize), keeping the bytes written so far. */
  private growArena(need: number): void {
    let size = Math.max(FIRST_ARENA_BYTES, this.arena.length * 2);
    while (size < need) size *= 2;
    const arena = new Uint8Array(Math.min(size, this.arenaSize));
    arena.set(this.arena);
    this.arena = arena;
    this.arenaView = new DataView(arena.buffer);
  }

  /**
   * Makes the record tables at least `need` records (at most capacity), keeping the records so far. Until
   * the tables are at capacity no record index has wrapped (indexes count up from 0), so a copy keeps
   * every record at its index.
   */
  private growRecords(need: number): void {
    let size = Math.max(FIRST_RECORDS, this.off.length * 2);
    while (size < need) size *= 2;
    const c = Math.min(size, this.capacity);
    this.off = grown(this.off, new Int32Array(c));
    this.caplen = grown(this.caplen, new Int32Array(c));
    this.len = grown(this.len, new Int32Array(c));
    this.linkType = grown(this.linkType, new Int32Array(c));
    this.owner = grown(this.owner, new Int32Array(c));
    this.srcKey = grown(this.srcKey, new Int32Array(c));
    this.dstKey = grown(this.dstKey, new Int32Array(c));
    this.n = grown(this.n, new Float64Array(c));
    this.ts = grown(this.ts, new Float64Array(c));
    this.tsSec = grown(this.tsSec, new Float64Array(c));
    this.tsNsec = grown(this.tsNsec, new Float64Array(c));
    this.fileOffset = grown(this.fileOffset, new Float64Array(c));
    this.nanos = grown(this.nanos, new Uint8Array(c));
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

/** `to` (a larger table of the same type) with `from` copied into its start. */
function grown<T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
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
