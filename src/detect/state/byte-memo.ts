// A bounded memo keyed by runs of bytes: a value per distinct byte string, found without making a string.
//
// Why: a detector that remembers what it concluded about a piece of wire text (the payload inspector's
// verdict on a header value it sees with every request) had to make a string of the bytes to look it
// up in a Map, on every packet, hit or miss. Here the key's bytes are hashed and compared in place;
// they are copied into a preallocated arena only when a new key is added. Memory is fixed when the memo
// is made: when its entries or its arena are used up it is emptied and starts again (a memo holds
// nothing that cannot be worked out again, so forgetting changes no answer, only its cost).

/** FNV-1a over bytes [from, to) of `b` (32 bits). */
export function hashBytes(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h;
}

export class ByteMemo<V> {
  /** Entries it holds at most. */
  readonly capacity: number;
  /** Open-addressed index (a power of two, at least twice the capacity): entry + 1, 0 when free. */
  private readonly index: Int32Array;
  private readonly mask: number;
  /** Per entry: its key's hash, and where its bytes are in the arena. */
  private readonly hashes: Int32Array;
  private readonly offs: Int32Array;
  private readonly lens: Int32Array;
  private readonly values: Array<V | undefined>;
  private readonly arena: Uint8Array;
  private count = 0;
  private used = 0;
  /** Times it was emptied because it was full (for tests and status). */
  clears = 0;

  /** `capacity` entries whose keys together take at most `arenaBytes` bytes. */
  constructor(capacity: number, arenaBytes: number) {
    this.capacity = Math.max(1, capacity);
    let slots = 2;
    while (slots < this.capacity * 2) slots *= 2;
    this.index = new Int32Array(slots);
    this.mask = slots - 1;
    this.hashes = new Int32Array(this.capacity);
    this.offs = new Int32Array(this.capacity);
    this.lens = new Int32Array(this.capacity);
    this.values = new Array<V | undefined>(this.capacity).fill(undefined);
    this.arena = new Uint8Array(Math.max(1, arenaBytes));
  }

  get size(): number {
    return this.count;
  }

  /** The value remembered for bytes [from, to) of `b`, or undefined. */
  get(b: Uint8Array, from: number, to: number): V | undefined {
    const e = this.find(b, from, to, hashBytes(b, from, to));
    return e < 0 ? undefined : this.values[e];
  }

  /**
   * Remembers `v` for bytes [from, to) of `b` (replacing what was remembered for them). A key longer than
   * the arena is not remembered; when the entries or the arena are used up, everything is forgotten first.
   */
  set(b: Uint8Array, from: number, to: number, v: V): void {
    const len = to - from;
    if (len > this.arena.length) return;
    const h = hashBytes(b, from, to);
    const e = this.find(b, from, to, h);
    if (e >= 0) {
      this.values[e] = v;
      return;
    }
    // The first key of an empty memo empties it too (nothing to forget; not counted as a clear), so this
    // call has run before V8 compiles set(): the first clear of a full memo, late in a run, otherwise
    // threw away set's compiled code (both mixes).
    const n0 = this.count;
    if (n0 === 0 || n0 >= this.capacity || this.used + len > this.arena.length) {
      this.clear();
      this.clears += n0 === 0 ? 0 : 1;
    }
    const n = this.count++;
    this.hashes[n] = h;
    this.offs[n] = this.used;
    this.lens[n] = len;
    this.values[n] = v;
    // A byte loop, not set() over a subarray: keys are short, and the view would be an object per key.
    const arena = this.arena;
    const at = this.used;
    for (let k = 0; k < len; k++) arena[at + k] = b[from + k];
    this.used += len;
    let i = h & this.mask;
    while (this.index[i] !== 0) i = (i + 1) & this.mask;
    this.index[i] = n + 1;
  }

  /** Forgets every entry. */
  clear(): void {
    this.index.fill(0);
    this.values.fill(undefined, 0, this.count);
    this.count = 0;
    this.used = 0;
  }

  private find(b: Uint8Array, from: number, to: number, h: number): number {
    const len = to - from;
    const arena = this.arena;
    // The next slot is computed before the current one is read, on every probe: the first collision,
    // late in a run (the attack-heavy mix), then finds type feedback for it (it deoptimized find).
    for (let i = h & this.mask; ; ) {
      const next = (i + 1) & this.mask;
      const e = this.index[i] - 1;
      if (e < 0) return -1;
      i = next;
      if (this.hashes[e] !== h || this.lens[e] !== len) continue;
      const o = this.offs[e];
      let k = 0;
      while (k < len && arena[o + k] === b[from + k]) k++;
      if (k === len) return e;
    }
  }
}
