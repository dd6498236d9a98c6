// CIDR blocks as the rules and address lists match them, IPv6 texts included (parsed once and cached).
import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/decode/addr.js';

describe('parseCidr', () => {
  it('matches IPv4 and IPv6 addresses by prefix, and never across versions', () => {
    const v4 = parseCidr('10.0.0.0/8')!;
    const v6 = parseCidr('fc00::/7')!;
    expect(v4.match(0x0a010203)).toBe(true);
    expect(v4.match(0x0b000001)).toBe(false);
    expect(v4.match('fd00::1')).toBe(false);
    expect(v6.match('fd12:3456::1')).toBe(true);
    expect(v6.match('fe80::1')).toBe(false);
    expect(v6.match(0x0a000001)).toBe(false);
    expect(v6.match('not-an-address')).toBe(false);
  });

  it('gives the same answers for the same IPv6 text asked again, and past the cache of parsed texts', () => {
    const one = parseCidr('2001:db8::/32')!;
    const host = parseCidr('::1')!;
    // More distinct texts than the cache holds, each asked twice, in and out of both blocks.
    for (let i = 0; i < 10_000; i++) {
      const inside = `2001:db8:${(i & 0xffff).toString(16)}::${(i >> 4).toString(16)}`;
      const outside = `2001:db9:${(i & 0xffff).toString(16)}::1`;
      for (let k = 0; k < 2; k++) {
        expect(one.match(inside)).toBe(true);
        expect(one.match(outside)).toBe(false);
        expect(host.match(inside)).toBe(false);
      }
    }
    expect(host.match('::1')).toBe(true);
    expect(host.match('::1')).toBe(true);
  });
});
