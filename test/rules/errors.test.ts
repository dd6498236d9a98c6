// Rule errors name the file, line and column of the offending token, the rule, and draw a caret under it.
import { describe, expect, it } from 'vitest';
import { RuleEngineCore, checkRegex, MAX_REGEX_INPUT, compileCondition } from '../../src/rules/index.js';
import { pkt } from './packets.js';
import { readPlainYaml } from '../../src/config/plain-yaml.js';

function load(text: string): string[] {
  const e = new RuleEngineCore(() => undefined);
  const r = e.load(text, 'rules.yaml');
  expect(r.ok).toBe(false);
  return r.errors;
}

/** A one-rule file whose condition is on line 4 (in double quotes at column 16). */
function oneRule(cond: string, style: 'dq' | 'sq' | 'plain' = 'dq'): string {
  const q = style === 'dq' ? `"${cond}"` : style === 'sq' ? `'${cond}'` : cond;
  return `# test rules\nrules:\n  - name: "R1"\n    condition: ${q}\n    threshold: 1\n`;
}

/** Column (1-based) of `needle` on line 4 of oneRule(...). */
function colOf(text: string, needle: string): number {
  return text.split('\n')[3].indexOf(needle) + 1;
}

describe('condition errors point at the token', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['tcp.dst_prot == 22', 'tcp.dst_prot', /unknown field 'tcp.dst_prot' \(did you mean 'tcp.dst_port'\?\)/],
    ['tcp and and udp', 'and udp', /expected a field or '\(', found 'and'/],
    ['dst_port == ', '', /condition ends too early|expected a number, string or address after '==', found end of condition/],
    ['(tcp or udp', '', /expected '\)'/],
    ['tcp or udp)', ')', /unmatched '\)'/],
    ['dst_port = 22', '=', /'=' is not an operator; use '=='/],
    ['dst_port == "22"', '"22"', /'dst_port' is a number; cannot compare it with a string/],
    ['src_ip in 10.0.0.0/33', '10.0.0.0/33', /not a valid IPv4\/IPv6 address or CIDR block/],
    ['http.uri > 5', '>', /'>' compares numbers; 'http.uri' is text/],
    ['dst_port contains "2"', 'contains', /'contains' works on text fields/],
    ['dst_port in [22, 23', '', /expected ',' or '\]' in the list, found end of condition/],
    ['tcp.flags.syn == 1', '==', /is a condition on its own/],
    ['dns.qname matches "(a+)+$"', '(a+)', /nested quantifier/],
    ['http.uri matches "(x)\\1"', '\\1', /backreferences are not allowed/],
    ['http.uri matches "[a-"', '[a-', /unterminated character class|invalid regular expression/],
    ['tcp @ udp', '@', /unexpected character '@'/],
  ];
  for (const [cond, at, re] of cases) {
    it(cond, () => {
      const q = cond.includes('"') ? "'" : '"';
      const text = oneRule(cond, q === '"' ? 'dq' : 'sq');
      const [err] = load(text);
      const [head, src, car] = err.split('\n');
      expect(head).toMatch(re);
      expect(head).toMatch(/^rules\.yaml:4:\d+: rule "R1": /);
      const col = Number(/^rules\.yaml:4:(\d+):/.exec(head)![1]);
      // An empty `at` means: the end of the condition (just before the closing quote).
      const expected = at === '' ? text.split('\n')[3].lastIndexOf(q) + 1 : colOf(text, at);
      expect(col).toBe(expected);
      expect(src).toBe(`4 |     condition: ${q}${cond}${q}`);
      // The caret line puts ^ under the column reported.
      expect(car.indexOf('^') - '4 | '.length + 1).toBe(col);
    });
  }

  it('single-quoted and plain scalars map to the right column too', () => {
    for (const style of ['sq', 'plain'] as const) {
      const text = oneRule('tcp and dst_prot == 22', style);
      const [err] = load(text);
      expect(err.split('\n')[0]).toMatch(new RegExp(`^rules\\.yaml:4:${colOf(text, 'dst_prot')}: rule "R1": unknown field 'dst_prot'`));
    }
  });

  it('a condition folded over two lines points at the second line', () => {
    const text = 'rules:\n  - name: "Folded"\n    condition: >-\n      tcp and\n      dst_prot == 22\n';
    const [err] = load(text);
    expect(err.split('\n')[0]).toMatch(/^rules\.yaml:5:7: rule "Folded": unknown field 'dst_prot'/);
  });
});

describe('rule entry errors', () => {
  it('bad severity, threshold, unknown key, missing condition, duplicate name, YAML syntax', () => {
    const text = [
      'rules:', //1
      '  - name: A', //2
      '    condition: tcp', //3
      '    severity: SEVERE', //4
      '  - name: B', //5
      '    condition: tcp', //6
      '    threshold: many', //7
      '  - name: C', //8
      '    condition: tcp', //9
      '    treshold: 5', //10
      '  - name: D', //11
      '  - name: A', //12
      '    condition: udp', //13
    ].join('\n');
    // A plain file: read without the yaml package, its positions parsed only for these messages.
    expect(readPlainYaml(text)).not.toBeUndefined();
    const errs = load(text);
    expect(errs).toContain('rules.yaml:4:15: rule "A": severity must be one of LOW, WARNING, HIGH, CRITICAL (got "SEVERE")');
    expect(errs).toContain('rules.yaml:7:16: rule "B": threshold must be a positive integer (got "many")');
    expect(errs).toContain("rules.yaml:10:5: rule \"C\": unknown key 'treshold' (did you mean 'threshold'?)");
    expect(errs).toContain("rules.yaml:11:5: rule \"D\": is missing 'condition'");
    expect(errs).toContain('rules.yaml:12:11: rule "A": duplicate rule name (rule 1 has it too)');
    expect(load('rules:\n  - name: "x\n')[0]).toMatch(/^rules\.yaml:\d+:\d+: /);
  });

  it('a rule key indented one space too far is reported at its line and colon (PyYAML: line 4, column 15), once', () => {
    const errs = load('rules:\n  - name: A\n    condition: tcp\n     threshold: 5\n');
    expect(errs).toEqual([
      "rules.yaml:4:15: mapping values are not allowed here (the key on this line is indented deeper than the one on line 3, so it reads as part of that line's value)\n" +
        '4 |      threshold: 5\n' +
        '  |               ^',
    ]);
  });
});

describe('regex guard', () => {
  it('refuses catastrophic shapes and backreferences, accepts ordinary patterns', () => {
    for (const bad of ['(a+)+', '(a*)*b', '(a|aa)+', '(\\w+\\s?)*$', '(x+x+)+y', '(.*a){20}', '(a)\\1', '(?<n>a)\\k<n>', '(?=a)b', '(?<!a)b']) {
      expect(checkRegex(bad), bad).not.toBeNull();
    }
    for (const ok of ['^/admin', '\\.(xyz|top)$', '(\\d{1,3}\\.){3}\\d{1,3}', '(?:GET|POST) /', '[a-z]+\\.php$', 'a{2,5}b', '(ab)+']) {
      expect(checkRegex(ok), ok).toBeNull();
    }
  });
  it('regexes see at most MAX_REGEX_INPUT characters', () => {
    const pred = compileCondition('http.uri matches "z$"');
    const long = '/' + 'a'.repeat(MAX_REGEX_INPUT + 10) + 'z';
    expect(pred(pkt({ http: { uri: long } }))).toBe(false);
    expect(pred(pkt({ http: { uri: '/az' } }))).toBe(true);
  });
});
