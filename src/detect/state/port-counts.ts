// Ports with a count each, in first-seen order, up to a cap: what a flood alert lists as its top ports.

/**
 * Per port, how often it was seen, in the order ports were first seen, for at most `cap` ports (a port
 * past the cap is not counted; those already held still are): exactly what a Map<port, count> filled
 * with `if (m.size < cap || m.has(port)) m.set(port, (m.get(port) ?? 0) + 1)` holds, and top() lists
 * what `Array.from(m.entries()).sort((a, b) => b[1] - a[1]).slice(0, k)` lists.
 *
 * Why not that Map: the flood detectors count a port per SYN and per completed handshake, and a victim
 * or client uses one to a few ports, so a linear scan of a short array of small integers answers with
 * no hash lookup (the Map took three per count: has, get and set). Plain arrays, not typed ones: a
 * typed array over 64 bytes is allocated outside the heap, which costs more, and one is made per source.
 */
export class PortCounts {
  private readonly ports: number[] = [];
  private readonly counts: number[] = [];

  constructor(readonly cap: number) {}

  /** Ports held. */
  get size(): number {
    return this.ports.length;
  }

  /** Counts one more of this port (a new port only while fewer than `cap` are held). */
  bump(port: number): void {
    const ports = this.ports;
    const n = ports.length;
    for (let i = 0; i < n; i++) {
      if (ports[i] === port) {
        this.counts[i]++;
        return;
      }
    }
    if (n < this.cap) {
      ports.push(port);
      this.counts.push(1);
    }
  }

  /** Count of a port (0 when not held). */
  count(port: number): number {
    const i = this.ports.indexOf(port);
    return i < 0 ? 0 : this.counts[i];
  }

  /** The k most counted ports, most first; ties in first-seen order (Array.prototype.sort is stable). */
  top(k: number): number[] {
    const idx: number[] = [];
    for (let i = 0; i < this.ports.length; i++) idx.push(i);
    idx.sort((a, b) => this.counts[b] - this.counts[a]);
    if (idx.length > k) idx.length = k;
    return idx.map((i) => this.ports[i]);
  }

  clear(): void {
    this.ports.length = 0;
    this.counts.length = 0;
  }
}
