// Ports with a count each, in first-seen order, up to a cap: what a flood alert lists as its top ports.

/**
 * Per port, how often it was seen, in the order ports were first seen, for at most `cap` ports (a port
 * past the cap is not counted; those already held still are): exactly what a Map<port, count> filled
 * with `if (m.size < cap || m.has(port)) m.set(port, (m.get(port) ?? 0) + 1)` holds, and top() lists
 * what `Array.from(m.entries()).sort((a, b) => b[1] - a[1]).slice(0, k)` lists.
 *
 * Why not that Map: the flood detectors count a port per SYN and per completed handshake, and a victim
 * or client uses one to a few ports, so a linear scan of a short array of small integers answers with
 * no hash lookup (the Map took three per count: has, get and set). A plain array, not a typed one: a
 * typed array over 64 bytes is allocated outside the heap, which costs more, and one is made per source.
 *
 * Ports and counts share one array (port i at 2i, its count at 2i + 1): one backing store to grow, not
 * two. Its live length is `len`, not the array's: clear() only sets len to 0, because setting an array's
 * length to 0 drops its backing store, and syn-flood clears a victim's counts at the end of each of its
 * episodes, so the next count allocated the stores anew. Entries past len are leftovers, overwritten in place.
 */
export class PortCounts {
  private readonly pc: number[] = [];
  private len = 0;

  constructor(readonly cap: number) {}

  /** Ports held. */
  get size(): number {
    return this.len;
  }

  /** Counts one more of this port (a new port only while fewer than `cap` are held). */
  bump(port: number): void {
    const pc = this.pc;
    const n = this.len;
    for (let i = 0; i < 2 * n; i += 2) {
      if (pc[i] === port) {
        pc[i + 1]++;
        return;
      }
    }
    if (n < this.cap) {
      // One store for both cases: in place over a leftover, or appended (index 2n is then the length).
      pc[2 * n] = port;
      pc[2 * n + 1] = 1;
      this.len = n + 1;
    }
  }

  /** Count of a port (0 when not held). */
  count(port: number): number {
    const pc = this.pc;
    for (let i = 0; i < 2 * this.len; i += 2) if (pc[i] === port) return pc[i + 1];
    return 0;
  }

  /** The k most counted ports, most first; ties in first-seen order (Array.prototype.sort is stable). */
  top(k: number): number[] {
    const pc = this.pc;
    const idx: number[] = [];
    for (let i = 0; i < this.len; i++) idx.push(i);
    idx.sort((a, b) => pc[2 * b + 1] - pc[2 * a + 1]);
    if (idx.length > k) idx.length = k;
    return idx.map((i) => pc[2 * i]);
  }

  clear(): void {
    this.len = 0;
  }
}
