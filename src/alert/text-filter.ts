// A Bloom filter of strings: whether a text may have been added (false: certainly not), with no table to
// look into. The funnel's per-source counts stop taking new sources at MAX_SOURCES; past that, almost every
// new source of an alert storm is one they do not hold, and asking their Map about it cost a cache miss or
// several (about a microsecond on a busy core) per alert, where this costs a hash of the text and two bits.

/** Bits of a filter made with the default size: 2^17 (16 KiB), about 2% false positives at 10,000 texts. */
const DEFAULT_BITS_LOG2 = 17;

export class TextFilter {
  private readonly words: Int32Array;
  private readonly mask: number;

  constructor(bitsLog2 = DEFAULT_BITS_LOG2) {
    this.words = new Int32Array(1 << Math.max(0, bitsLog2 - 5));
    this.mask = (1 << bitsLog2) - 1;
  }

  add(s: string): void {
    const h = fnv1a(s);
    const a = h & this.mask;
    const b = second(h) & this.mask;
    this.words[a >>> 5] |= 1 << (a & 31);
    this.words[b >>> 5] |= 1 << (b & 31);
  }

  /** False when `s` was certainly never added; true when it may have been. */
  mayHave(s: string): boolean {
    const h = fnv1a(s);
    const a = h & this.mask;
    if ((this.words[a >>> 5] & (1 << (a & 31))) === 0) return false;
    const b = second(h) & this.mask;
    return (this.words[b >>> 5] & (1 << (b & 31))) !== 0;
  }

  clear(): void {
    this.words.fill(0);
  }
}

/** FNV-1a over the UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A second, independent-enough position from the first hash (its bits mixed again). */
function second(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over a text's UTF-16 code units (the hash OrderedTable takes). */
export const textHash = fnv1a;
