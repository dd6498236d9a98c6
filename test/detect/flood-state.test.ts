// The flood detectors' per-victim and per-source state: KeySet against a Set, PortCounts against the
// Map it replaced, and WindowCounter's kept total against the sum of its buckets, under random
// operations (growth, the key 0, IPv6 text, clear and reuse, the port cap, time jumps and old times).
import { describe, expect, it } from 'vitest';
import { KeySet, PortCounts, WindowCounter } from '../../src/detect/state/index.js';
import { rng } from '../helpers/seeded-random.js';

describe('KeySet', () => {
  it('answers size, has and the first key as a Set of the same keys does, through growth and clears', () => {
    for (const [seed, slots] of [
      [1, undefined],
      [2, undefined],
      [3, undefined],
      [4, undefined],
      [1, 1],
      [2, 3],
      [3, 32],
      [4, 100],
    ] as const) {
      const r = rng(seed);
      const ks = new KeySet(slots);
      let ref = new Set<number | string>();
      // Key ranges from crowded (many repeats) to sparse (nearly all new); int32 keys of both signs and 0.
      const range = [4, 100, 5000, 2 ** 32][seed - 1];
      for (let i = 0; i < 20_000; i++) {
        const op = r();
        if (op < 0.002) {
          ks.clear();
          ref = new Set();
          continue;
        }
        let k: number | string;
        if (op < 0.15) k = `2001:db8::${Math.floor(r() * range).toString(16)}`;
        else if (op < 0.2) k = 0;
        else k = (Math.floor(r() * range) - (range > 5000 ? 2 ** 31 : 0)) | 0;
        if (op < 0.6) {
          const added = ks.add(k);
          expect(added).toBe(!ref.has(k));
          ref.add(k);
        } else {
          expect(ks.has(k)).toBe(ref.has(k));
        }
        expect(ks.size).toBe(ref.size);
        expect(ks.first).toBe(ref.size > 0 ? ref.values().next().value : undefined);
      }
    }
  });

  it('is filled to half its table and emptied thousands of times with distinct keys and still answers', () => {
    // Lookups probe until an empty slot; clear() zeroes the whole table (no deletion marks, see e81a962
    // for a table that kept them), so this bounded churn keeps answering: a regression that lost the
    // empty slots would hang a lookup, ended by vitest's timeout.
    const ks = new KeySet(32);
    let next = 1;
    for (let round = 0; round < 5000; round++) {
      const from = next;
      for (let i = 0; i < 16; i++) expect(ks.add(next++)).toBe(true);
      expect(ks.size).toBe(16);
      expect(ks.has(from - 1)).toBe(false); // a key of the round before, cleared
      expect(ks.has(next)).toBe(false);
      expect(ks.has(from + 15)).toBe(true);
      ks.clear();
      expect(ks.has(from)).toBe(false);
    }
    expect((ks as unknown as { keys: Int32Array }).keys.length).toBe(32);
  });

  it('starts with the table it is asked for, a power of two, and grows it only past half full', () => {
    // The int table's length through its own behaviour: a set of n slots takes n/2 keys before it grows.
    const slotsOf = (ks: KeySet): number => (ks as unknown as { keys: Int32Array }).keys.length;
    expect(slotsOf(new KeySet())).toBe(8);
    expect(slotsOf(new KeySet(32))).toBe(32);
    expect(slotsOf(new KeySet(20))).toBe(32);
    expect(slotsOf(new KeySet(0))).toBe(2);
    const ks = new KeySet(32);
    for (let i = 1; i <= 16; i++) ks.add(i * 7919);
    expect(slotsOf(ks)).toBe(32);
    ks.add(17 * 7919);
    expect(slotsOf(ks)).toBe(64);
    for (let i = 1; i <= 17; i++) expect(ks.has(i * 7919)).toBe(true);
    expect(ks.has(18 * 7919)).toBe(false);
  });

  it('holds 10,000 distinct int keys and finds each, none it was not given', () => {
    const ks = new KeySet();
    for (let i = 1; i <= 10_000; i++) expect(ks.add(Math.imul(i, 0x9e3779b1))).toBe(true);
    expect(ks.size).toBe(10_000);
    for (let i = 1; i <= 10_000; i++) expect(ks.has(Math.imul(i, 0x9e3779b1))).toBe(true);
    for (let i = 10_001; i <= 12_000; i++) expect(ks.has(Math.imul(i, 0x9e3779b1))).toBe(false);
    ks.clear();
    expect(ks.size).toBe(0);
    expect(ks.has(Math.imul(5, 0x9e3779b1))).toBe(false);
    expect(ks.add(7)).toBe(true);
    expect(ks.first).toBe(7);
  });
});

describe('PortCounts', () => {
  /** The Map the flood detectors kept before, and how they listed its top ports. */
  const bumpMap = (m: Map<number, number>, port: number, cap: number): void => {
    if (m.size < cap || m.has(port)) m.set(port, (m.get(port) ?? 0) + 1);
  };
  const topMap = (m: Map<number, number>, k: number): number[] =>
    Array.from(m.entries())
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([p]) => p);

  it('counts and lists the top ports exactly as the Map did, ties in first-seen order, past the cap', () => {
    for (const [seed, cap, ports] of [
      [1, 64, 3],
      [2, 64, 40],
      [3, 64, 500],
      [4, 32, 33],
      [5, 32, 65536],
    ] as const) {
      const r = rng(seed);
      const pc = new PortCounts(cap);
      const m = new Map<number, number>();
      for (let i = 0; i < 5000; i++) {
        if (r() < 0.001) {
          pc.clear();
          m.clear();
        }
        const port = Math.floor(r() * ports);
        pc.bump(port);
        bumpMap(m, port, cap);
        if (i % 97 === 0) {
          expect(pc.size).toBe(m.size);
          expect(pc.top(10)).toEqual(topMap(m, 10));
          expect(pc.count(port)).toBe(m.get(port) ?? 0);
        }
      }
      expect(pc.top(10)).toEqual(topMap(m, 10));
      expect(pc.top(1000)).toEqual(topMap(m, 1000));
    }
  });

  it('forgets every port at clear(), also those a shorter reuse leaves behind in its array', () => {
    const pc = new PortCounts(8);
    for (let port = 100; port < 110; port++) for (let i = 0; i <= port - 100; i++) pc.bump(port);
    expect(pc.size).toBe(8);
    expect(pc.top(3)).toEqual([107, 106, 105]);
    pc.clear();
    expect(pc.size).toBe(0);
    expect(pc.top(10)).toEqual([]);
    expect(pc.count(103)).toBe(0);
    pc.bump(7);
    pc.bump(101);
    pc.bump(7);
    expect(pc.size).toBe(2);
    expect(pc.count(7)).toBe(2);
    expect(pc.count(101)).toBe(1);
    expect(pc.count(102)).toBe(0);
    expect(pc.top(10)).toEqual([7, 101]);
    // The leftovers' ports (102 to 107) are new ports again, counted from 1 up to the cap.
    for (let port = 102; port < 110; port++) pc.bump(port);
    expect(pc.size).toBe(8);
    expect(pc.count(107)).toBe(1);
    expect(pc.count(108)).toBe(0);
    expect(pc.top(3)).toEqual([7, 101, 102]);
  });
});

describe('WindowCounter', () => {
  /** The counter as it was before it kept its total: the same buckets, total() summing them. */
  class Reference {
    private readonly counts: Float64Array;
    private readonly slotMs: number;
    private head = -1;
    constructor(windowMs: number, slots = 10) {
      this.counts = new Float64Array(slots);
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
      for (let i = 1; i <= steps; i++) this.counts[(this.head + i) % n] = 0;
      this.head = slot;
    }
    add(now: number, delta = 1): void {
      this.advance(now);
      const slot = Math.floor(now / this.slotMs);
      if (slot > this.head - this.counts.length && slot <= this.head) this.counts[slot % this.counts.length] += delta;
    }
    remove(now: number, at: number): void {
      this.advance(now);
      const slot = Math.floor(at / this.slotMs);
      if (slot > this.head - this.counts.length && slot <= this.head) {
        const i = slot % this.counts.length;
        if (this.counts[i] > 0) this.counts[i]--;
      }
    }
    total(now: number): number {
      this.advance(now);
      let s = 0;
      for (let i = 0; i < this.counts.length; i++) s += this.counts[i];
      return s;
    }
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

  it('gives the total of its buckets after random adds, removes (both kinds), old times and jumps past the window', () => {
    for (const [seed, windowMs, slots] of [
      [1, 1000, 10],
      [2, 10_000, 10],
      [3, 1000, 3],
      [4, 5, 10],
    ] as const) {
      const r = rng(seed);
      const wc = new WindowCounter(windowMs, slots);
      const ref = new Reference(windowMs, slots);
      let now = 1_700_000_000_000;
      const added: number[] = [];
      for (let i = 0; i < 20_000; i++) {
        const op = r();
        // Mostly small steps, sometimes none, sometimes a jump past the whole window.
        now += op < 0.01 ? windowMs * (1 + Math.floor(r() * 3)) : op < 0.3 ? 0 : r() * (windowMs / 20);
        if (op < 0.55) {
          // Now, or an earlier time (in the window or already out of it).
          const at = r() < 0.8 ? now : now - r() * windowMs * 1.5;
          const delta = r() < 0.9 ? 1 : 1 + Math.floor(r() * 5);
          wc.add(at, delta);
          ref.add(at, delta);
          added.push(at);
        } else if (op < 0.85 && added.length > 0) {
          const at = added[Math.floor(r() * added.length)];
          // remove() and removeAt() (the time read from a table, at an odd index too) take out the same.
          if (r() < 0.5) wc.remove(at);
          else {
            const times = new Float64Array(4);
            const j = 1 + Math.floor(r() * 3);
            times[j] = at;
            wc.removeAt(times, j);
          }
          ref.remove(now, at);
        }
        expect(wc.total(now)).toBe(ref.total(now));
        if (i % 50 === 0) expect(wc.oldest(now)).toBe(ref.oldest(now));
      }
    }
  });

  it('starts its window at whichever call comes first (add, total, remove, removeAt or oldest), each moving it on its own', () => {
    const start = 1_700_000_000_000;
    const first: ((wc: WindowCounter | Reference, at: number) => unknown)[] = [
      (wc, at) => wc.add(at),
      (wc, at) => wc.total(at),
      (wc, at) => (wc instanceof WindowCounter ? wc.remove(at) : wc.remove(at, at)),
      (wc, at) => (wc instanceof WindowCounter ? wc.removeAt(Float64Array.of(at), 0) : wc.remove(at, at)),
      (wc, at) => wc.oldest(at),
    ];
    for (const call of first) {
      const wc = new WindowCounter(1000, 10);
      const ref = new Reference(1000, 10);
      call(wc, start);
      call(ref, start);
      // total() then add() at a later bucket (syn-flood's order), add() then total() (connection-flood's),
      // and a jump past the whole window.
      for (const step of [0, 150, 40, 1000, 2500, 30]) {
        const now = start + step;
        expect(wc.total(now)).toBe(ref.total(now));
        wc.add(now);
        ref.add(now);
        wc.add(now + 120);
        ref.add(now + 120);
        expect(wc.total(now + 120)).toBe(ref.total(now + 120));
        expect(wc.oldest(now + 120)).toBe(ref.oldest(now + 120));
      }
    }
  });

  it('removes without moving the window: an event whose bucket the next move empties counts the same (the reference moves first)', () => {
    // Times within one bucket, the next, the edge of the window and past it, each removed before any
    // read at a later time (the move that would have emptied its bucket comes only with that read).
    for (const later of [0, 50, 100, 899, 900, 950, 1000, 1099, 1100, 5000]) {
      const wc = new WindowCounter(1000, 10);
      const ref = new Reference(1000, 10);
      const t = 1_700_000_000_000;
      for (const at of [t - 950, t - 500, t - 100, t, t]) {
        wc.add(at);
        ref.add(at);
      }
      expect(wc.total(t)).toBe(ref.total(t));
      for (const at of [t, t - 500, t - 950, t - 2000, t + later]) {
        wc.remove(at);
        ref.remove(t + later, at);
      }
      expect(wc.oldest(t + later)).toBe(ref.oldest(t + later));
      expect(wc.total(t + later)).toBe(ref.total(t + later));
      wc.add(t + later);
      ref.add(t + later);
      expect(wc.total(t + later + 10)).toBe(ref.total(t + later + 10));
    }
  });

  it('stays exact with bucket counts past the small-integer and int32 ranges (an Int32Array would not)', () => {
    const wc = new WindowCounter(1000, 10);
    const ref = new Reference(1000, 10);
    let now = 1_700_000_000_000;
    for (const delta of [1, 2 ** 30, 2 ** 31, 2 ** 40, 3]) {
      for (let step = 0; step < 12; step++) {
        now += 70;
        wc.add(now, delta);
        ref.add(now, delta);
        wc.remove(now - 150);
        ref.remove(now, now - 150);
        expect(wc.total(now)).toBe(ref.total(now));
        expect(wc.oldest(now)).toBe(ref.oldest(now));
      }
    }
    expect(wc.total(now)).toBeGreaterThan(2 ** 40);
  });
});
