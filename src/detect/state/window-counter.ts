// A count of events in a sliding window of packet time, kept in a fixed number of buckets.

/**
 * Events in a sliding window, kept as `slots` buckets: add() and total() are O(slots) at worst (when
 * the window moves past buckets), O(1) otherwise; memory is constant. Time is packet time (ms).
 *
 * The total is kept as the buckets change rather than summed on each call (the flood detectors ask for
 * it two or three times per SYN and per completed handshake). Counts are whole numbers (add()'s delta
 * is 1 or another integer at every call site), and sums of whole numbers below 2^53 are exact in any
 * order, so the kept total is the sum of the buckets.
 */
export class WindowCounter {
  /**
   * The buckets, a plain array of small integers rather than a Float64Array: ten doubles are 80 bytes, over
   * V8's 64-byte limit for a typed array kept on its heap, so each counter's array got an off-heap backing
   * store (an ArrayBuffer with external memory, slow to make and to collect), one per flood state. Counts
   * stay whole numbers; a count past the small-integer range moves the array to doubles, still exact.
   */
  private readonly counts: number[];
  private readonly slotMs: number;
  /** Slot index (floor(now / slotMs)) of the newest bucket. */
  private head = -1;
  /**
   * Sum of the buckets. Starts as a double zero (-0; V8 has no small-integer -0): when the buckets were a
   * Float64Array, the first one to leave the window was subtracted as a double, and from a small-integer
   * start that moved every counter to a new hidden class late in a run, throwing away the flood detectors'
   * compiled packet path ("wrong map"); kept so a count past the small-integer range cannot do the same.
   * total() adds 0, so it gives +0, never -0, for an empty window.
   */
  private sum = -0;
  constructor(windowMs: number, slots = 10) {
    const counts: number[] = [];
    for (let i = 0; i < slots; i++) counts.push(0);
    this.counts = counts;
    this.slotMs = Math.max(1, windowMs / slots);
  }
  private advance(now: number): void {
    const slot = Math.floor(now / this.slotMs);
    if (this.head < 0) {
      this.head = slot;
      return;
    }
    if (slot <= this.head) return;
    const n = this.counts.length;
    const steps = Math.min(n, slot - this.head);
    for (let i = 1; i <= steps; i++) {
      const j = (this.head + i) % n;
      this.sum -= this.counts[j];
      this.counts[j] = 0;
    }
    this.head = slot;
  }
  add(now: number, delta = 1): void {
    this.advance(now);
    const slot = Math.floor(now / this.slotMs);
    if (slot > this.head - this.counts.length && slot <= this.head) {
      this.counts[slot % this.counts.length] += delta;
      this.sum += delta;
    }
  }
  /** Removes an event added at time `at` if its bucket is still in the window (never below zero). */
  remove(now: number, at: number): void {
    this.advance(now);
    const slot = Math.floor(at / this.slotMs);
    if (slot > this.head - this.counts.length && slot <= this.head) {
      const i = slot % this.counts.length;
      if (this.counts[i] > 0) {
        this.counts[i]--;
        this.sum--;
      }
    }
  }
  total(now: number): number {
    this.advance(now);
    return this.sum + 0;
  }
  /** Start time (ms) of the oldest bucket that holds events, or `now` when empty. */
  oldest(now: number): number {
    this.advance(now);
    const n = this.counts.length;
    for (let k = n - 1; k >= 0; k--) {
      const slot = this.head - k;
      if (this.counts[((slot % n) + n) % n] > 0) return slot * this.slotMs;
    }
    return now;
  }
}
