// IPv6 texts for tests of the readers: RFC 5952 texts of seeded random addresses and misspellings of each.
import { formatIpv6Bytes } from '../../../src/decode/addr.js';

/** Canonical texts of random addresses (zero runs of every length and place, IPv4-mapped and -compatible ones) and misspellings of each. */
export function ipv6Spellings(count: number, seed: number): string[] {
  const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const b = new Uint8Array(16);
    for (let i = 0; i < 8; i++) {
      const w = rnd(4) === 0 ? 0 : rnd(3) === 0 ? rnd(16) : rnd(65536);
      b[2 * i] = w >> 8;
      b[2 * i + 1] = w & 255;
    }
    if (rnd(10) === 0) b.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255]);
    const t = formatIpv6Bytes(b, 0);
    const dotted = `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    const head = t.includes('.') ? t.slice(0, t.lastIndexOf(':') + 1) : t.split(':').slice(0, 6).join(':') + ':';
    out.push(
      t,
      t.toUpperCase(),
      t.replace('::', ':0:'),
      t.replace('::', ':0:0:'),
      t.replace('::', ':::'),
      t.replace(/(^|:)([0-9a-f]{1,3})(?=:|$)/, '$10$2'),
      t.replace(/(^|:)0(:|$)/, '$1:$2'),
      t + ':',
      ':' + t,
      t + '::',
      '::' + t,
      t.replace(/:/g, () => (rnd(2) ? ':' : '::')),
      head + dotted,
      head.replace(/:$/, '::') + dotted,
      '::' + dotted,
      t + '%eth0',
      `[${t}]`,
    );
    out.push(Array.from({ length: rnd(46) }, () => '0123456789abcdefABCDEF:::..g %'[rnd(30)]).join(''));
    out.push(Array.from({ length: rnd(24) }, () => '01af:::.'[rnd(8)]).join(''));
  }
  return out;
}
