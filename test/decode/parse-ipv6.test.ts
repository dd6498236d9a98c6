// parseIpv6 and isNormalIpv6 read IPv6 text character by character: checked against the regular-expression reader they replaced, on RFC 4291 spellings and on random text.
import { describe, expect, it } from 'vitest';
import { isNormalIpv6, parseIp, parseIpv4, parseIpv6 } from '../../src/decode/addr.js';
import { ipv6Spellings as spellings } from './helpers/ipv6-spellings.js';

/** The reader parseIpv6 used to be (regular expressions, splits, arrays): the reference for what text is an address. */
function referenceParseIpv6(s: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  let text = s;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tail.push(v4 >>> 16, v4 & 0xffff);
    text = text.slice(0, lastColon + 1) + (text[lastColon - 1] === ':' ? '' : '0');
    if (text.endsWith(':0')) text = text.slice(0, -2);
  }
  const dbl = text.indexOf('::');
  if (dbl !== text.lastIndexOf('::')) return null;
  const parseWords = (t: string): number[] | null => {
    if (t === '') return [];
    const out: number[] = [];
    for (const w of t.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return null;
      out.push(parseInt(w, 16));
    }
    return out;
  };
  let words: number[];
  if (dbl >= 0) {
    const a = parseWords(text.slice(0, dbl));
    const b = parseWords(text.slice(dbl + 2));
    if (!a || !b) return null;
    const fill = 8 - tail.length - a.length - b.length;
    if (fill < 1) return null;
    words = [...a, ...new Array<number>(fill).fill(0), ...b, ...tail];
  } else {
    const a = parseWords(text);
    if (!a) return null;
    words = [...a, ...tail];
  }
  if (words.length !== 8) return null;
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 255;
  });
  return out;
}

const show = (b: Uint8Array | null): string | null => (b ? Buffer.from(b).toString('hex') : null);

const FIXED = [
  '', ':', '::', ':::', '::::', '::1', '1::', '1:::', ':1', '1:', '1:::2', ':1::2', '1::2:', '1::2::3', '0::', '::0',
  '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::',
  '::1:2:3:4:5:6:7:8', '12345::', 'g::1', ' ::1', '::1 ', 'fe80::1%eth0', '2001:DB8::1', '2001:db8::01', '2001:0db8::1',
  '1.2.3.4', ':1.2.3.4', '::1.2.3.4', ':::1.2.3.4', '::ffff:1.2.3.4', '::FFFF:1.2.3.4', '1:2:3:4:5:6:1.2.3.4',
  '1:2:3:4:5:6:7:1.2.3.4', '1::1.2.3.4', '1:2:3:4:5::1.2.3.4', '1:2:3:4:5:6::1.2.3.4', '::ffff:1.2.3', '::ffff:1.2.3.4.5',
  '::ffff:256.1.1.1', '::ffff:01.02.03.04', '1.2::3.4.5.6', '1.2:1.2.3.4', '1.2.3.4::', '1.2.3.4:', '::1.2.3.4:5',
  '1:2:3:4:5:0:1.2.3.4', 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255', '::ffff:0:0', '1:0:0:0:0:0:0:8',
];

describe('parseIpv6', () => {
  it('reads exactly the texts the regular-expression reader read, to the same bytes', () => {
    const texts = [...FIXED, ...spellings(4000, 7)];
    let addresses = 0;
    for (const t of texts) {
      const want = show(referenceParseIpv6(t));
      expect(show(parseIpv6(t)), JSON.stringify(t)).toBe(want);
      if (want !== null) addresses++;
    }
    // The generator's texts are not all rejected (the comparison would then only test rejection).
    expect(addresses).toBeGreaterThan(texts.length / 4);
    expect(addresses).toBeLessThan(texts.length);
  });

  it('gives each call its own bytes', () => {
    const a = parseIpv6('2001:db8::1');
    const b = parseIpv6('2001:db8::2');
    expect(show(a)).toBe('20010db8000000000000000000000001');
    expect(show(b)).toBe('20010db8000000000000000000000002');
  });
});

describe('isNormalIpv6', () => {
  it('is true exactly for text that parseIp gives back unchanged (RFC 5952 form, dotted IPv4-mapped tails included)', () => {
    for (const t of [...FIXED, ...spellings(3000, 23)]) {
      const a = parseIp(t);
      expect(isNormalIpv6(t), JSON.stringify(t)).toBe(typeof a === 'string' && a === t);
    }
    expect(isNormalIpv6('::ffff:1.2.3.4')).toBe(true);
    expect(isNormalIpv6('::FFFF:1.2.3.4')).toBe(false);
    expect(isNormalIpv6('2001:db8::1')).toBe(true);
    expect(isNormalIpv6('2001:db8:0::1')).toBe(false);
  });
});
