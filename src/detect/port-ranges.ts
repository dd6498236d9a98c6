// Port sets kept as 65536-bit bitmaps (one Uint32Array of 2048 words) and their compact text
// ("1-300, 443, 8000-8080") for scan evidence that names the union of many ports.

/** Words of a bitmap holding every TCP/UDP port. */
export const PORT_WORDS = 2048;

/** Sets `port` in `bits`; true when it was not set before. */
export function setPort(bits: Uint32Array, port: number): boolean {
  const w = port >>> 5;
  const m = 1 << (port & 31);
  if ((bits[w] & m) !== 0) return false;
  bits[w] |= m;
  return true;
}

export function hasPort(bits: Uint32Array, port: number): boolean {
  return (bits[port >>> 5] & (1 << (port & 31))) !== 0;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Ports set in `a` or `b` (b may be undefined). */
export function countPorts(a: Uint32Array, b?: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < PORT_WORDS; i++) {
    const w = b !== undefined ? a[i] | b[i] : a[i];
    if (w !== 0) n += popcount(w);
  }
  return n;
}

/** The ports set in `a` or `b`, ascending, at most `max` of them. */
export function listPorts(a: Uint32Array, b: Uint32Array | undefined, max: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < PORT_WORDS && out.length < max; i++) {
    let w = b !== undefined ? a[i] | b[i] : a[i];
    while (w !== 0 && out.length < max) {
      const bit = 31 - Math.clz32(w & -w);
      out.push((i << 5) | bit);
      w &= w - 1;
    }
  }
  return out;
}

/**
 * Compact text of the ports set in `a` or `b`: runs as "lo-hi", at most `maxRuns` runs, then
 * "... (N more ports)".
 */
export function portRanges(a: Uint32Array, b?: Uint32Array, maxRuns = 40): string {
  const runs: string[] = [];
  let lo = -1;
  let prev = -2;
  let rest = 0;
  const flush = (): void => {
    if (lo < 0) return;
    if (runs.length < maxRuns) runs.push(lo === prev ? String(lo) : `${lo}-${prev}`);
    else rest += prev - lo + 1;
  };
  for (let i = 0; i < PORT_WORDS; i++) {
    let w = b !== undefined ? a[i] | b[i] : a[i];
    while (w !== 0) {
      const port = (i << 5) | (31 - Math.clz32(w & -w));
      w &= w - 1;
      if (port !== prev + 1) {
        flush();
        lo = port;
      }
      prev = port;
    }
  }
  flush();
  return rest > 0 ? `${runs.join(', ')} ... (${rest} more ports)` : runs.join(', ');
}
