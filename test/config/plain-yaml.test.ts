// The quick reader of plain settings YAML (src/config/plain-yaml.ts) gives exactly what the yaml package
// gives, or gives up: on the shipped settings, on chosen cases, and on generated documents.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readPlainYaml } from '../../src/config/plain-yaml.js';
import { parseSettings } from '../../src/config/index.js';
import { ROOT } from '../helpers/netguard.js';

/** What the yaml package makes of the text as src/config/yaml-position.ts parses it: the value, or undefined when it reports an error. */
function viaYaml(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  return doc.errors.length ? undefined : doc.toJS({ maxAliasCount: 100 });
}

/**
 * Reads 3,000 generated texts: each one the quick reader takes it reads as the yaml package does, and it takes
 * more than 300 of them (a fair share: the property says something).
 */
function agreesWithYaml(texts: fc.Arbitrary<string>): void {
  let taken = 0;
  fc.assert(
    fc.property(texts, (text) => {
      const plain = readPlainYaml(text);
      if (plain === undefined) return;
      taken++;
      expect(plain, text).toStrictEqual(viaYaml(text));
    }),
    { numRuns: 3000 },
  );
  expect(taken).toBeGreaterThan(300);
}

const shipped = readFileSync(path.join(ROOT, 'settings.yaml'), 'utf8');
const shippedRules = readFileSync(path.join(ROOT, 'rules.yaml'), 'utf8');

describe('readPlainYaml', () => {
  it('reads the shipped settings.yaml as the yaml package does', () => {
    const plain = readPlainYaml(shipped);
    expect(plain).not.toBeUndefined();
    expect(plain).toStrictEqual(viaYaml(shipped));
  });

  it('reads the shipped rules.yaml as the yaml package does', () => {
    const plain = readPlainYaml(shippedRules);
    expect(plain).not.toBeUndefined();
    expect(plain).toStrictEqual(viaYaml(shippedRules));
    // The single-quoted conditions with backslashes and double quotes inside are among what it read.
    expect(JSON.stringify(plain)).toContain('matches \\"\\\\.(zip');
  });

  it.each([
    ['a: 1\nb:\n  c: -0\n  d: +5\n  e: 007\nf: x', { a: 1, b: { c: -0, d: 5, e: 7 }, f: 'x' }],
    ['a: "x # y"   # a comment\nb: \'s\'\nc: ""', { a: 'x # y', b: 's', c: '' }],
    ['a:\nb: ~\nc: Null\nd: TRUE\ne: false', { a: null, b: null, c: null, d: true, e: false }],
    ['a: [21, 22, eth0]\nb: { count: 100, seconds: 60 }\nc: {}\nd: []', { a: [21, 22, 'eth0'], b: { count: 100, seconds: 60 }, c: {}, d: [] }],
    ['# only\n\n  # comments', null],
    ['a:\n    b: 1\n    c:\n      d: /x/y.txt\ne: yes', { a: { b: 1, c: { d: '/x/y.txt' } }, e: 'yes' }],
    ['a:\n  - 1\n  - x\n  - [2]\nb: 3', { a: [1, 'x', [2]], b: 3 }],
    ['rules:\n  - name: "A"\n    n: 1\n\n  # between\n  - name: B\n    sub:\n      - c: 2\n        d: ~', { rules: [{ name: 'A', n: 1 }, { name: 'B', sub: [{ c: 2, d: null }] }] }],
    ['- a: 1\n  b: 2\n-   c: 3\n    d: 4\n- "s"', [{ a: 1, b: 2 }, { c: 3, d: 4 }, 's']],
    ["a: 'x \\. \"y\" # z'\nb: '\\'", { a: 'x \\. "y" # z', b: '\\' }],
  ])('reads %j', (text, value) => {
    expect(readPlainYaml(text)).toStrictEqual(value);
    expect(viaYaml(text)).toStrictEqual(value);
  });

  it.each([
    'a: 1.5', 'a: 1e3', 'a: .inf', 'a: 0x1F', 'a: 0o17', 'a: hello world', 'a: "it\\"s"', "a: 'it''s'", 'a: &x 1', 'a: *x',
    'a: !!str 5', 'a: |\n  x', 'a: >\n  x', '- a', '---\na: 1', '%YAML 1.2\n---\na: 1', 'a: 1\na: 2', 'a:1', 'a: [1, [2]]', 'a: [1,',
    'a: { b: 1, b: 2 }', '__proto__: 1', 'a:\n\tb: 1', 'a: 1\r\n', 'a: caf\u00e9', '  a: 1', 'a: 1\n  b: 2', 'a:\n    b: 1\n  c: 2', '"a": 1',
    'a: x\n  y', 'a: 1 # it\'s', 'a: b: c', 'a: [1, 2,]', 'a: -', 'a: x#y',
    'a:\n- 1', '- - a', '-\n  a: 1', '-', '- ', '-a', '- a: 1\n  - b', '- a: 1\nb: 2', 'a:\n  - 1\n  b: 2', '- a: 1\n    b: 2', '- http://x',
    '- "a": 1', "- 'it''s'", '- a\n  b', '  - a',
  ])('leaves %j to the yaml package', (text) => {
    // Some of these are valid YAML ('a: 1 # it\'s' is not one this reader gives up on, see below); none is read wrongly.
    const plain = readPlainYaml(text);
    if (plain !== undefined) expect(plain).toStrictEqual(viaYaml(text));
    else expect(plain).toBeUndefined();
  });

  it('gives up on the cases it is not sure of', () => {
    for (const text of ['a: 1.5', 'a: hello world', "a: 'it''s'", 'a: &x 1', 'a: 1\na: 2', 'a: caf\u00e9', 'a: [1, 2,]', 'a: x#y', '  a: 1', 'a:\n- 1', '- - a', '-\n  a: 1', '- a b']) {
      expect(readPlainYaml(text), text).toBeUndefined();
    }
  });

  it('never reads a generated document differently from the yaml package', () => {
    const key = fc.constantFrom('a', 'b', 'port_scan', 'SYN_FLOOD', '_x', 'on', '__proto__', '80', 'a b', '"q"', 'a-b');
    const scalar = fc.constantFrom(
      '', '1', '-0', '+5', '007', '-12', '1.5', '1e3', '.inf', '.nan', '0x1F', '0o17', 'true', 'False', 'TRUE', 'yes', 'null', '~', 'Null',
      '"s"', "'s'", '"a#b"', '"a # b"', "'it''s'", '"a\\"b"', '""', "''", 'eth0', 'a b', 'a#b', '/x/y', './x', '-', 'x:y', '"x: y"', '&x 1', '*x',
      '!!str 5', '|', '>', '"unclosed', 'WARNING', 'a,b', "'a\\b'", "'say \"x\"'", '"a\\b"', "'\\.(zip|mov)$'",
    );
    const flow = fc.oneof(
      scalar,
      fc.array(scalar, { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
      fc.array(fc.tuple(key, scalar), { maxLength: 3 }).map((kv) => `{ ${kv.map(([k, v]) => `${k}: ${v}`).join(', ')} }`),
      fc.constantFrom('[1,2]', '{a: 1}', '{ a:1 }', '[1, 2,]', '[[1]]', '{}', '[]', '{ }'),
    );
    const comment = fc.constantFrom('', '', ' # c', '  # "q', '#c', " # it's", ' #');
    const line = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(fc.constantFrom(0, 0, 2, 2, 4, 3), key, flow, comment).map(([n, k, v, c]) => `${' '.repeat(n)}${k}:${v === '' ? '' : ' ' + v}${c}`) },
      // Sequence items: "- key: value" (a mapping item) and "- value", at the indents above.
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(0, 0, 2, 2, 4), fc.constantFrom(' ', ' ', '   '), key, flow, comment).map(([n, gap, k, v, c]) => `${' '.repeat(n)}-${gap}${k}:${v === '' ? '' : ' ' + v}${c}`) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(0, 2, 4), flow, comment).map(([n, v, c]) => `${' '.repeat(n)}- ${v}${c}`) },
      { weight: 1, arbitrary: fc.constantFrom('# comment', '', '  ', '---', '- item', '-', '- - x', 'key:value', '\tkey: 1', '  # indented comment', 'a: 1\r') },
    );
    agreesWithYaml(fc.array(line, { maxLength: 8 }).map((lines) => lines.join('\n')));
  });
});

describe('readPlainYaml on block sequences (rules files)', () => {
  it('never reads a generated list of rules differently from the yaml package', () => {
    const key = fc.constantFrom('name', 'condition', 'threshold', 'enabled', 'a b', '__proto__', '"k"');
    const value = fc.constantFrom(
      '"SSH"', "'x'", '10', '0.5', 'true', 'HIGH', 'src', "'a \\. \"b\"'", '"a\\b"', "'it''s'", '[22, 23]', '[]', '{ a: 1 }', '', 'x: y', '- z', '"a # b"',
    );
    const comment = fc.constantFrom('', '', '', ' # c', '  # "q');
    // One item: its dash, then keys at the column after it (or one off), a nested list now and then.
    const item = fc.tuple(fc.constantFrom('- ', '- ', '-   ', '-'), fc.array(fc.tuple(key, value, comment, fc.constantFrom(0, 0, 0, 0, 1, -1)), { minLength: 1, maxLength: 4 }), fc.boolean()).map(
      ([dash, pairs, nested]) => {
        const col = 2 + dash.length;
        const lines = pairs.map(([k, v, c, off], i) => (i === 0 ? `  ${dash}` : ' '.repeat(col + off)) + `${k}:${v === '' ? '' : ' ' + v}${c}`);
        if (nested) lines.push(`${' '.repeat(col)}list:`, `${' '.repeat(col + 2)}- 1`, `${' '.repeat(col + 2)}- "two"`);
        return lines.join('\n');
      },
    );
    const scalarItem = fc.tuple(value, comment).map(([v, c]) => `  - ${v}${c}`);
    const head = fc.constantFrom('rules:', 'rules:', 'rules: # list', 'a: 1\nrules:');
    const items = fc.array(fc.oneof({ weight: 4, arbitrary: item }, { weight: 1, arbitrary: scalarItem }, { weight: 1, arbitrary: fc.constantFrom('', '  # between') }), { maxLength: 5 });
    agreesWithYaml(fc.tuple(head, items).map(([h, xs]) => [h, ...xs].join('\n')));
  });
});

describe('parseSettings', () => {
  it('gives the same settings whether the quick reader or the yaml package read the file', () => {
    const quick = parseSettings(shipped, './settings.yaml');
    // A YAML directive the quick reader does not take: the same document, read by the yaml package.
    const viaPackage = parseSettings(`%YAML 1.2\n---\n${shipped}`, './settings.yaml');
    expect(readPlainYaml(`%YAML 1.2\n---\n${shipped}`)).toBeUndefined();
    expect(quick).toStrictEqual(viaPackage);
  });

  it('still reports unknown keys and bad values with their place in the file', () => {
    const text = 'thresholds:\n  port_scan: 100\n  syn_flod: 5\ndisplay:\n  refresh_rate: 0\n';
    expect(readPlainYaml(text)).not.toBeUndefined();
    expect(() => parseSettings(text, './settings.yaml')).toThrow(/settings\.yaml:5:17: display\.refresh_rate must be/);
    const warned = parseSettings('thresholds:\n  syn_flod: 5\n', './settings.yaml');
    expect(warned.warnings).toEqual([expect.stringMatching(/^settings\.yaml:2:3: unknown key 'thresholds\.syn_flod' \(did you mean 'syn_flood'\?\)/)]);
  });
});
