// addrHash (the detectors' address hash): IPv4 by multiply, IPv6 and other text keys by FNV-1a over the
// characters, through a memo of recent texts that must always answer what the loop would: the same
// text again (same object or an equal copy), texts that share a memo slot, a slot taken over and back.
import { describe, expect, it } from 'vitest';
import { addrHash, NO_ADDR_HASH, packetAddrHash, textMemoSlot } from '../../src/detect/state/addr-keys.js';
import { ipv6TextHash } from '../../src/decode/addr.js';
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

describe('textMemoSlot', () => {
  it('spreads the hosts of one IPv6 network over the memo, as random slots would', () => {
    // The bench's IPv6 hosts: 300 clients from 2001:db8::1000, 100 servers from 2001:db8::2000. Random slots
    // give about 330 distinct of 1,024 for 400 texts; the last-and-middle-character slot gave 16.
    const hosts: string[] = [];
    for (let i = 0; i < 300; i++) hosts.push(`2001:db8::${(0x1000 + i).toString(16)}`);
    for (let i = 0; i < 100; i++) hosts.push(`2001:db8::${(0x2000 + i).toString(16)}`);
    const slots = new Set(hosts.map(textMemoSlot));
    expect(slots.size).toBeGreaterThanOrEqual(300);
    for (const s of slots) expect(Number.isInteger(s) && s >= 0 && s < 1024).toBe(true);
  });

  it('takes texts of one to three characters', () => {
    for (const s of ['x', '::', '::1']) {
      const slot = textMemoSlot(s);
      expect(Number.isInteger(slot) && slot >= 0 && slot < 1024).toBe(true);
    }
  });
});

describe('packetAddrHash', () => {
  it('gives addrHash for IPv4 whatever the hint, and for IPv6 with the decoder\'s hash or any other as the hint', () => {
    expect(packetAddrHash(0x0a000001, '', 12345)).toBe(addrHash(0x0a000001, ''));
    expect(packetAddrHash(-1, '', 0)).toBe(addrHash(-1, ''));
    for (const a of ['2001:db8::1', 'fe80::1ff:fe23:4567:890a', '::', '::1']) {
      expect(packetAddrHash(0, a, ipv6TextHash(a))).toBe(fnv(a));
      expect(packetAddrHash(0, copyOf(a), ipv6TextHash(a))).toBe(fnv(a));
      expect(packetAddrHash(0, a, 0)).toBe(fnv(a));
      expect(packetAddrHash(0, a, -1)).toBe(fnv(a));
    }
  });

  it('answers every text right while it and addrHash share memo slots and take them over', () => {
    const r = rng(7);
    const pool: string[] = [];
    for (let i = 0; i < 300; i++) pool.push(`2001:db8::${(0x1000 + i).toString(16)}`);
    for (let i = 0; i < 300; i++) pool.push(`2001:db8:${((r() * 65536) | 0).toString(16)}::${['1', '2', 'a'][i % 3]}`);
    for (let k = 0; k < 30_000; k++) {
      const a = pool[(r() * pool.length) | 0];
      const text = k % 3 === 0 ? copyOf(a) : a;
      // Hints of every kind: the decoder's hash, a few values that crowd slots together, addrHash's own slot.
      const h = k % 4 === 0 ? ipv6TextHash(a) : k % 4 === 1 ? (r() * 8) | 0 : k % 4 === 2 ? -((r() * 4096) | 0) : -1;
      const got = k % 4 === 3 ? addrHash(0, text) : packetAddrHash(0, text, h);
      expect(got).toBe(fnv(a));
    }
  });
});
