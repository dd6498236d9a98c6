// kthSmallest: the k-th smallest value of a typed array equals what a sort puts at k, ties and floods included.
import { describe, expect, it } from 'vitest';
import { kthSmallest } from '../../src/flow/order-statistic.js';
// The bench's seeded generator (mulberry32), so a failure can be replayed.
import { rng } from '../../bench/traffic-gen.js';

function sortedAt(values: Float64Array, k: number): number {
  return Float64Array.from(values).sort()[k];
}

describe('kthSmallest', () => {
  it('gives what a sort puts at every k, on arrays with many ties, few ties and none', () => {
    const r = rng(7);
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(r() * 200);
      // Value ranges from 1 (all equal) to 1e9 (almost all distinct).
      const range = [1, 2, 3, 10, 1000, 1e9][round % 6];
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = Math.floor(r() * range) * (round % 4 === 0 ? 1514 : 1);
      for (const k of [0, n - 1, n >> 1, Math.floor(r() * n)]) {
        const a = Float64Array.from(values);
        expect(kthSmallest(a, n, k)).toBe(sortedAt(values, k));
        // Only reordered: the same multiset of values.
        expect(Float64Array.from(a).sort()).toEqual(Float64Array.from(values).sort());
      }
    }
  });

  it('looks only at the first n values', () => {
    const a = Float64Array.from([5, 1, 4, 0, -100, -200]);
    expect(kthSmallest(a, 4, 0)).toBe(0);
    expect(kthSmallest(a, 4, 3)).toBe(5);
    expect(a[4]).toBe(-100);
    expect(a[5]).toBe(-200);
  });

  it('answers a flood of equal values in one pass, and sorted or reversed input', () => {
    const n = 200_000;
    const flood = new Float64Array(n).fill(60);
    flood[12345] = 1514;
    expect(kthSmallest(flood, n, n - 1)).toBe(1514);
    expect(kthSmallest(new Float64Array(n).fill(60), n, n >> 1)).toBe(60);
    const up = new Float64Array(n);
    for (let i = 0; i < n; i++) up[i] = i;
    expect(kthSmallest(up, n, 777)).toBe(777);
    const down = new Float64Array(n);
    for (let i = 0; i < n; i++) down[i] = n - i;
    expect(kthSmallest(down, n, 777)).toBe(778);
  });

  it('refuses a k outside the array', () => {
    expect(() => kthSmallest(new Float64Array(3), 3, 3)).toThrow(/k = 3 is outside 0\.\.2/);
    expect(() => kthSmallest(new Float64Array(3), 0, 0)).toThrow(RangeError);
  });
});
