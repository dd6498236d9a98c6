// addrHash (the detectors' address hash): IPv4 by multiply, IPv6 and other text keys by FNV-1a over the
// characters, through a memo of recent texts that must always answer what the loop would: the same
// text again (same object or an equal copy), texts that share a memo slot, a slot taken over and back.
import { describe, expect, it } from 'vitest';
import { addrHash, NO_ADDR_HASH } from '../../src/detect/state/addr-keys.js';
import { rng } from '../helpers/seeded-random.js';

/** FNV-1a of the text as an int32, written out as the hash always was (unsigned offset basis). */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** An IPv6 text that is a fresh string object (not a literal the engine may share). */
function copyOf(s: string): string {
  return s.split('').join('');
}

describe('addrHash', () => {
  it('hashes IPv4 numbers and the absent address as before', () => {
    expect(addrHash(0x0a000001, '')).toBe(Math.imul(0x0a000001 ^ (0x0a000001 >>> 15), 0x9e3779b1));
    expect(addrHash(-1, '')).toBe(Math.imul(-1 ^ (-1 >>> 15), 0x9e3779b1));
    expect(NO_ADDR_HASH).toBe(0);
  });

  it('gives FNV-1a of an IPv6 text, an int32, on first and repeated calls and for equal copies', () => {
    for (const a of ['2001:db8::1', 'fe80::1ff:fe23:4567:890a', '::', '::1', 'x', 'ipv4.bad_checksum']) {
      const want = fnv(a);
      expect(addrHash(0, a)).toBe(want);
      expect(addrHash(0, a)).toBe(want);
      expect(addrHash(7, copyOf(a))).toBe(want);
      expect(Number.isInteger(want) && want >= -(2 ** 31) && want < 2 ** 31).toBe(true);
    }
  });

  it('answers every text right while many texts share and take over memo slots', () => {
    const r = rng(42);
    const pool: string[] = [];
    // Texts of a few lengths whose last and middle characters repeat, so memo slots collide often.
    for (let i = 0; i < 600; i++) {
      const w = (r() * 65536) | 0;
      pool.push(`2001:db8:${w.toString(16)}::${['1', '2', 'a'][i % 3]}`);
    }
    for (let k = 0; k < 20_000; k++) {
      const a = pool[(r() * pool.length) | 0];
      expect(addrHash(0, k % 2 === 0 ? a : copyOf(a))).toBe(fnv(a));
    }
  });
});
