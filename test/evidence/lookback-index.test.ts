// The lookback ring's address index: walking a key's chain finds exactly the records a walk of the whole ring
// finds (newest first, none twice), through wrap-around, eviction by bytes and by count, and bucket collisions;
// ordered() is true exactly when the ring's times never decrease.
import { describe, expect, it } from 'vitest';
import { FrameRing } from '../../src/evidence/index.js';
import { LookbackIndex } from '../../src/evidence/lookback-index.js';
import type { RawPacket } from '../../src/capture/types.js';

function frame(caplen: number, ts: number): RawPacket {
  return { ts, caplen, len: caplen, linkType: 1, data: new Uint8Array(caplen), off: 0, ifIndex: 0 };
}

/** Records of the ring with key `a` (and `b`, as a pair in either direction), newest first, back to `since`. */
function byRing(ring: FrameRing, a: number, b: number | null, since: number): number[] {
  const out: number[] = [];
  for (let i = ring.size - 1; i >= 0; i--) {
    const r = ring.at(i);
    if (ring.ts[r] < since) break;
    const s = ring.srcKey[r];
    const d = ring.dstKey[r];
    if (b === null ? s === a || d === a : (s === a && d === b) || (s === b && d === a)) out.push(r);
  }
  return out;
}

/** The same through the index, as the evidence store walks it. */
function byChain(ring: FrameRing, ix: LookbackIndex, a: number, b: number | null, since: number): number[] {
  const out: number[] = [];
  const h = ix.bucketOf(a);
  for (let v = ix.newest(h, ring.size); v !== 0; v = ix.next(v, ring.size)) {
    const r = ix.recordOf(v);
    if (ring.ts[r] < since) break;
    const s = ring.srcKey[r];
    if (ix.sideOf(v) === 1 && ix.bucketOf(s) === h) continue;
    const d = ring.dstKey[r];
    if (b === null ? s === a || d === a : (s === a && d === b) || (s === b && d === a)) out.push(r);
  }
  return out;
}

function inOrder(ring: FrameRing): boolean {
  for (let i = 1; i < ring.size; i++) if (!(ring.ts[ring.at(i)] >= ring.ts[ring.at(i - 1)])) return false;
  return true;
}

describe('LookbackIndex', () => {
  it('finds what a walk of the ring finds, through wrap-around, eviction and collisions', () => {
    let seed = 11;
    const rnd = (n: number): number => Math.floor(((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * n);
    for (const [records, arena, buckets, keys] of [
      [64, 1 << 20, 4, 9],
      [50, 3000, 2, 5],
      [200, 20_000, 64, 40],
      [7, 1 << 20, 1024, 3],
    ]) {
      const ring = new FrameRing(arena, records, null, false);
      const ix = new LookbackIndex(ring.capacity, buckets);
      let ts = 1000;
      let checked = 0;
      for (let step = 0; step < 3000; step++) {
        // Times mostly rise; now and then one goes back (a file out of order), which must show in ordered().
        ts += rnd(10) === 0 && step % 500 > 250 ? -5 : rnd(3);
        const s = rnd(keys) - 2;
        const d = rnd(4) === 0 ? s : rnd(keys) - 2;
        const r = ring.add(frame(40 + rnd(200), ts), step + 1, -1, s, d);
        ix.add(r, s, d, ts);
        expect(ix.ordered(ring.size)).toBe(inOrder(ring));
        if (!ix.ordered(ring.size)) continue;
        const a = rnd(keys) - 2;
        const b = rnd(2) === 0 ? null : rnd(keys) - 2;
        const since = ts - rnd(60);
        const want = byRing(ring, a, b, since);
        expect(byChain(ring, ix, a, b, since)).toEqual(want);
        if (want.length > 0) checked++;
      }
      expect(checked).toBeGreaterThan(200);
      expect(ring.evictions).toBeGreaterThan(2 * records);
    }
  });

  it('ends a chain at records that left the ring', () => {
    const ring = new FrameRing(1 << 20, 4, null, false);
    const ix = new LookbackIndex(ring.capacity, 16);
    for (let i = 0; i < 10; i++) {
      const s = i === 0 ? 7 : 100 + i;
      ix.add(ring.add(frame(60, i), i + 1, -1, s, 200 + i), s, 200 + i, i);
    }
    // Key 7 was in the first record only, long evicted; its ring index now holds a record of other keys.
    expect(byChain(ring, ix, 7, null, 0)).toEqual([]);
    expect(byChain(ring, ix, 109, null, 0)).toEqual(byRing(ring, 109, null, 0));
  });

  it('counts a time that is not a number as out of order until it leaves the ring', () => {
    const ring = new FrameRing(1 << 20, 3, null, false);
    const ix = new LookbackIndex(ring.capacity, 8);
    const add = (ts: number): void => ix.add(ring.add(frame(60, ts), 1, -1, 1, 2), 1, 2, ts);
    add(1);
    add(Number.NaN);
    expect(ix.ordered(ring.size)).toBe(false);
    add(3);
    add(4);
    expect(ix.ordered(ring.size)).toBe(false);
    add(5);
    expect(ix.ordered(ring.size)).toBe(true);
  });
});
