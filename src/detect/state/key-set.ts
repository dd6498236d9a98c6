// An exact set of int32 keys (IPv4 addresses as AddrKey, ports) in a flat open-addressing table, with IPv6 text keys beside it.

/** Slots a KeySet starts with unless told (a power of two). */
const INITIAL = 8;

/**
 * An exact set of keys that are int32 numbers (an AddrKey's IPv4 form, a port) or strings (an AddrKey's
 * IPv6 text): what the flood detectors keep per victim or source to count distinct peers, ports and
 * targets. Only membership, the count and the first key added are kept; there is no iteration.
 *
 * Why not a Set: the flood detectors add a key for every SYN and every completed handshake, to a set
 * per destination or source, and a V8 Set spends a hash-table lookup in a separate, larger object on
 * each (plus a new table on each clear()). Here the numbers sit in one Int32Array probed linearly,
 * half full at most, which the optimizing compiler inlines; the few IPv6 keys go to a Set made when the
 * first one comes. The counts and answers are those of a Set of the same keys.
 */
export class KeySet {
  /** Int keys by slot; a slot is empty when its key is 0 (the key 0 itself is `zero`). */
  private keys: Int32Array;
  private mask: number;
  /** Non-zero int keys held. */
  private ints = 0;
  private zero = false;
  private texts: Set<string> | undefined;
  /** The first key added since the set was made or cleared (undefined when empty). */
  first: number | string | undefined;

  /**
   * `slots`: the int table's starting size (rounded up to a power of two, at least 2), for a caller that
   * knows its sets usually grow: each doubling is a new Int32Array. Past 16 slots (64 bytes) V8 keeps a
   * typed array's bytes off its heap, where making one costs far more.
   */
  constructor(slots = INITIAL) {
    let n = 2;
    while (n < slots) n *= 2;
    this.keys = new Int32Array(n);
    this.mask = n - 1;
  }

  /** Keys held. */
  get size(): number {
    return this.ints + (this.zero ? 1 : 0) + (this.texts !== undefined ? this.texts.size : 0);
  }

  /** Adds a key (an int32 number or a string); true when it was not there. */
  add(k: number | string): boolean {
    return typeof k === 'number' ? this.addInt(k) : this.addText(k);
  }

  /** add() for a string key: a call site that knows its key's type skips the test. */
  addText(k: string): boolean {
    let t = this.texts;
    if (t === undefined) t = this.texts = new Set();
    if (t.has(k)) return false;
    t.add(k);
    if (this.first === undefined) this.first = k;
    return true;
  }

  has(k: number | string): boolean {
    if (typeof k !== 'number') return this.texts !== undefined && this.texts.has(k);
    if (k === 0) return this.zero;
    const keys = this.keys;
    const mask = this.mask;
    for (let i = slotOf(k, mask); ; i = (i + 1) & mask) {
      const v = keys[i];
      if (v === k) return true;
      if (v === 0) return false;
    }
  }

  /** add() for an int32 key. */
  addInt(k: number): boolean {
    if (k === 0) {
      if (this.zero) return false;
      this.zero = true;
    } else {
      const keys = this.keys;
      const mask = this.mask;
      let i = slotOf(k, mask);
      for (;;) {
        const v = keys[i];
        if (v === k) return false;
        if (v === 0) break;
        i = (i + 1) & mask;
      }
      keys[i] = k;
      if (++this.ints * 2 > mask + 1) this.grow();
    }
    if (this.first === undefined) this.first = k;
    return true;
  }

  /** Doubles the int table (at most half full afterwards, so a probe always reaches an empty slot). */
  private grow(): void {
    const old = this.keys;
    const n = old.length * 2;
    const keys = new Int32Array(n);
    const mask = n - 1;
    for (let j = 0; j < old.length; j++) {
      const k = old[j];
      if (k === 0) continue;
      let i = slotOf(k, mask);
      while (keys[i] !== 0) i = (i + 1) & mask;
      keys[i] = k;
    }
    this.keys = keys;
    this.mask = mask;
  }

  /** Empties the set; the int table keeps its size (a set that grew once is likely to again). */
  clear(): void {
    // Filled even when it holds no int key: a first fill late in a run (syn-flood's first tumbling second
    // with ports to forget) had no type feedback and threw away the caller's compiled code.
    this.keys.fill(0);
    this.ints = 0;
    this.zero = false;
    if (this.texts !== undefined) this.texts.clear();
    this.first = undefined;
  }
}

function slotOf(k: number, mask: number): number {
  const h = Math.imul(k ^ (k >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) & mask;
}
