// A fixed-size table of TCP handshakes in progress, so a spoofed SYN flood costs no allocation.

/**
 * A fixed-size table of TCP handshakes in progress, keyed by the initiator's 4-tuple given as address
 * hashes (addrHash) and ports (slot by one hash, checked by a second as fingerprint): no allocation per
 * SYN, so a spoofed flood costs nothing but overwritten slots (a collision forgets one handshake, which
 * only makes a count slightly high).
 *
 * An occupancy bitset (one bit per slot, 8 KiB for 65536 slots) sits in front of the slot arrays: the
 * SYN-flood and connection-flood detectors look up every pure ACK, and nearly all of them belong to
 * connections whose handshake already left the table, so the lookup is answered from the bitset (which
 * stays in cache) instead of a random read of the 512 KiB time array. expire() walks the bitset's words
 * and skips empty ones.
 */
export class HandshakeTable {
  readonly ts: Float64Array;
  readonly fp: Int32Array;
  readonly stage: Uint8Array;
  /** Bit (slot & 31) of word (slot >>> 5) is set while ts[slot] !== 0. */
  private readonly occ: Int32Array;
  private readonly mask: number;
  count = 0;
  constructor(bits = 16) {
    const n = 1 << bits;
    this.ts = new Float64Array(n);
    this.fp = new Int32Array(n);
    this.stage = new Uint8Array(n);
    this.occ = new Int32Array(Math.max(1, n >>> 5));
    this.mask = n - 1;
  }
  private slotOf(a: number, b: number, sp: number, dp: number): number {
    return ((Math.imul(a ^ Math.imul(b, 0x85ebca6b) ^ ((sp << 16) | dp), 0xc2b2ae35) ^ (a >>> 13)) >>> 0) & this.mask;
  }
  private fpOf(a: number, b: number, sp: number, dp: number): number {
    return Math.imul(b ^ Math.imul(a, 0x27d4eb2f) ^ ((dp << 16) | sp), 0x165667b1) | 1;
  }
  /** Slot of the initiator 4-tuple if present, else -1. `a`, `b`: addrHash() of source and destination. */
  find(a: number, sport: number, b: number, dport: number): number {
    const s = this.slotOf(a, b, sport, dport);
    if ((this.occ[s >>> 5] & (1 << (s & 31))) === 0) return -1;
    return this.fp[s] === this.fpOf(a, b, sport, dport) ? s : -1;
  }
  /** Records a handshake start (replacing whatever held its slot); returns its slot. `a`, `b`: addrHash() of source and destination. */
  add(a: number, sport: number, b: number, dport: number, now: number, stage = 1): number {
    const s = this.slotOf(a, b, sport, dport);
    if (this.ts[s] === 0) {
      this.count++;
      this.occ[s >>> 5] |= 1 << (s & 31);
    }
    this.ts[s] = now || 1;
    this.fp[s] = this.fpOf(a, b, sport, dport);
    this.stage[s] = stage;
    return s;
  }
  remove(slot: number): void {
    if (this.ts[slot] !== 0) {
      this.ts[slot] = 0;
      this.occ[slot >>> 5] &= ~(1 << (slot & 31));
      this.count--;
    }
  }
  /** Forgets handshakes older than maxAgeMs. */
  expire(now: number, maxAgeMs: number): void {
    if (this.count === 0) return;
    const ts = this.ts;
    const occ = this.occ;
    for (let w = 0; w < occ.length; w++) {
      let bits = occ[w];
      while (bits !== 0) {
        const low = bits & -bits;
        const s = (w << 5) | (31 - Math.clz32(low));
        bits ^= low;
        if (now - ts[s] > maxAgeMs) {
          ts[s] = 0;
          occ[w] &= ~low;
          this.count--;
        }
      }
    }
  }
}
