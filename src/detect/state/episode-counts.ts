// Per-slot episode counts (first event raises, repeats update at most once per interval) over an AddrTable's slots.
import type { AddrTable } from './addr-table.js';

/**
 * Per-slot counts for detectors whose first event raises and whose repeats update the same alert at
 * most once per `updateMs` of packet time (suspicious ports, decode anomalies). Slots are those of an
 * AddrTable; an episode idle for `idleMs` starts afresh.
 */
export class EpisodeCounts {
  readonly count: Float64Array;
  readonly reported: Float64Array;
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly lastRaise: Float64Array;
  private lastSweep = 0;

  constructor(
    readonly tab: AddrTable,
    private readonly updateMs: number,
    private readonly idleMs: number,
  ) {
    const n = tab.slots;
    this.count = new Float64Array(n);
    this.reported = new Float64Array(n);
    this.first = new Float64Array(n);
    this.last = new Float64Array(n);
    this.lastRaise = new Float64Array(n);
  }

  /** True when slot `s` (or no slot, -1) starts a new episode at `now`. */
  isFresh(s: number, now: number): boolean {
    return s < 0 || now - this.last[s] > this.idleMs;
  }

  /** Starts an episode in slot `s`. */
  start(s: number, now: number): void {
    this.count[s] = 1;
    this.reported[s] = 0;
    this.first[s] = now;
    this.last[s] = now;
    this.lastRaise[s] = 0;
  }

  /** Counts a repeat; true when the alert is due an update. */
  repeat(s: number, now: number): boolean {
    this.count[s]++;
    this.last[s] = now;
    return now - this.lastRaise[s] >= this.updateMs;
  }

  /**
   * Counts an event in slot `s`: the first of an episode when `fresh` (as start()), else a repeat (as
   * repeat()); true when it is to be reported (always for the first). One path for both, each step run
   * on every call: the first repeat comes late in a run (suspicious-port on the benign mix), and its own
   * code, never run before, threw away the compiled packet path that inlines this.
   */
  event(s: number, now: number, fresh: boolean): boolean {
    const c = this.count[s];
    this.count[s] = (fresh ? 0 : c) + 1;
    this.last[s] = now;
    if (fresh) {
      this.reported[s] = 0;
      this.first[s] = now;
      this.lastRaise[s] = 0;
    }
    const due = now - this.lastRaise[s] >= this.updateMs;
    return fresh || due;
  }

  /** Notes that slot `s` was reported now (call from the detector's report). */
  reportedAt(s: number, now: number): void {
    this.lastRaise[s] = now;
    this.reported[s] = this.count[s];
  }

  /** Slots whose count grew since their last report, oldest first (onTick's catch-up reports). */
  due(): number[] {
    const tab = this.tab;
    if (tab.count === 0) return [];
    const due: number[] = [];
    for (let s = 0; s < tab.slots; s++) if (tab.isUsed(s) && this.count[s] !== this.reported[s]) due.push(s);
    return tab.byAge(due);
  }

  /** Removes episodes idle past idleMs (every 30 s of packet time unless `force`); `onRemove` clears extra slot data. */
  sweep(now: number, onRemove: (s: number) => void, force = false): void {
    if (!force) {
      if (now - this.lastSweep < 30_000) return;
      this.lastSweep = now;
    }
    const tab = this.tab;
    if (tab.count === 0) return;
    for (let s = 0; s < tab.slots; s++) {
      if (tab.isUsed(s) && now - this.last[s] > this.idleMs) {
        onRemove(s);
        tab.remove(s);
      }
    }
  }
}
