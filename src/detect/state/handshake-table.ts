// A fixed-size table of TCP handshakes in progress, so a spoofed SYN flood costs no allocation.

/**
 * A fixed-size table of TCP handshakes in progress, keyed by the initiator's 4-tuple given as address
 * hashes (addrHash) and ports (slot by one hash, checked by a second as fingerprint): no allocation per
 * SYN, so a spoofed flood costs nothing but overwritten slots (a collision forgets one handshake, which
 * only makes a count slightly high).
 *
 * An occupancy bitset (one bit per slot, 8 KiB for 65536 slots) sits in front of the slot records: the
 * SYN-flood and connection-flood detectors look up ACKs, and nearly all of them belong to connections
 * whose handshake already left the table, so the lookup is answered from the bitset (which stays in
 * cache). expire() walks the bitset's words and skips empty ones.
 *
 * A slot's time, fingerprint and stage sit together in one 16-byte record (a float64, then two int32),
 * so each add, hit and removal reads one cache line of the 1 MiB table, where three separate arrays
 * (time, fingerprint, stage) cost up to three cache misses.
 */
export class HandshakeTable {
  /** Float64 view of the records: the time of slot s at 2s (0: empty). */
  private readonly rec: Float64Array;
  /** Int32 view of the same records: the fingerprint of slot s at 4s + 2, its stage at 4s + 3. */
  private readonly ri: Int32Array;
  /** Bit (slot & 31) of word (slot >>> 5) is set while the slot's time is not 0. */
  private readonly occ: Int32Array;
  private readonly mask: number;
  count = 0;
  constructor(bits = 16) {
    const n = 1 << bits;
    const buf = new ArrayBuffer(n * 16);
    this.rec = new Float64Array(buf);
    this.ri = new Int32Array(buf);
    this.occ = new Int32Array(Math.max(1, n >>> 5));
    this.mask = n - 1;
  }
  /** Slots in the table. */
  get size(): number {
    return this.mask + 1;
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
    return this.ri[4 * s + 2] === this.fpOf(a, b, sport, dport) ? s : -1;
  }
  /**
   * Records a handshake start at `t.ts` (replacing whatever held its slot); returns its slot. `a`, `b`:
   * addrHash() of source and destination. Takes the packet, not its time: a number argument of a call V8
   * does not inline is boxed into a new heap number, and the flood detectors call this per SYN.
   */
  add(a: number, sport: number, b: number, dport: number, t: { readonly ts: number }, stage = 1): number {
    const s = this.slotOf(a, b, sport, dport);
    if (this.rec[2 * s] === 0) {
      this.count++;
      this.occ[s >>> 5] |= 1 << (s & 31);
    }
    this.rec[2 * s] = t.ts || 1;
    this.ri[4 * s + 2] = this.fpOf(a, b, sport, dport);
    this.ri[4 * s + 3] = stage;
    return s;
  }
  /** Time the slot's handshake was recorded (0 when the slot is empty). */
  at(slot: number): number {
    return this.rec[2 * slot];
  }
  /**
   * The records' times: at(slot) is times[timeIndex(slot)]. For a caller that hands a time on without
   * taking it as a number (WindowCounter.removeAt): a number returned by a call V8 does not inline is a
   * new heap number, one per completed handshake.
   */
  get times(): Float64Array {
    return this.rec;
  }
  timeIndex(slot: number): number {
    return 2 * slot;
  }
  /** The slot's stage, as add() or setStage() left it. */
  stageOf(slot: number): number {
    return this.ri[4 * slot + 3];
  }
  setStage(slot: number, stage: number): void {
    this.ri[4 * slot + 3] = stage;
  }
  remove(slot: number): void {
    if (this.rec[2 * slot] !== 0) {
      this.rec[2 * slot] = 0;
      this.occ[slot >>> 5] &= ~(1 << (slot & 31));
      this.count--;
    }
  }
  /** Forgets handshakes older than maxAgeMs. */
  expire(now: number, maxAgeMs: number): void {
    if (this.count === 0) return;
    const rec = this.rec;
    const occ = this.occ;
    for (let w = 0; w < occ.length; w++) {
      let bits = occ[w];
      while (bits !== 0) {
        const low = bits & -bits;
        const s = (w << 5) | (31 - Math.clz32(low));
        bits ^= low;
        if (now - rec[2 * s] > maxAgeMs) {
          rec[2 * s] = 0;
          occ[w] &= ~low;
          this.count--;
        }
      }
    }
  }
}
