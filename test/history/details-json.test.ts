import { describe, expect, it } from 'vitest';
import { DetailsJson } from '../../src/history/details-json.js';
import type { Details } from '../../src/alert/types.js';

/** Every text DetailsJson gives must be JSON.stringify's for the same details, whatever came before. */
function check(dj: DetailsJson, type: string, d: Details | undefined): string {
  const t = dj.text(type, d);
  expect(t).toBe(JSON.stringify(d ?? {}));
  return t;
}

describe('DetailsJson (the history rows\' details text, reused while a type\'s details repeat)', () => {
  const sqli = (): Details => ({ method: 'GET', uri: "/item.php?id=1'%20OR%201=1--", where: 'uri', pattern: 'tautology', patterns: ['tautology'] });

  it('gives the same text as JSON.stringify, and the kept text once the details repeat', () => {
    const dj = new DetailsJson();
    const first = check(dj, 'SQL_INJECTION', sqli());
    check(dj, 'SQL_INJECTION', sqli());
    // From the third equal details on, the kept string itself.
    expect(dj.text('SQL_INJECTION', sqli())).toBe(first);
    expect(Object.is(dj.text('SQL_INJECTION', sqli()), dj.text('SQL_INJECTION', sqli()))).toBe(true);
    check(dj, 'SQL_INJECTION', undefined);
    check(dj, 'SQL_INJECTION', {});
  });

  it('tells apart details that differ in a value, a key, the order of keys, an array, or a nested value', () => {
    const variants: Details[] = [
      sqli(),
      { ...sqli(), uri: '/other' },
      { method: 'GET', where: 'uri', uri: "/item.php?id=1'%20OR%201=1--", pattern: 'tautology', patterns: ['tautology'] },
      { ...sqli(), patterns: ['tautology', 'union'] },
      { ...sqli(), patterns: [] },
      { ...sqli(), extra: 1 },
      { ...sqli(), extra: { a: [1, 2, { b: 'c' }] } },
      { ...sqli(), extra: { a: [1, 2, { b: 'd' }] } },
      { ...sqli(), extra: { a: [1, 2, { b: 'd' }], c: null } },
      { ...sqli(), extra: true },
      { ...sqli(), extra: false },
      { ...sqli(), extra: '1' },
      { ...sqli(), extra: 1.5 },
      { ...sqli(), extra: -0 },
      { ...sqli(), extra: 0 },
      { ...sqli(), extra: NaN },
      { ...sqli(), extra: null },
      { ...sqli(), extra: Infinity },
    ];
    const dj = new DetailsJson();
    // Each variant twice in a row (so it is kept), then every other variant after it.
    for (const a of variants) {
      check(dj, 'T', a);
      check(dj, 'T', a);
      for (const b of variants) check(dj, 'T', b);
    }
  });

  it('leaves out what JSON leaves out, and writes null for it in arrays, as JSON.stringify does', () => {
    const dj = new DetailsJson();
    const withHoles = (): Details => ({ a: undefined, b: 1, f: () => 1, s: Symbol('x'), arr: [undefined, () => 1, NaN, 2] });
    for (let i = 0; i < 4; i++) check(dj, 'T', withHoles());
    check(dj, 'T', { b: 1, arr: [null, null, null, 2] });
    check(dj, 'T', { b: 1, arr: [null, null, null, 2], a: 0 });
    check(dj, 'T', withHoles());
  });

  it('never reuses a text for details JSON.stringify treats specially (toJSON, Date, Map, class instances)', () => {
    const dj = new DetailsJson();
    let n = 0;
    const special: Array<() => Details> = [
      () => ({ when: new Date(1_700_000_000_000 + n++) }),
      () => {
        const v = n++;
        return { t: { toJSON: () => `v${v}` } };
      },
      () => ({ t: { toJSON: () => 'same' } }),
      () => ({ m: new Map([[1, n++]]) }),
      () => ({ c: new (class { x = n++; })() }),
    ];
    for (const make of special) for (let i = 0; i < 4; i++) check(dj, 'T', make());
  });

  it('keeps a copy of its own: details changed in place after their text was given do not change a later text', () => {
    const dj = new DetailsJson();
    const shared = ['tautology'];
    const d1 = { pattern: 'x', patterns: shared };
    check(dj, 'T', d1);
    check(dj, 'T', { pattern: 'x', patterns: shared });
    check(dj, 'T', { pattern: 'x', patterns: shared });
    shared.push('union');
    d1.pattern = 'y';
    check(dj, 'T', { pattern: 'x', patterns: shared });
    check(dj, 'T', d1);
  });

  it('keeps each type apart, and keys that are array indices in JSON\'s order', () => {
    const dj = new DetailsJson();
    for (let i = 0; i < 3; i++) {
      check(dj, 'A', { 2: 'two', 1: 'one', x: 'y' });
      check(dj, 'B', { x: 'y', 1: 'one', 2: 'two' });
      check(dj, 'A', { 2: 'two', 1: 'one', x: 'z' });
    }
  });

  it('stops at deep nesting (and at a cycle, which JSON.stringify refuses as before)', () => {
    const dj = new DetailsJson();
    let deep: Details = { v: 1 };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    for (let i = 0; i < 3; i++) check(dj, 'T', deep);
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    expect(() => dj.text('T', cyc as Details)).toThrow(TypeError);
    check(dj, 'T', deep);
  });
});
