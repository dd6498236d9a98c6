// A count of events in a sliding window of packet time, kept in a fixed number of buckets.

/** remove()'s time, handed to removeAt (one counter call at a time: never held across calls). */
const REMOVE_AT = new Float64Array(1);

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
  private readonly counts: Float64Array;
  private readonly slotMs: number;
  /** Slot index (floor(now / slotMs)) of the newest bucket. */
  private head = -1;
  /**
   * The bucket (index into counts) of slot `head`; slot head - k (0 <= k < slots) is in the bucket k
   * before it, cyclically. Kept as the head moves rather than taken as slot % slots: a slot number
   * (about 1.7e10 for 100 ms slots) is a double to V8, whose `%` on doubles is a floating-point remainder
   * (x87 `fprem` on x64), once per add and per bucket passed.
   */
  private headAt = 0;
  /**
   * Sum of the buckets. Starts as a double zero (-0; V8 has no small-integer -0): the first bucket that
   * leaves the window is subtracted as a Float64Array double, and from a small-integer start that moved
   * every counter to a new hidden class late in a run, throwing away the flood detectors' compiled
   * packet path ("wrong map"). total() adds 0, so it gives +0, never -0, for an empty window.
   */
  private sum = -0;
  constructor(windowMs: number, slots = 10) {
    this.counts = new Float64Array(slots);
    this.slotMs = Math.max(1, windowMs / slots);
  }
  /** Moves the window up to `now` (add() and total() make the same test at their own call of moveTo). */
  private advance(now: number): void {
    const slot = Math.floor(now / this.slotMs);
    if (this.head < 0 || slot > this.head) this.moveTo(slot);
  }
  /**
   * Makes `slot` the head, emptying the buckets it passes. Out of line: a counter moves at most once per
   * bucket of packet time, and a caller's optimized code then holds a call, or this loop only where moves
   * are frequent (V8 inlines a call by how often it was made), not one copy per add() and total() inlined.
   * Each of those makes its own call, so the call that follows the other in a detector (syn-flood's add()
   * after total(), connection-flood's total() after add()) never moves, and its copy is not compiled.
   *
   * A counter's first call puts the head one slot back and moves it one step like any other call (the
   * bucket it empties is empty), with no branch of its own: the first counters only ever set their head
   * before V8 compiled the callers that inline this, and the first real move, seconds of packet time
   * later, found the loop without type feedback and threw that code away (total() on both mixes).
   */
  private moveTo(slot: number): void {
    // The head read once, ahead of the test: a load only in the branch of later calls had no feedback.
    const head = this.head;
    const from = head < 0 ? slot - 1 : head;
    const n = this.counts.length;
    const steps = Math.min(n, slot - from);
    let j = this.headAt;
    for (let i = 1; i <= steps; i++) {
      j = j + 1 === n ? 0 : j + 1;
      this.sum -= this.counts[j];
      this.counts[j] = 0;
    }
    // After a jump past the whole window every bucket is empty, and any bucket may be the head's.
    this.headAt = j;
    this.head = slot;
  }
  /** The bucket of `slot`, which must be in the window (head - slots < slot <= head). */
  private bucketOf(slot: number): number {
    const i = this.headAt - (this.head - slot);
    // Wrapped without a branch (n & (i >> 31) is n when i < 0, else 0): a bucket behind the head's place in
    // the array, first met late in a run (connection-flood's first removal), found no type feedback for the
    // wrapped case and threw away the flood detector's compiled code.
    return i + (this.counts.length & (i >> 31));
  }
  add(now: number, delta = 1): void {
    const slot = Math.floor(now / this.slotMs);
    if (this.head < 0 || slot > this.head) this.moveTo(slot);
    if (slot > this.head - this.counts.length && slot <= this.head) {
      this.counts[this.bucketOf(slot)] += delta;
      this.sum += delta;
    }
  }
  /** Removes an event added at time `at` (removeAt with the time in a scratch array: one body for both). */
  remove(at: number): void {
    REMOVE_AT[0] = at;
    this.removeAt(REMOVE_AT, 0);
  }
  /**
   * Removes an event added at time `times[i]` if its bucket is still in the window (never below zero).
   *
   * The time is read from the caller's array (the SYN-flood detector's table of pending handshakes), not
   * passed as a number: a number argument of a call V8 does not inline is boxed into a new heap number,
   * twice per completed handshake.
   *
   * Without moving the window to now: a bucket that the move would empty is emptied by the next move
   * whatever it then holds, and every read (total(), oldest()) moves first, so what they give is the same.
   * A move here (syn-flood's handshake path) first ran late in a run, and its call, never made before,
   * threw away syn-flood's compiled packet path.
   */
  removeAt(times: Float64Array, i: number): void {
    const slot = Math.floor(times[i] / this.slotMs);
    if (slot > this.head - this.counts.length && slot <= this.head) {
      const b = this.bucketOf(slot);
      if (this.counts[b] > 0) {
        this.counts[b]--;
        this.sum--;
      }
    }
  }
  total(now: number): number {
    const slot = Math.floor(now / this.slotMs);
    if (this.head < 0 || slot > this.head) this.moveTo(slot);
    return this.sum + 0;
  }
  /** Start time (ms) of the oldest bucket that holds events, or `now` when empty. */
  oldest(now: number): number {
    this.advance(now);
    const n = this.counts.length;
    for (let k = n - 1; k >= 0; k--) {
      const slot = this.head - k;
      if (this.counts[this.bucketOf(slot)] > 0) return slot * this.slotMs;
    }
    return now;
  }
}
