// parseIpv4 read char by char: the same answer as the split-and-regex parse it replaced, on every kind of text.
import { describe, expect, it } from 'vitest';
import { parseIpv4 } from '../../src/decode/addr.js';

/** The earlier parse, kept as the reference. */
function reference(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n >>> 0;
}

describe('parseIpv4', () => {
  it.each([
    '0.0.0.0', '255.255.255.255', '192.168.0.1', '010.001.000.009', '1.2.3.4', '256.1.1.1', '1.2.3.256', '1.2.3',
    '1.2.3.4.5', '1.2.3.4.', '.1.2.3', '1..2.3', '1.2.3.0004', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 ', '1.2.3.a',
    '', '...', '1.2.3.4\n', '١.2.3.4', '999.999.999.999', '123.123.123.123', '1.2.3.4x', '::1', '1e2.1.1.1',
  ])('%j', (s) => {
    expect(parseIpv4(s)).toBe(reference(s));
  });

  it('agrees on 200,000 random texts of digits, dots and a few other characters', () => {
    let seed = 3;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed % n;
    };
    const alphabet = '0123456789....12259x -';
    let valid = 0;
    for (let i = 0; i < 200_000; i++) {
      let s = '';
      const len = rnd(18);
      for (let k = 0; k < len; k++) s += alphabet[rnd(alphabet.length)];
      const want = reference(s);
      if (want !== null) valid++;
      expect(parseIpv4(s)).toBe(want);
    }
    expect(valid).toBeGreaterThan(100);
  });
});
