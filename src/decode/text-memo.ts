// A memo of Latin-1 texts by their bytes: the same bytes give back the same string instead of a new one.
import { latin1 } from './addr.js';

/**
 * Direct-mapped on a hash of the bytes, every slot holding one text of up to `maxLen` bytes (compared in
 * full, so a hit is always the text latin1() would make); a new text takes its slot's place. Longer
 * texts are made each time and not kept. HTTP header values (the User-Agent, the Host) and URIs come
 * again and again, and a rule or the payload inspector reading them made a new string per message.
 */
export class TextMemo {
  private readonly bytes: Uint8Array;
  /** Byte length of each slot's text; -1: empty. */
  private readonly lens: Int32Array;
  private readonly texts: string[];
  private readonly mask: number;

  /** `slots`: a power of two. */
  constructor(
    slots: number,
    readonly maxLen: number,
  ) {
    if (slots < 1 || (slots & (slots - 1)) !== 0) throw new Error('TextMemo: slots must be a power of two');
    this.bytes = new Uint8Array(slots * maxLen);
    this.lens = new Int32Array(slots).fill(-1);
    this.texts = new Array<string>(slots).fill('');
    this.mask = slots - 1;
  }

  /** latin1(b, off, len), remembered when it fits a slot. */
  text(b: Uint8Array, off: number, len: number): string {
    const end = Math.min(b.length, off + len);
    const n = end - off;
    if (n <= 0) return '';
    if (n > this.maxLen) return latin1(b, off, n);
    let h = 0x811c9dc5 ^ n;
    for (let i = off; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
    const slot = (h ^ (h >>> 15)) & this.mask;
    const at = slot * this.maxLen;
    const mem = this.bytes;
    if (this.lens[slot] === n) {
      let i = 0;
      while (i < n && mem[at + i] === b[off + i]) i++;
      if (i === n) return this.texts[slot];
    }
    return this.remember(b, off, n, slot);
  }

  /**
   * A miss: the text made and put in `slot`. Out of text(), which V8 inlines into every reader of HTTP
   * heads: once the memo holds a capture's repeated texts, misses are rare, and this call (with latin1
   * and the copy loop) is then left out of their optimized code rather than compiled into each.
   */
  private remember(b: Uint8Array, off: number, n: number, slot: number): string {
    const at = slot * this.maxLen;
    const mem = this.bytes;
    const s = latin1(b, off, n);
    for (let i = 0; i < n; i++) mem[at + i] = b[off + i];
    this.lens[slot] = n;
    this.texts[slot] = s;
    return s;
  }
}
