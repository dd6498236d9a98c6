// A set of distinct source addresses for a storm alert's `distinct_sources`: IPv4 addresses written in
// normal form (what the decoders give) as numbers in an open-addressing table of int32, any other text in a
// Set. Storm control adds every folded alert's source; in a storm from tens of thousands of spoofed sources,
// adding each text to a Set of strings cost about a microsecond on a busy core (the Set's buckets, its
// entries and the strings compared each a cache miss), most of what folding an alert cost.
import { normalIpv4 } from '../decode/addr.js';

/**
 * Slots of a new table (a power of two); it grows when half full (see GROW_4X_BELOW). Small, so that the first storm grows
 * its set within its first few sources: a first growth at 512 sources came after V8 had optimized storm
 * control's fold with this table inlined, and threw that code away to compile it again.
 */
const INITIAL_SLOTS = 16;
/**
 * Below this many slots a full table grows to four times its size, from there on to twice: a storm's set
 * reaches tens of thousands of sources in a few seconds, and rehashing at every doubling on the way there
 * (16, 32, ... 32,768 slots) cost about 31 M instructions in the storm capture; growing by four rehashes a
 * third as much. The table stays at most 8 slots (5 bytes each) per address while below the mark.
 */
const GROW_4X_BELOW = 1 << 16;

/**
 * The text normalIpv4 read last and what it gave: a storm source's alerts of different types come one after
 * the other, each into its type's storm (a set of its own), and each read the same text again (about a
 * quarter of what folding an alert into a storm cost).
 */
let lastText: string | undefined;
let lastV4: number | null = null;

/** normalIpv4(ip), from the last result when `ip` is the text read last. */
function v4Of(ip: string): number | null {
  if (ip === lastText) return lastV4;
  const v4 = normalIpv4(ip);
  lastText = ip;
  lastV4 = v4;
  return v4;
}

export class AddressSet {
  private keys = new Int32Array(INITIAL_SLOTS);
  /** 1 where keys[] holds an address (every int32 is one, so none can mark an empty slot). */
  private used = new Uint8Array(INITIAL_SLOTS);
  private count4 = 0;
  private readonly others = new Set<string>();

  /** Distinct addresses held. */
  get size(): number {
    return this.count4 + this.others.size;
  }

  /** Adds `ip` (an address's text); true when it was not held yet. */
  add(ip: string): boolean {
    const v4 = v4Of(ip);
    if (v4 === null) {
      const n = this.others.size;
      return this.others.add(ip).size !== n;
    }
    if (2 * (this.count4 + 1) > this.keys.length) this.grow();
    if (!insert(this.keys, this.used, v4)) return false;
    this.count4++;
    return true;
  }

  /** Whether `ip` is held. */
  has(ip: string): boolean {
    const v4 = v4Of(ip);
    if (v4 === null) return this.others.has(ip);
    const mask = this.keys.length - 1;
    for (let i = slotOf(v4, mask); this.used[i] === 1; i = (i + 1) & mask) if (this.keys[i] === v4) return true;
    return false;
  }

  private grow(): void {
    const keys = new Int32Array(this.keys.length * (this.keys.length < GROW_4X_BELOW ? 4 : 2));
    const used = new Uint8Array(keys.length);
    for (let i = 0; i < this.keys.length; i++) if (this.used[i] === 1) insert(keys, used, this.keys[i]);
    this.keys = keys;
    this.used = used;
  }
}

/** The first slot to try for `v`: its bits mixed (neighbouring addresses, as spoofed ones often are, spread out). */
function slotOf(v: number, mask: number): number {
  let h = Math.imul(v ^ (v >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) & mask;
}

/** Puts `v` in the table (linear probing); false when it was there already. */
function insert(keys: Int32Array, used: Uint8Array, v: number): boolean {
  const mask = keys.length - 1;
  let i = slotOf(v, mask);
  while (used[i] === 1) {
    if (keys[i] === v) return false;
    i = (i + 1) & mask;
  }
  keys[i] = v;
  used[i] = 1;
  return true;
}
