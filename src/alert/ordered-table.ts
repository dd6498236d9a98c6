// An insertion-ordered table of string keys (a Map's order and iteration rules) for the alert path's big,
// busy tables: the funnel's open episodes and the history's write queue.
//
// Why not a Map: in an alert storm or a stream of new alerts each new alert sets and later deletes a key in
// tables of thousands, and a Map of that size cost 0.3-1 us per operation on this machine (its hash table
// is rebuilt, grown and shrunk as thousands of keys come and go, and each miss compares keys in its chain).
// Here the caller passes the key's hash (the funnel has it already), entries sit in arrays in the order
// they were added, and an open-addressing index of int32 positions finds them: a miss reads one or two
// slots of an Int32Array, and the arrays are only compacted (not rebuilt per key) when their end is reached.
//
// A key may carry a tag (a second string, compared as the key is): the funnel's episodes are keyed by the
// alert type and the raise site's key as a pair, with no string made of the two (in an alert storm that
// concatenation, flattened to be hashed and kept as long as its episode, was the funnel's largest allocation).
// Keys without one have the tag ''.
//
// Order and iteration as a Map's: set() of a new key appends it, set() of a key held replaces its value in
// place, delete() leaves its place empty; each() visits entries in order, also those added while it runs,
// never those deleted before their turn.
import { textHash } from './text-filter.js';

/** Positions of a new table (doubled as needed). */
const INITIAL = 64;
const EMPTY = 0;
const DELETED = -1;

export class OrderedTable<V> {
  /** By position: the key (null: deleted), its tag, its hash, its value, and its slot in `index`. */
  private keys: Array<string | null>;
  private tags: string[];
  private hashes: Int32Array;
  private vals: Array<V | undefined>;
  private slotOf: Int32Array;
  /** Entries are at positions [start, end) in insertion order (with holes). */
  private start = 0;
  private end = 0;
  /** Open addressing (linear probing): EMPTY, DELETED, or position + 1. At most half full (see grow). */
  private index: Int32Array;
  private mask: number;
  /** each() calls running: positions must not move (no compaction) while one is. */
  private iterating = 0;
  size = 0;

  constructor() {
    this.keys = new Array<string | null>(INITIAL).fill(null);
    this.tags = new Array<string>(INITIAL).fill('');
    this.hashes = new Int32Array(INITIAL);
    this.vals = new Array<V | undefined>(INITIAL).fill(undefined);
    this.slotOf = new Int32Array(INITIAL);
    this.index = new Int32Array(2 * INITIAL);
    this.mask = 2 * INITIAL - 1;
  }

  /** The hash set(), get() and delete() take: textHash, as an int32. */
  static hash(key: string): number {
    return textHash(key) | 0;
  }

  /** The position of `key` with `tag`, or -1. `h`: OrderedTable.hash(key) (or textHash(key): made int32 here). */
  private find(key: string, h: number, tag: string): number {
    h |= 0;
    const index = this.index;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = index[i];
      if (s === EMPTY) return -1;
      if (s !== DELETED && this.hashes[s - 1] === h && this.keys[s - 1] === key && this.tags[s - 1] === tag) return s - 1;
    }
  }

  has(key: string, h = OrderedTable.hash(key), tag = ''): boolean {
    return this.find(key, h, tag) >= 0;
  }

  get(key: string, h = OrderedTable.hash(key), tag = ''): V | undefined {
    const p = this.find(key, h, tag);
    return p < 0 ? undefined : this.vals[p];
  }

  /** A new key goes last; a key held keeps its place and takes the new value (as Map.set). */
  set(key: string, value: V, h = OrderedTable.hash(key), tag = ''): void {
    h |= 0;
    const p = this.find(key, h, tag);
    if (p >= 0) {
      this.vals[p] = value;
      return;
    }
    this.append(key, value, h, tag);
  }

  /**
   * set() of a key the caller knows is not held (it has just looked it up, or deleted it): last, without
   * looking for it again (the funnel opens an episode for every folded alert of a storm).
   */
  add(key: string, value: V, h = OrderedTable.hash(key), tag = ''): void {
    this.append(key, value, h | 0, tag);
  }

  private append(key: string, value: V, h: number, tag: string): void {
    if (this.end === this.keys.length) this.makeRoom();
    const pos = this.end++;
    this.keys[pos] = key;
    this.tags[pos] = tag;
    this.hashes[pos] = h;
    this.vals[pos] = value;
    const index = this.index;
    const mask = this.mask;
    let i = h & mask;
    while (index[i] > 0) i = (i + 1) & mask;
    index[i] = pos + 1;
    this.slotOf[pos] = i;
    this.size++;
  }

  delete(key: string, h = OrderedTable.hash(key), tag = ''): boolean {
    const p = this.find(key, h, tag);
    if (p < 0) return false;
    this.deleteAt(p);
    return true;
  }

  private deleteAt(p: number): void {
    this.index[this.slotOf[p]] = DELETED;
    this.keys[p] = null;
    this.vals[p] = undefined;
    this.size--;
    if (p === this.start) this.skipHoles();
  }

  /** Moves `start` past deleted entries (the oldest is then found at once). */
  private skipHoles(): void {
    while (this.start < this.end && this.keys[this.start] === null) this.start++;
    if (this.start === this.end && this.iterating === 0) this.restart();
  }

  /**
   * An empty table starts again at position 0 with an index of EMPTY slots only. The index must be emptied too:
   * its DELETED marks are otherwise cleared only when the arrays' end is reached (makeRoom), which a table that
   * empties again and again (the history's queue after each write, the funnel's open episodes in quiet times)
   * never reaches, and once every slot was EMPTY no more, a lookup of a missing key probed forever.
   */
  private restart(): void {
    this.start = this.end = 0;
    this.index.fill(EMPTY);
  }

  /** The oldest entry's value (undefined when empty). */
  first(): V | undefined {
    return this.size === 0 ? undefined : this.vals[this.start];
  }

  /** Deletes the oldest entry; its value, or undefined when empty. */
  shift(): V | undefined {
    if (this.size === 0) return undefined;
    const v = this.vals[this.start];
    this.deleteAt(this.start);
    return v;
  }

  /**
   * Calls fn with each value in order (entries added meanwhile too, deleted ones not), until fn returns
   * false. fn may set and delete keys, this table's included.
   */
  each(fn: (v: V) => boolean | void): void {
    this.iterating++;
    try {
      for (let p = this.start; p < this.end; p++) {
        if (this.keys[p] === null) continue;
        if (fn(this.vals[p] as V) === false) return;
      }
    } finally {
      this.iterating--;
      if (this.iterating === 0 && this.start === this.end) this.restart();
    }
  }

  clear(): void {
    this.keys.fill(null, this.start, this.end);
    this.vals.fill(undefined, this.start, this.end);
    this.index.fill(EMPTY);
    // A running each() stops: nothing is left at or after its position.
    if (this.iterating > 0) this.start = this.end;
    else this.start = this.end = 0;
    this.size = 0;
  }

  /** No position left at the end: entries move to the front (or, while each() runs or when over half full, the arrays double). */
  private makeRoom(): void {
    const cap = this.keys.length;
    if (this.iterating === 0 && this.size <= cap / 2) this.compactInPlace();
    else this.compact(cap * 2);
  }

  /** Moves the entries to positions [0, size) of the same arrays and rebuilds the index (no new arrays: this runs every few thousand new keys). */
  private compactInPlace(): void {
    const keys = this.keys;
    const tags = this.tags;
    const hashes = this.hashes;
    const vals = this.vals;
    let n = 0;
    for (let p = this.start; p < this.end; p++) {
      if (keys[p] === null) continue;
      keys[n] = keys[p];
      tags[n] = tags[p];
      hashes[n] = hashes[p];
      vals[n] = vals[p];
      n++;
    }
    keys.fill(null, n, this.end);
    vals.fill(undefined, n, this.end);
    const index = this.index;
    const mask = this.mask;
    index.fill(EMPTY);
    for (let p = 0; p < n; p++) {
      let i = hashes[p] & mask;
      while (index[i] !== EMPTY) i = (i + 1) & mask;
      index[i] = p + 1;
      this.slotOf[p] = i;
    }
    this.start = 0;
    this.end = n;
  }

  /** Rewrites the entries to positions [0, size) of arrays of `cap` (positions kept while each() runs) and rebuilds the index. */
  private compact(cap: number): void {
    const keys = new Array<string | null>(cap).fill(null);
    const tags = new Array<string>(cap).fill('');
    const hashes = new Int32Array(cap);
    const vals = new Array<V | undefined>(cap).fill(undefined);
    const slotOf = new Int32Array(cap);
    // While each() runs an entry keeps its position, so its loop goes on where it was.
    const keep = this.iterating > 0;
    let n = keep ? this.end : 0;
    const from = keep ? 0 : this.start;
    if (keep) {
      for (let p = 0; p < this.end; p++) {
        keys[p] = this.keys[p];
        tags[p] = this.tags[p];
        hashes[p] = this.hashes[p];
        vals[p] = this.vals[p];
      }
    } else {
      for (let p = from; p < this.end; p++) {
        if (this.keys[p] === null) continue;
        keys[n] = this.keys[p];
        tags[n] = this.tags[p];
        hashes[n] = this.hashes[p];
        vals[n] = this.vals[p];
        n++;
      }
    }
    let size = 1;
    while (size < 2 * cap) size <<= 1;
    const index = new Int32Array(size);
    const mask = size - 1;
    for (let p = keep ? this.start : 0; p < n; p++) {
      if (keys[p] === null) continue;
      let i = hashes[p] & mask;
      while (index[i] !== EMPTY) i = (i + 1) & mask;
      index[i] = p + 1;
      slotOf[p] = i;
    }
    this.keys = keys;
    this.tags = tags;
    this.hashes = hashes;
    this.vals = vals;
    this.slotOf = slotOf;
    this.index = index;
    this.mask = mask;
    if (!keep) this.start = 0;
    this.end = n;
  }
}
