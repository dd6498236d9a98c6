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

const shipped = readFileSync(path.join(ROOT, 'settings.yaml'), 'utf8');

describe('readPlainYaml', () => {
  it('reads the shipped settings.yaml as the yaml package does', () => {
    const plain = readPlainYaml(shipped);
    expect(plain).not.toBeUndefined();
    expect(plain).toStrictEqual(viaYaml(shipped));
  });

  it.each([
    ['a: 1\nb:\n  c: -0\n  d: +5\n  e: 007\nf: x', { a: 1, b: { c: -0, d: 5, e: 7 }, f: 'x' }],
    ['a: "x # y"   # a comment\nb: \'s\'\nc: ""', { a: 'x # y', b: 's', c: '' }],
    ['a:\nb: ~\nc: Null\nd: TRUE\ne: false', { a: null, b: null, c: null, d: true, e: false }],
    ['a: [21, 22, eth0]\nb: { count: 100, seconds: 60 }\nc: {}\nd: []', { a: [21, 22, 'eth0'], b: { count: 100, seconds: 60 }, c: {}, d: [] }],
    ['# only\n\n  # comments', null],
    ['a:\n    b: 1\n    c:\n      d: /x/y.txt\ne: yes', { a: { b: 1, c: { d: '/x/y.txt' } }, e: 'yes' }],
  ])('reads %j', (text, value) => {
    expect(readPlainYaml(text)).toStrictEqual(value);
    expect(viaYaml(text)).toStrictEqual(value);
  });

  it.each([
    'a: 1.5', 'a: 1e3', 'a: .inf', 'a: 0x1F', 'a: 0o17', 'a: hello world', 'a: "it\\"s"', "a: 'it''s'", 'a: &x 1', 'a: *x',
    'a: !!str 5', 'a: |\n  x', 'a: >\n  x', '- a', '---\na: 1', '%YAML 1.2\n---\na: 1', 'a: 1\na: 2', 'a:1', 'a: [1, [2]]', 'a: [1,',
    'a: { b: 1, b: 2 }', '__proto__: 1', 'a:\n\tb: 1', 'a: 1\r\n', 'a: caf\u00e9', '  a: 1', 'a: 1\n  b: 2', 'a:\n    b: 1\n  c: 2', '"a": 1',
    'a: x\n  y', 'a: 1 # it\'s', 'a: b: c', 'a: [1, 2,]', 'a: -', 'a: x#y',
  ])('leaves %j to the yaml package', (text) => {
    // Some of these are valid YAML ('a: 1 # it\'s' is not one this reader gives up on, see below); none is read wrongly.
    const plain = readPlainYaml(text);
    if (plain !== undefined) expect(plain).toStrictEqual(viaYaml(text));
    else expect(plain).toBeUndefined();
  });

  it('gives up on the cases it is not sure of', () => {
    for (const text of ['a: 1.5', 'a: hello world', "a: 'it''s'", 'a: &x 1', '- a', 'a: 1\na: 2', 'a: caf\u00e9', 'a: [1, 2,]', 'a: x#y', '  a: 1']) {
      expect(readPlainYaml(text), text).toBeUndefined();
    }
  });

  it('never reads a generated document differently from the yaml package', () => {
    const key = fc.constantFrom('a', 'b', 'port_scan', 'SYN_FLOOD', '_x', 'on', '__proto__', '80', 'a b', '"q"', 'a-b');
    const scalar = fc.constantFrom(
      '', '1', '-0', '+5', '007', '-12', '1.5', '1e3', '.inf', '.nan', '0x1F', '0o17', 'true', 'False', 'TRUE', 'yes', 'null', '~', 'Null',
      '"s"', "'s'", '"a#b"', '"a # b"', "'it''s'", '"a\\"b"', '""', "''", 'eth0', 'a b', 'a#b', '/x/y', './x', '-', 'x:y', '"x: y"', '&x 1', '*x',
      '!!str 5', '|', '>', '"unclosed', 'WARNING', 'a,b',
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
      { weight: 1, arbitrary: fc.constantFrom('# comment', '', '  ', '---', '- item', 'key:value', '\tkey: 1', '  # indented comment', 'a: 1\r') },
    );
    let taken = 0;
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        const text = lines.join('\n');
        const plain = readPlainYaml(text);
        if (plain === undefined) return;
        taken++;
        expect(plain, text).toStrictEqual(viaYaml(text));
      }),
      { numRuns: 3000 },
    );
    // The reader took a fair share of the documents: the property says something.
    expect(taken).toBeGreaterThan(300);
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
