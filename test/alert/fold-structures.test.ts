// The small structures of the alert storm path: the distinct-source set of a storm alert
// (src/alert/address-set.ts), the funnel's filter of counted sources (src/alert/text-filter.ts) and the
// shared address texts of raise sites (src/alert/address-text.ts), each checked against the plain
// JavaScript structure it stands for.
import { describe, expect, it } from 'vitest';
import { AddressSet } from '../../src/alert/address-set.js';
import { AddressTexts } from '../../src/alert/address-text.js';
import { TextFilter } from '../../src/alert/text-filter.js';
import { formatIpv4, normalIpv4 } from '../../src/decode/addr.js';
import { rng } from '../../bench/traffic-gen.js';

describe('normalIpv4', () => {
  it('reads dotted quads in normal form, the int32 of formatIpv4', () => {
    for (const n of [0, 1, 0x7f000001, 0x80000000, 0xc0a80001, 0xffffffff, 0x01020304]) expect(normalIpv4(formatIpv4(n))).toBe(n | 0);
  });
  it('refuses every other text, so that two texts share a number only when they are the same text', () => {
    for (const s of ['', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '256.1.1.1', '1.2.3.4 ', ' 1.2.3.4', '1..2.3', '1.2.3.', '::1', '2001:db8::1', 'a.b.c.d', '1.2.3.1000', '0000.1.1.1'])
      expect(normalIpv4(s), s).toBeNull();
  });
});

describe('AddressSet', () => {
  it('counts exactly the distinct texts a Set of strings counts, IPv4 and others mixed, across growth', () => {
    const r = rng(7);
    const set = new AddressSet();
    const ref = new Set<string>();
    for (let i = 0; i < 60_000; i++) {
      const x = Math.floor(r() * 40_000);
      // Mostly IPv4 from a range with repeats; some IPv6, some IPv4 texts not in normal form, 0.0.0.0 and 255.255.255.255.
      const ip = i % 97 === 0 ? `2001:db8::${x.toString(16)}` : i % 89 === 0 ? `010.0.${x & 255}.1` : i % 1000 === 0 ? '0.0.0.0' : i % 1001 === 0 ? '255.255.255.255' : formatIpv4((0x0a000000 + x) >>> 0);
      const n = ref.size;
      expect(set.add(ip)).toBe(ref.add(ip).size !== n);
      expect(set.size).toBe(ref.size);
    }
    for (const ip of ['10.0.0.1', '10.0.156.63', '10.1.0.0', '2001:db8::5', '2001:db8::fffff', '010.0.3.1', '0.0.0.0', '9.9.9.9']) expect(set.has(ip), ip).toBe(ref.has(ip));
  });

  it('holds every address across growth by four (while small) and by two (past 65,536 slots), spoofed-like neighbours', () => {
    // 70,000 addresses: the table grows 16 -> 64 -> ... -> 65,536 slots by four, then to 131,072 and 262,144 by two.
    const set = new AddressSet();
    const ip = (i: number): string => formatIpv4((0xc0a80000 + i * 3) >>> 0);
    for (let i = 0; i < 70_000; i++) {
      expect(set.add(ip(i))).toBe(true);
      if (i % 997 === 0) expect(set.add(ip(i >> 1))).toBe(false);
      expect(set.size).toBe(i + 1);
    }
    for (let i = 0; i < 70_000; i += 7) expect(set.has(ip(i))).toBe(true);
    for (let i = 70_000; i < 71_000; i++) expect(set.has(ip(i))).toBe(false);
    expect(set.has(formatIpv4((0xc0a80000 + 1) >>> 0))).toBe(false);
  });

  it('reads each text as itself when sets take the same text in turn, and another text right after it (the read remembered)', () => {
    // A storm's sources go into several sets one after the other: the same text, then texts that differ by
    // one character, of the same length, not in normal form, IPv6, and the first again.
    const sets = [new AddressSet(), new AddressSet(), new AddressSet()];
    const refs = [new Set<string>(), new Set<string>(), new Set<string>()];
    const texts = ['1.2.3.4', '1.2.3.4', '1.2.3.5', '1.2.3.40', '01.2.3.4', '1.2.3.4', '2001:db8::1', '1.2.3.5', '010.0.0.1', '10.0.0.1', '1.2.3.4'];
    for (let i = 0; i < texts.length; i++) {
      for (let k = 0; k < sets.length; k++) {
        // Built, not literal: the same text as another string object too.
        const ip = k === 1 ? [texts[i]].join('') : texts[i];
        const n = refs[k].size;
        expect(sets[k].add(ip), `${ip} into set ${k}`).toBe(refs[k].add(ip).size !== n);
        expect(sets[k].size).toBe(refs[k].size);
      }
    }
    for (const ip of ['1.2.3.4', '01.2.3.4', '1.2.3.40', '1.2.3.6', '10.0.0.1', '010.0.0.1', '2001:db8::1']) for (const s of sets) expect(s.has(ip), ip).toBe(refs[0].has(ip));
  });
});

describe('TextFilter', () => {
  it('never says no to a text it was given, and says no to most others', () => {
    const f = new TextFilter();
    const given = Array.from({ length: 10_000 }, (_, i) => formatIpv4((0x01000000 + i * 7919) >>> 0));
    for (const s of given) f.add(s);
    for (const s of given) expect(f.mayHave(s)).toBe(true);
    let yes = 0;
    for (let i = 0; i < 20_000; i++) if (f.mayHave(formatIpv4((0x02000000 + i) >>> 0))) yes++;
    // 2^17 bits, two per text, 10,000 texts: about 2% of other texts get a "maybe".
    expect(yes).toBeLessThan(20_000 * 0.05);
    f.clear();
    expect(given.filter((s) => f.mayHave(s))).toEqual([]);
  });
});

describe('AddressTexts', () => {
  it('gives the text formatIpv4 gives (and IPv6 text as it is), also for addresses sharing a slot', () => {
    const t = new AddressTexts();
    for (let i = 0; i < 20_000; i++) {
      const a4 = (Math.imul(i, 2654435761) | 0) ^ 0x5a5a5a5a;
      expect(t.text(a4, '')).toBe(formatIpv4(a4 >>> 0));
    }
    expect(t.text(0, '2001:db8::1')).toBe('2001:db8::1');
    expect(t.text(0, '')).toBe('0.0.0.0');
    // Asked again after 20,000 others took the slots over: made again, the same text.
    expect(t.text(0x5a5a5a5a, '')).toBe('90.90.90.90');
  });
});
