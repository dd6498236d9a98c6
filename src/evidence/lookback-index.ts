// An index of the evidence store's lookback ring by address key: each record is linked to the previous record
// naming an address of the same bucket, so an alert's earlier packets are found by walking its address's chain
// instead of every record in the ring.
//
// Why: each new alert searched the whole ring (20,000 records by default, all within lookback_seconds on a busy
// link) for its hosts' packets: 120 M instructions of a 6.2 G run on the bench's benign 200 k mix, for about 300
// alerts (cachegrind with V8's perf map). Keeping the chains costs a few stores per packet.
//
// Records are numbered by serial (the count of records added before them). An entry names a record's ring index
// and side, (index * 2 + side) + 1, 0 for none: a record is in two chains, by its source key (side 0) and its
// destination key (side 1). Each link also holds the serial of the record it names, a double (serials pass 2^31
// on a long capture): the ring is first-in first-out, so a serial older than its oldest record's names a record
// since evicted, and the chain ends there (the index may hold a newer record by then).
//
// The chain walk gives the records of a key newest first, as the ring walk does. It can stop at the first record
// older than a time only when the ring's times never decrease (a capture file may have a packet out of order):
// ordered() says whether they do, else the caller walks the ring.

/** A double zero: a field that starts as a small integer and later holds a double changes its object's map. */
const DOUBLE_ZERO = -0;

export class LookbackIndex {
  /** Records in the ring (its capacity). */
  readonly capacity: number;
  /** Per bucket: its newest entry and that entry's serial. */
  private readonly heads: Int32Array;
  private readonly headSerials: Float64Array;
  /** Per entry (index * 2 + side): the entry before it in its bucket's chain and that entry's serial. */
  private readonly links: Int32Array;
  private readonly linkSerials: Float64Array;
  private readonly shift: number;
  /** Records added so far (the next record's serial): a double from the start, as it passes 2^31 in a long run. */
  private added = DOUBLE_ZERO;
  /** Time of the last record added (-Infinity before the first, which no time is below). */
  private lastTs = Number.NEGATIVE_INFINITY;
  /** Serial of the newest record whose time is before its predecessor's; below 0 when none has been (a double). */
  private descent = -1.5;

  /** `buckets` is rounded up to a power of two (at least 2). */
  constructor(capacity: number, buckets: number) {
    this.capacity = Math.max(1, capacity);
    let bits = 1;
    while (1 << bits < buckets && bits < 24) bits++;
    this.shift = 32 - bits;
    this.heads = new Int32Array(1 << bits);
    this.headSerials = new Float64Array(1 << bits);
    this.links = new Int32Array(2 * this.capacity);
    this.linkSerials = new Float64Array(2 * this.capacity);
  }

  /** How many buckets there are (bucketOf gives 0 to buckets - 1). */
  get buckets(): number {
    return this.heads.length;
  }

  /** The bucket of an address key. */
  bucketOf(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  /** Links the record just added to the ring at index `r`, of keys s and d, at time ts. */
  add(r: number, s: number, d: number, ts: number): void {
    this.addIn(r, this.bucketOf(s), this.bucketOf(d), ts);
  }

  /** add() with the keys' buckets (bucketOf) given: the evidence store has them already. */
  addIn(r: number, hs: number, hd: number, ts: number): void {
    const serial = this.added;
    this.added = serial + 1;
    // Compared and stored every time: a first descent late in a run must not be new code there. A time that is
    // not a number counts as a descent on both sides (no walk may stop at or past it).
    this.descent = ts >= this.lastTs ? this.descent : serial;
    this.lastTs = ts;
    const e = 2 * r;
    this.links[e] = this.heads[hs];
    this.linkSerials[e] = this.headSerials[hs];
    this.heads[hs] = e + 1;
    this.headSerials[hs] = serial;
    this.links[e + 1] = this.heads[hd];
    this.linkSerials[e + 1] = this.headSerials[hd];
    this.heads[hd] = e + 2;
    this.headSerials[hd] = serial;
  }

  /** Whether the times of the ring's `size` newest records never decrease from older to newer. */
  ordered(size: number): boolean {
    // A descent at serial k is between records k - 1 and k: gone once k - 1 is evicted.
    return this.descent <= this.added - size;
  }

  /** The newest entry of the bucket among the ring's `size` newest records, or 0. */
  newest(bucket: number, size: number): number {
    return this.live(this.heads[bucket], this.headSerials[bucket], size);
  }

  /** The entry before entry `v` in its bucket's chain among the ring's `size` newest records, or 0. */
  next(v: number, size: number): number {
    return this.live(this.links[v - 1], this.linkSerials[v - 1], size);
  }

  /** Ring index of entry `v`'s record. */
  recordOf(v: number): number {
    return (v - 1) >> 1;
  }

  /** 0 for an entry by the record's source key, 1 by its destination key. */
  sideOf(v: number): number {
    return (v - 1) & 1;
  }

  /** v, or 0 when it is none or its record (of this serial) has left the ring. */
  private live(v: number, serial: number, size: number): number {
    return v !== 0 && serial >= this.added - size ? v : 0;
  }
}
