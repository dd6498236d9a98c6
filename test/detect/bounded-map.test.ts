// BoundedMap: two generations under a cap; sweep() deletes what is stale in both, visiting entries in
// order, and leaves the rest as they were.
import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../src/detect/state/index.js';

describe('BoundedMap', () => {
  it('never holds more than its cap, dropping the old generation whole when the young one is half full', () => {
    const dropped: number[] = [];
    const m = new BoundedMap<number, string>(8, (_v, k) => dropped.push(k));
    for (let k = 0; k < 20; k++) {
      m.set(k, `v${k}`);
      expect(m.size).toBeLessThanOrEqual(8);
    }
    // Every fourth new key fills the young generation (half of 8): it becomes the old one, and the old one goes.
    expect(dropped).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(m.evicted).toBe(16);
    expect([...m.keys()]).toEqual([16, 17, 18, 19]);
    m.set(20, 'v20');
    expect([...m.keys()]).toEqual([16, 17, 18, 19, 20]);
  });

  it('sweeps both generations: deletes exactly the stale entries, in order, and counts them', () => {
    const m = new BoundedMap<string, number>(8);
    // Old generation a..d (rotated out of young at 4 entries), young e..g.
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3], ['d', 4], ['e', 5], ['f', 6], ['g', 7]] as const) m.set(k, v);
    const seen: string[] = [];
    const n = m.sweep((v, k) => {
      seen.push(k);
      return v % 2 === 1;
    });
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(n).toBe(4);
    expect([...m.entries()]).toEqual([['b', 2], ['d', 4], ['f', 6]]);
    expect(m.size).toBe(3);
    // Nothing stale: nothing changes.
    expect(m.sweep(() => false)).toBe(0);
    expect([...m.keys()]).toEqual(['b', 'd', 'f']);
    // Everything stale: empty, and it fills again from nothing.
    expect(m.sweep(() => true)).toBe(3);
    expect(m.size).toBe(0);
    m.set('h', 8);
    expect([...m.entries()]).toEqual([['h', 8]]);
  });

  it('sweeps a full map of thousands of keys and keeps the touched ones', () => {
    const m = new BoundedMap<number, { last: number }>(8192);
    for (let k = 0; k < 6000; k++) m.set(k, { last: k });
    // The keys divisible by 3 are seen again at time 10,000 (those in the old generation move to the young one).
    for (let k = 0; k < 6000; k += 3) m.set(k, { last: 10_000 });
    const n = m.sweep((s) => s.last < 10_000);
    expect(n).toBe(4000);
    expect(m.size).toBe(2000);
    expect([...m.keys()].every((k) => k % 3 === 0)).toBe(true);
  });
});
