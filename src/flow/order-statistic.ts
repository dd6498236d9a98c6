// The k-th smallest number of a typed array in linear expected time (quickselect), for the host table's prune.

/**
 * The k-th smallest value (0-based) of `a[0..n)`, what `a.subarray(0, n).sort()[k]` gives for values
 * without NaN, in O(n) expected time instead of a sort's O(n log n). Reorders `a[0..n)` in place.
 *
 * Why three-way partitioning: the host table is pruned under a spoofed flood, where every source has
 * sent the same single packet, so nearly all values are equal; a two-way (Lomuto) partition degrades to
 * O(n^2) on them, while grouping the values equal to the pivot ends the search in one pass. The pivot is
 * the median of the first, middle and last values (no randomness: the same input gives the same result
 * and the same work).
 */
export function kthSmallest(a: Float64Array, n: number, k: number): number {
  if (k < 0 || k >= n) throw new RangeError(`kthSmallest: k = ${k} is outside 0..${n - 1}`);
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const x = a[lo];
    const y = a[(lo + hi) >>> 1];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    // [lo, lt) < pivot, [lt, i) == pivot, (gt, hi] > pivot.
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = a[i];
      if (v < pivot) {
        a[i] = a[lt];
        a[lt] = v;
        lt++;
        i++;
      } else if (v > pivot) {
        a[i] = a[gt];
        a[gt] = v;
        gt--;
      } else {
        i++;
      }
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return pivot;
  }
  return a[k];
}
