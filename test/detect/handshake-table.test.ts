// HandshakeTable (the SYN-flood and connection-flood detectors' table of handshakes in progress): find,
// add, remove, expire and the stages behave exactly as the plain slot arrays did before the occupancy
// bitset and the one-record-per-slot layout (random operations against a reference copy of that table),
// including slot collisions, a table smaller than one bitset word, and expiry across bitset words.
import { describe, expect, it } from 'vitest';
import { HandshakeTable } from '../../src/detect/state/index.js';
import { rng } from '../helpers/seeded-random.js';

/** The table as it was before the bitset: the same hashes, ts !== 0 meaning occupied. */
class Reference {
  readonly ts: Float64Array;
  readonly fp: Int32Array;
  readonly stage: Uint8Array;
  private readonly mask: number;
  count = 0;
  constructor(bits: number) {
    const n = 1 << bits;
    this.ts = new Float64Array(n);
    this.fp = new Int32Array(n);
    this.stage = new Uint8Array(n);
    this.mask = n - 1;
  }
  private slotOf(a: number, b: number, sp: number, dp: number): number {
    return ((Math.imul(a ^ Math.imul(b, 0x85ebca6b) ^ ((sp << 16) | dp), 0xc2b2ae35) ^ (a >>> 13)) >>> 0) & this.mask;
  }
  private fpOf(a: number, b: number, sp: number, dp: number): number {
    return Math.imul(b ^ Math.imul(a, 0x27d4eb2f) ^ ((dp << 16) | sp), 0x165667b1) | 1;
  }
  find(a: number, sport: number, b: number, dport: number): number {
    const s = this.slotOf(a, b, sport, dport);
    return this.ts[s] !== 0 && this.fp[s] === this.fpOf(a, b, sport, dport) ? s : -1;
  }
  add(a: number, sport: number, b: number, dport: number, now: number, stage = 1): number {
    const s = this.slotOf(a, b, sport, dport);
    if (this.ts[s] === 0) this.count++;
    this.ts[s] = now || 1;
    this.fp[s] = this.fpOf(a, b, sport, dport);
    this.stage[s] = stage;
    return s;
  }
  remove(slot: number): void {
    if (this.ts[slot] !== 0) {
      this.ts[slot] = 0;
      this.count--;
    }
  }
  expire(now: number, maxAgeMs: number): void {
    for (let i = 0; i < this.ts.length; i++) {
      if (this.ts[i] !== 0 && now - this.ts[i] > maxAgeMs) {
        this.ts[i] = 0;
        this.count--;
      }
    }
  }
}

describe('HandshakeTable', () => {
  it('finds what was added, forgets what was removed, counts live entries', () => {
    const t = new HandshakeTable(16);
    expect(t.find(1, 40000, 2, 80)).toBe(-1);
    const s = t.add(1, 40000, 2, 80, { ts: 1000 });
    expect(t.count).toBe(1);
    expect(t.find(1, 40000, 2, 80)).toBe(s);
    expect(t.at(s)).toBe(1000);
    expect(t.stageOf(s)).toBe(1);
    // The reverse direction is another key.
    expect(t.find(2, 80, 1, 40000)).toBe(-1);
    // Adding the same handshake again (a retransmitted SYN) keeps one entry.
    expect(t.add(1, 40000, 2, 80, { ts: 1500 }, 2)).toBe(s);
    expect(t.count).toBe(1);
    expect(t.at(s)).toBe(1500);
    expect(t.stageOf(s)).toBe(2);
    t.setStage(s, 1);
    expect(t.stageOf(s)).toBe(1);
    t.remove(s);
    expect(t.count).toBe(0);
    expect(t.find(1, 40000, 2, 80)).toBe(-1);
    t.remove(s); // removing twice does not count twice
    expect(t.count).toBe(0);
    // Time 0 is stored as 1: a slot is never occupied with ts 0.
    const z = t.add(3, 1, 4, 2, { ts: 0 });
    expect(t.at(z)).toBe(1);
    expect(t.find(3, 1, 4, 2)).toBe(z);
  });

  it('a key that lands on an occupied slot replaces its entry (capacity is fixed)', () => {
    const t = new HandshakeTable(2); // 4 slots: collisions are certain
    const seen = new Map<number, [number, number]>();
    let a = 0;
    while (seen.size < 4 || a < 50) {
      a++;
      const s = t.add(a, 1000 + a, 7, 443, { ts: 100 + a });
      seen.set(s, [a, 1000 + a]);
    }
    expect(t.count).toBe(4);
    // Only the newest key of each slot is found; the ones it replaced are gone.
    for (const [s, [ka, kp]] of seen) expect(t.find(ka, kp, 7, 443)).toBe(s);
    expect(t.find(1, 1001, 7, 443)).toBe(-1);
  });

  it('expires entries older than the age limit, across bitset words, and keeps the rest', () => {
    const t = new HandshakeTable(10); // 1024 slots = 32 bitset words
    const keys: Array<[number, number, number]> = [];
    for (let i = 0; i < 600; i++) {
      const s = t.add(i * 7919, 30000 + i, 0x0a000001, 80, { ts: i < 300 ? 1000 : 20_000 });
      keys.push([s, i * 7919, 30000 + i]);
    }
    const before = t.count;
    t.expire(31_500, 30_000);
    const oldSlots = new Set<number>();
    for (const [s, a, sp] of keys) {
      if (t.at(s) === 0) oldSlots.add(s);
      else expect(t.at(s)).toBe(20_000);
      if (t.find(a, sp, 0x0a000001, 80) >= 0) expect(t.at(s)).toBe(20_000);
    }
    const old = oldSlots.size;
    expect(old).toBeGreaterThan(0);
    expect(t.count).toBe(before - old);
    t.expire(60_000, 30_000);
    expect(t.count).toBe(0);
    for (const [, a, sp] of keys) expect(t.find(a, sp, 0x0a000001, 80)).toBe(-1);
  });

  it.each([
    [3, 1],
    [5, 2],
    [8, 3],
    [16, 4],
  ])('behaves as the table without the bitset under random operations (%i bits, seed %i)', (bits, seed) => {
    const t = new HandshakeTable(bits);
    const r = new Reference(bits);
    const next = rng(seed * 2654435761);
    // Few distinct addresses and ports, so keys repeat, collide and get replaced.
    const key = (): [number, number, number, number] => [Math.floor(next() * 64) * 0x01000193, 1024 + Math.floor(next() * 16), Math.floor(next() * 8), [22, 80, 443][Math.floor(next() * 3)]];
    let now = 1;
    for (let i = 0; i < 20_000; i++) {
      now += Math.floor(next() * 40);
      const op = next();
      const [a, sp, b, dp] = key();
      if (op < 0.45) {
        const stage = 1 + Math.floor(next() * 2);
        expect(t.add(a, sp, b, dp, { ts: now }, stage)).toBe(r.add(a, sp, b, dp, now, stage));
      } else if (op < 0.9) {
        const s = t.find(a, sp, b, dp);
        expect(s).toBe(r.find(a, sp, b, dp));
        if (s >= 0) expect(t.stageOf(s)).toBe(r.stage[s]);
        // The time as the flood detectors read it (times[timeIndex]) and as at() gives it.
        if (s >= 0) expect(t.times[t.timeIndex(s)]).toBe(r.ts[s]);
        if (s >= 0) expect(t.at(s)).toBe(r.ts[s]);
        if (s >= 0 && next() < 0.3) {
          t.setStage(s, 2);
          r.stage[s] = 2;
        } else if (s >= 0 && next() < 0.5) {
          t.remove(s);
          r.remove(s);
        }
      } else if (op < 0.95) {
        t.expire(now, 5_000);
        r.expire(now, 5_000);
      } else {
        const s = Math.floor(next() * (1 << bits));
        t.remove(s);
        r.remove(s);
      }
      expect(t.count).toBe(r.count);
    }
    for (let s = 0; s < r.ts.length; s++) {
      expect(t.at(s)).toBe(r.ts[s]);
      if (r.ts[s] !== 0) expect(t.stageOf(s)).toBe(r.stage[s]);
    }
    expect(t.size).toBe(r.ts.length);
  });
});
