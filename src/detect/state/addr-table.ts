// A fixed-size, set-associative table of detector keys made of up to two addresses and a number, allocated once.
import * as keys from './addr-keys.js';

// A module-local copy: optimized code reads an imported binding through its module cell and tests it for
// the temporal dead zone at every use (V8 does not fold it); a local const is folded to its value.
const { addrHash } = keys;

/** Ways (slots) per bucket of an AddrTable. */
const WAYS = 8;
/** Tag bits of an AddrTable slot (the low byte of its tag word). */
const T_USED = 1;
const T_V6 = 2;

/**
 * A fixed-size, set-associative hash table for detector state keyed by up to two addresses and a
 * number: (a4, a6, b4, b6, x), where an address is its int32 IPv4 form plus its IPv6 text ('' for
 * IPv4), as Packet keeps them. It only holds the keys; a detector keeps its values in typed arrays
 * (or plain arrays) indexed by the slot number this table hands out.
 *
 * Why: a Map keyed by a string built per packet costs a string, a Map entry and usually an object per
 * new key, all promoted garbage once the key is evicted; under a spoofed flood of a million sources
 * that garbage, not the live state, is what grew the heap. Here a lookup allocates nothing and the
 * memory is fixed when the table is made. The numeric key fields of a slot sit side by side (a4, b4,
 * x, tag), so scanning a bucket touches two cache lines; IPv6 text is only compared for IPv6 keys.
 *
 * Beside the keys, one byte per slot holds a fingerprint of its key (8 other bits of the same hash; 0
 * for an empty slot). find() reads the bucket's 8 fingerprint bytes (one cache line of a table 16 times
 * smaller than the keys) and compares full keys only in the slots whose fingerprint matches, in slot
 * order as before, so it returns the same slot; a lookup of a key that is not there (most of them: the
 * probe tracker asks for both directions of every data packet) usually touches no key at all.
 *
 * A key lives in one bucket of 8 slots (chosen by hash). When its bucket is full a new key replaces
 * the slot with the lowest pin (the detector's priority, e.g. 1 for state that already holds
 * evidence of a scan), oldest `touched` first: a flood of new keys pushes out single-packet state
 * before real evidence. `replaced` tells the caller that insert() overwrote a live entry (so it can
 * drop that entry's values). insert() finds a free slot by the fingerprint bytes (0: empty) that the
 * find() before it has just read, and the pins live in their own array, so taking a slot reads no
 * key line (that read, a cache miss in a big table, was most of an insert's cost).
 */
export class AddrTable {
  /** Slots (a power of two, at least 8). */
  readonly slots: number;
  /** Per slot: a4, b4, x, tag (T_USED, T_V6). */
  private readonly k: Int32Array;
  /** Per slot: eviction priority, as the unsigned 24 bits the tag word once held it in. */
  private readonly pins: Uint32Array;
  /** Per slot: fingerprint of its key (1-255), 0 when empty. */
  private readonly fps: Uint8Array;
  /** fps as 32-bit words: a bucket's 8 fingerprints are two of them (buckets start at multiples of 8). */
  private readonly fpw: Uint32Array;
  /** Set by base(): the fingerprint of the key it hashed. */
  private fp = 0;
  /**
   * Per slot: its pair of IPv6 texts in `texts` (a at 2j, b at 2j + 1), j > 0 once the slot has held an
   * IPv6 key; j = 0 is a pair of '' that is never written with anything else.
   */
  private readonly v6at: Int32Array;
  /**
   * IPv6 texts of the slots that have held an IPv6 key, pair by pair in the order the slots first did,
   * grown as they come. Why not two string arrays of a text per slot: those were filled at construction,
   * 16 bytes a slot of the JS heap for every table (1 MiB for the probe tracker's 65,536 slots), made
   * again for every run, where most slots never hold an IPv6 key.
   */
  private readonly texts: string[] = ['', ''];
  /** Last use (packet time); the detector sets it, insert() prefers the oldest as victim. */
  readonly touched: Float64Array;
  /** Insertion sequence number of each entry: reports that go out together keep first-seen order. */
  readonly born: Float64Array;
  private births = 0;
  private readonly mask: number;
  /** Live entries. */
  count = 0;
  /** Live entries replaced because their bucket was full (a flood of distinct keys shows up here). */
  evicted = 0;
  /** Set by insert(): true when the returned slot held a live entry (now replaced). */
  replaced = false;

  constructor(cap: number) {
    let n = WAYS;
    while (n < cap) n *= 2;
    this.slots = n;
    this.k = new Int32Array(n * 4);
    this.pins = new Uint32Array(n);
    this.fps = new Uint8Array(n);
    this.fpw = new Uint32Array(this.fps.buffer);
    this.v6at = new Int32Array(n);
    this.touched = new Float64Array(n);
    this.born = new Float64Array(n);
    this.mask = n / WAYS - 1;
  }

  a4(slot: number): number {
    return this.k[slot << 2];
  }
  b4(slot: number): number {
    return this.k[(slot << 2) + 1];
  }
  x(slot: number): number {
    return this.k[(slot << 2) + 2];
  }
  a6(slot: number): string {
    return (this.k[(slot << 2) + 3] & T_V6) !== 0 ? this.texts[2 * this.v6at[slot]] : '';
  }
  b6(slot: number): string {
    return (this.k[(slot << 2) + 3] & T_V6) !== 0 ? this.texts[2 * this.v6at[slot] + 1] : '';
  }
  isUsed(slot: number): boolean {
    return (this.k[(slot << 2) + 3] & T_USED) !== 0;
  }
  /** Eviction priority (lower goes first); 0 after insert(). */
  setPin(slot: number, pin: number): void {
    this.pins[slot] = (pin << 8) >>> 8;
  }
  /** The eviction priority setPin() stored (so setPin(slot, pinOf(slot)) changes nothing). */
  pinOf(slot: number): number {
    return this.pins[slot];
  }

  /** First slot of the key's bucket, from its addresses' hashes (addrHash of a and of b); sets fp. */
  private base(ha: number, hb: number, x: number): number {
    let h = Math.imul(ha ^ (ha >>> 16) ^ hb, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ x, 0xc2b2ae35);
    h ^= h >>> 16;
    // The bucket comes from the low bits; the fingerprint from the top byte (never 0).
    this.fp = h >>> 24 || 1;
    return (h & this.mask) * WAYS;
  }

  /** Slot of the key, or -1. */
  find(a4: number, a6: string, b4: number, b6: string, x: number): number {
    return this.findH(addrHash(a4, a6), addrHash(b4, b6), a4, a6, b4, b6, x);
  }

  /**
   * find() given the addresses' hashes, `ha` = addrHash(a4, a6) and `hb` = addrHash(b4, b6): a caller that
   * looks up several keys of one pair of addresses (both directions of a packet) hashes each address once.
   * An IPv6 text's hash is a loop over its characters, four of them per data packet otherwise.
   */
  findH(ha: number, hb: number, a4: number, a6: string, b4: number, b6: string, x: number): number {
    const s0 = this.base(ha, hb, x);
    const fp = this.fp;
    // No slot of the bucket holds the fingerprint (most lookups: the probe tracker asks for both directions
    // of every data packet): its two fingerprint words have no byte equal to fp, which the zero-byte test
    // on (word ^ fp in every byte) tells exactly (a byte order's matter only for which byte, not whether).
    // A miss then costs two loads, not a loop over 8 slots with a typed-array load and test each.
    const fpx = Math.imul(fp, 0x01010101);
    const w0 = this.fpw[s0 >> 2] ^ fpx;
    const w1 = this.fpw[(s0 >> 2) + 1] ^ fpx;
    if (((((w0 - 0x01010101) & ~w0) | ((w1 - 0x01010101) & ~w1)) & 0x80808080) === 0) return -1;
    const fps = this.fps;
    const want = a6 !== '' || b6 !== '' ? T_USED | T_V6 : T_USED;
    const k = this.k;
    for (let s = s0; s < s0 + WAYS; s++) {
      if (fps[s] !== fp) continue;
      const i = s << 2;
      if (
        (k[i + 3] & (T_USED | T_V6)) === want &&
        k[i + 2] === x &&
        k[i] === a4 &&
        k[i + 1] === b4 &&
        (want === T_USED || (this.texts[2 * this.v6at[s]] === a6 && this.texts[2 * this.v6at[s] + 1] === b6))
      ) {
        return s;
      }
    }
    return -1;
  }

  /**
   * Takes a slot for a key that find() did not return: an empty one of its bucket, else the lowest
   * pin, least recently touched. Sets the key and pin 0; `replaced` says whether a live entry was
   * overwritten. The caller sets `touched[slot]` to its time at once: a time passed in as a number
   * argument would be boxed into a new heap number per insert, on a detector's packet path.
   */
  insert(a4: number, a6: string, b4: number, b6: string, x: number): number {
    return this.insertH(addrHash(a4, a6), addrHash(b4, b6), a4, a6, b4, b6, x);
  }

  /** insert() given the addresses' hashes (as findH takes them). */
  insertH(ha: number, hb: number, a4: number, a6: string, b4: number, b6: string, x: number): number {
    const s0 = this.base(ha, hb, x);
    const k = this.k;
    const fps = this.fps;
    // The first empty slot (fingerprint 0), else the lowest pin, least recently touched, first in slot order.
    let free = -1;
    for (let s = s0; s < s0 + WAYS; s++) {
      if (fps[s] === 0) {
        free = s;
        break;
      }
    }
    // The victim search runs for every insert: over the whole bucket when it is full, else over the free
    // slot alone (each compared with the first, itself included, which changes nothing). Its operations
    // then have type feedback before the first full bucket, which deoptimized this method late in a run.
    // The free slot's pin and time are the lines this insert and its caller write anyway.
    const pins = this.pins;
    const touched = this.touched;
    const first = free < 0 ? s0 : free;
    const end = first + (free < 0 ? WAYS : 1);
    let v = first;
    let vRank = pins[first];
    for (let s = first; s < end; s++) {
      const rank = pins[s];
      if (rank < vRank || (rank === vRank && touched[s] < touched[v])) {
        v = s;
        vRank = rank;
      }
    }
    const i = v << 2;
    const old = k[i + 3];
    // Both counts updated without a branch, so the first eviction finds type feedback in whatever
    // inlined this (a recompilation of a detector's packet path otherwise).
    const replaced = fps[v] !== 0;
    this.replaced = replaced;
    this.evicted += replaced ? 1 : 0;
    this.count += replaced ? 0 : 1;
    k[i] = a4;
    k[i + 1] = b4;
    k[i + 2] = x;
    fps[v] = this.fp;
    this.pins[v] = 0;
    const v6 = a6 !== '' || b6 !== '';
    k[i + 3] = v6 ? T_USED | T_V6 : T_USED;
    // The texts of an IPv6 key, or '' over an IPv6 key's (an IPv4 key's texts are ''), in one place: the
    // first IPv4 key to replace an IPv6 one, late in a run, then finds type feedback (it deoptimized this).
    if (v6 || (old & T_V6) !== 0) {
      let j = this.v6at[v];
      if (j === 0) {
        // The slot's first IPv6 key (an IPv6 key was there before only if it has a pair already).
        j = this.texts.length >> 1;
        this.v6at[v] = j;
        this.texts.push('', '');
      }
      this.texts[2 * j] = a6;
      this.texts[2 * j + 1] = b6;
    }
    this.born[v] = ++this.births;
    return v;
  }

  /** Orders two slots by insertion (made once, for byAge). */
  private readonly olderFirst = (i: number, j: number): number => this.born[i] - this.born[j];

  /** Sorts slots by insertion order (oldest entry first), in place. */
  byAge(slots: number[]): number[] {
    // Sorted whatever the length (0 or 1 slots stay as they are): the first list of two or more, late in
    // a run, then finds type feedback for the call (its untaken branch deoptimized distributed-scan's pairsOf).
    return slots.sort(this.olderFirst);
  }

  remove(slot: number): void {
    const i = (slot << 2) + 3;
    const tag = this.k[i];
    if ((tag & T_USED) !== 0) {
      this.k[i] = 0;
      this.fps[slot] = 0;
      if ((tag & T_V6) !== 0) {
        const j = this.v6at[slot];
        this.texts[2 * j] = '';
        this.texts[2 * j + 1] = '';
      }
      this.count--;
    }
  }

  /**
   * remove(slot) when `yes`, else nothing; slot must be a slot number either way. Every operation runs on
   * every call (selects, not a branch), so a caller whose first removal comes late in a run finds type
   * feedback for it: an untaken branch holding remove() deoptimized distributed-scan's evidence path there.
   */
  removeIf(slot: number, yes: boolean): void {
    const i = (slot << 2) + 3;
    const tag = this.k[i];
    const used = (tag & T_USED) !== 0;
    const v6 = (tag & T_V6) !== 0;
    const gone = yes && used;
    const texts = gone && v6;
    this.k[i] = gone ? 0 : tag;
    this.fps[slot] = gone ? 0 : this.fps[slot];
    // A slot without a pair of texts writes '' over pair 0's ''.
    const j = 2 * this.v6at[slot];
    this.texts[j] = texts ? '' : this.texts[j];
    this.texts[j + 1] = texts ? '' : this.texts[j + 1];
    this.count -= gone ? 1 : 0;
  }

  clear(): void {
    this.k.fill(0);
    this.pins.fill(0);
    this.fps.fill(0);
    // Each slot keeps its pair for its next IPv6 key.
    this.texts.fill('');
    this.count = 0;
  }
}
