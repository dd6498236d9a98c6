// The `members` JSON of a folded row written as bytes (src/history/folded-members.ts), checked against
// JSON.stringify of the member arrays it stands for.
import { beforeEach, describe, expect, it } from 'vitest';
import { FoldedMembers, setColdMembers } from '../../src/history/folded-members.js';
import { rng } from '../../bench/traffic-gen.js';

type Member = [number, string, string | undefined, number | undefined, string | undefined, number | undefined, string | undefined];

/** What the folded row held before: JSON.stringify of the arrays (absent and NaN as null). */
function reference(ms: Member[]): string {
  return JSON.stringify(ms.map(([ts, sev, src, sp, dst, dp, proto]) => [ts, sev, src ?? null, sp === undefined || Number.isNaN(sp) ? null : sp, dst ?? null, dp === undefined || Number.isNaN(dp) ? null : dp, proto ?? null]));
}

function fill(f: FoldedMembers, ms: Member[]): void {
  for (const m of ms) f.add(...m);
}

const NUMBERS = [0, -0, 1, 9, 10, 65535, 0x7fffffff, 0x80000000, 1_700_000_000_000, 1_700_000_000_009, 999_999_999, 1_000_000_000, 2 ** 53 - 1, 2 ** 53, 2 ** 60, 1e21, 1.5e300, -1, -1_700_000_000_000, 0.5, 1e-7, 22.25, NaN, Infinity, -Infinity];
const TEXTS = ['10.0.0.2', '2001:db8::1', 'fe80::1%eth0', '', 'TCP', 'a"b', 'back\\slash', 'tab\there', 'nl\n', '\u0000\u001f\u007f', 'é', '日本', '😀', '\ud800', 'x\udc00y', '</script>'];

describe('FoldedMembers', () => {
  // The byte writer, unless a test says otherwise (the process's first members go through JSON.stringify).
  beforeEach(() => setColdMembers(0));

  it('writes what JSON.stringify writes, for every kind of number and text, absent fields included', () => {
    const f = new FoldedMembers();
    const ms: Member[] = [];
    for (const x of NUMBERS) ms.push([x, 'LOW', '1.2.3.4', x, '10.0.0.2', x, 'TCP']);
    for (const t of TEXTS) ms.push([1_700_000_000_000, t, t, undefined, t, undefined, t]);
    ms.push([1_700_000_000_001, 'HIGH', undefined, undefined, undefined, undefined, undefined]);
    fill(f, ms);
    expect(f.text()).toBe(reference(ms));
    expect(f.n).toBe(ms.length);
    // The bytes are the text's UTF-8.
    expect(Buffer.compare(f.bytes(), Buffer.from(reference(ms), 'utf8'))).toBe(0);
  });

  it('an empty group is [], and a reset one starts again (time of the last member forgotten)', () => {
    const f = new FoldedMembers();
    expect(f.text()).toBe('[]');
    fill(f, [[5, 'LOW', 'a', 1, 'b', 2, 'c']]);
    f.reset();
    expect(f.text()).toBe('[]');
    const ms: Member[] = [[5, 'HIGH', 'x', undefined, 'y', 3, 'UDP'], [5, 'LOW', 'z', 4, undefined, undefined, 'TCP']];
    fill(f, ms);
    expect(f.text()).toBe(reference(ms));
  });

  it('random members across buffer growth from a small buffer, repeated times copied right, reused after reset', () => {
    const r = rng(11);
    const f = new FoldedMembers(16);
    for (let round = 0; round < 3; round++) {
      const ms: Member[] = [];
      let ts = 1_700_000_000_000 + round;
      for (let i = 0; i < 2500; i++) {
        // Runs of equal times (a storm folds about a hundred per ms), then a step, sometimes an odd one.
        if (r() < 0.05) ts = r() < 0.1 ? NUMBERS[Math.floor(r() * NUMBERS.length)] : ts + Math.floor(r() * 3);
        const pick = <T,>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
        const port = (): number | undefined => (r() < 0.2 ? undefined : r() < 0.05 ? pick(NUMBERS) : Math.floor(r() * 65536));
        const text = (): string | undefined => (r() < 0.15 ? undefined : r() < 0.1 ? pick(TEXTS) : `1.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`);
        ms.push([ts, pick(['LOW', 'WARNING', 'HIGH', 'CRITICAL']), text(), port(), text(), port(), r() < 0.1 ? undefined : pick(['TCP', 'UDP', 'ICMPv6'])]);
      }
      fill(f, ms);
      expect(f.text()).toBe(reference(ms));
      f.reset();
    }
  });

  it('bytes() asked twice (a write retried after a lock) gives the same text, and adding goes on after it', () => {
    const f = new FoldedMembers(16);
    const ms: Member[] = [[1, 'LOW', 'a', 2, 'b', 3, 'TCP']];
    fill(f, ms);
    const first = f.text();
    expect(f.text()).toBe(first);
    ms.push([1, 'LOW', 'c', undefined, 'd', 4, 'UDP']);
    fill(f, ms.slice(1));
    expect(f.text()).toBe(reference(ms));
  });

  it('the first members through JSON.stringify, then the byte writer, within one group and across groups', () => {
    const r = rng(23);
    const f = new FoldedMembers(16);
    const ms: Member[] = [];
    const texts = [...TEXTS, '10.1.2.3', undefined];
    let i = 0;
    for (const x of NUMBERS) {
      for (const t of texts) ms.push([i++ % 3 === 0 ? x : 1_700_000_000_000, 'LOW', t, x, '10.0.0.2', r() < 0.5 ? undefined : 22, t]);
    }
    // Runs of one time across the switch: the byte writer must not copy a time the cold path wrote.
    for (let k = 0; k < 20; k++) ms.push([1_700_000_000_123, 'HIGH', '1.2.3.4', 1, '5.6.7.8', 2, 'TCP']);
    for (const cold of [0, 1, 7, ms.length - 10, ms.length - 1, ms.length, ms.length + 5]) {
      setColdMembers(cold);
      f.reset();
      fill(f, ms);
      expect(f.text(), `cold ${cold}`).toBe(reference(ms));
      expect(Buffer.compare(f.bytes(), Buffer.from(reference(ms), 'utf8'))).toBe(0);
      expect(f.n).toBe(ms.length);
    }
    // The count is for the process, not per buffer: a second group goes on where the first left off.
    setColdMembers(3);
    const g = new FoldedMembers(16);
    const h = new FoldedMembers(16);
    fill(g, ms.slice(0, 2));
    fill(h, ms.slice(2, 40));
    expect(g.text()).toBe(reference(ms.slice(0, 2)));
    expect(h.text()).toBe(reference(ms.slice(2, 40)));
  });

  it("a storm's members: the head (time, severity) and tail (destination, its port, protocol) copied only when each of their fields is the same", () => {
    const r = rng(31);
    const f = new FoldedMembers(16);
    const base: Member = [1_700_000_000_000, 'HIGH', '1.2.3.4', 40000, '10.0.0.2', 80, 'TCP'];
    const ms: Member[] = [];
    // Each field changed alone, now and then, among members that otherwise repeat the one before; texts to
    // escape among them (the member then goes through JSON.stringify, and the next one must not copy from it).
    const other: Member = [1_700_000_000_001, 'LOW', 'é', 40001, '10.0.0.3', 81, 'UDP'];
    const odd: Array<Member[number]> = [-0, 'CRITICAL', undefined, undefined, '"q"', undefined, '\\'];
    for (let i = 0; i < 3000; i++) {
      const m = [...(ms.length > 0 ? ms[ms.length - 1] : base)] as Member;
      if (r() < 0.3) {
        const k = 1 + Math.floor(r() * 6) - (r() < 0.2 ? 1 : 0);
        const from = r() < 0.15 ? odd : r() < 0.5 ? other : base;
        (m as unknown[])[k] = from[k];
      }
      if (r() < 0.1) m[2] = `1.${Math.floor(r() * 256)}.0.${i & 255}`;
      ms.push(m);
    }
    fill(f, ms);
    expect(f.text()).toBe(reference(ms));
    // Reset between groups: the next group copies nothing from the bytes of the last one's members, which
    // it writes over (here members of other lengths, with the same head and tail as the last one's).
    const last = ms[ms.length - 1];
    const next: Member[] = [];
    for (let i = 0; i < 2 * ms.length; i++) next.push([last[0], last[1], `2.${i % 7}.${i % 100}.${i}`, i, last[4], last[5], last[6]]);
    f.reset();
    fill(f, next);
    expect(f.text()).toBe(reference(next));
  });
});
