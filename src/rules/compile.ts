// Compiles a parsed condition into a predicate over Packet (closures, never code evaluation), checking
// every field name, operator and value type first so that a bad rule fails at load, not per packet.
//
// A comparison on a field the packet does not have (dst_port on ICMP, http.uri on DNS) is false, for
// every operator including '!=': `not http.host == "x"` is how to say "anything but x".
import { parseCidr, type Cidr } from '../decode/addr.js';
import type { Packet } from '../decode/packet.js';
import type { Expr, Value } from './ast.js';
import { FIELDS, type FieldDef } from './fields.js';
import { RuleSyntaxError, type Token } from './lexer.js';
import { parseCondition } from './parser.js';
import { gateOf, type RuleGate } from './prefilter.js';
import { checkRegex, MAX_REGEX_INPUT } from './regex-guard.js';

export type Predicate = (p: Packet) => boolean;

function closest(name: string): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const f of Object.keys(FIELDS)) {
    const d = distance(name, f);
    if (d < bestD) {
      bestD = d;
      best = f;
    }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = t;
    }
  }
  return row[b.length];
}

function err(t: Token, msg: string): never {
  throw new RuleSyntaxError(msg, t.start, Math.max(t.end, t.start + 1));
}

function field(t: Token): FieldDef {
  const f = FIELDS[t.text];
  if (f) return f;
  const hint = closest(t.text);
  return err(t, `unknown field '${t.text}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
}

function typeName(f: FieldDef): string {
  return f.type === 'bool' ? 'a condition' : f.type === 'num' ? 'a number' : f.type === 'ip' ? 'an address' : 'text';
}

function valueName(v: Value): string {
  return v.kind === 'number' ? 'a number' : v.kind === 'range' ? 'a range' : v.kind === 'string' ? 'a string' : 'an address';
}

function cidrOf(v: Value): Cidr {
  if (v.kind !== 'addr') return err(v.tok, `expected an address or CIDR block, found ${valueName(v)}`);
  const c = parseCidr(v.text);
  if (!c) return err(v.tok, `'${v.text}' is not a valid IPv4/IPv6 address or CIDR block`);
  return c;
}

/** Fields read from a lazily parsed DNS or HTTP message: reading one may parse the message. */
const PARSED_FIELDS = new Set(['dns.qtype', 'http.status']);

/**
 * A rough cost of evaluating a condition on one packet: a flag or number is a load or two, an address
 * list a few matches, text (DNS and HTTP fields, parsed when first read) and regular expressions more.
 * `and` and `or` test their cheaper side first: conditions have no side effects, so the order changes
 * only how much work a packet that fails costs (`not (src_ip in [...]) and tcp.dst_port in [...]` then
 * looks at the port before the address blocks).
 */
function cost(e: Expr): number {
  switch (e.k) {
    case 'and':
    case 'or':
      return cost(e.l) + cost(e.r);
    case 'not':
      return cost(e.e);
    case 'flag':
      return 1;
    case 'cmp':
    case 'in': {
      const f = FIELDS[e.field.text];
      if (!f) return 1;
      if (f.type === 'str' || PARSED_FIELDS.has(e.field.text)) return 10;
      return f.type === 'ip' ? 3 : 1;
    }
    case 'contains':
      return 10;
    case 'matches':
      return 20;
  }
}

function compileExpr(e: Expr): Predicate {
  switch (e.k) {
    case 'and': {
      // Both sides are compiled in the order written, so the first error in the text is the one reported.
      const l = compileExpr(e.l);
      const r = compileExpr(e.r);
      if (cost(e.r) < cost(e.l)) return (p) => r(p) && l(p);
      return (p) => l(p) && r(p);
    }
    case 'or': {
      const l = compileExpr(e.l);
      const r = compileExpr(e.r);
      if (cost(e.r) < cost(e.l)) return (p) => r(p) || l(p);
      return (p) => l(p) || r(p);
    }
    case 'not': {
      const inner = compileExpr(e.e);
      return (p) => !inner(p);
    }
    case 'flag': {
      const f = field(e.field);
      if (f.type !== 'bool') err(e.field, `'${e.field.text}' is ${typeName(f)}; compare it (e.g. ${e.field.text} ${f.type === 'str' ? 'contains "x"' : f.type === 'ip' ? 'in 10.0.0.0/8' : '== 1'})`);
      return f.get as (p: Packet) => boolean;
    }
    case 'cmp': {
      const f = field(e.field);
      const v = e.value;
      if (f.type === 'bool') return err(e.opTok, `'${e.field.text}' is a condition on its own: write '${e.field.text}' or 'not ${e.field.text}'`);
      if (f.type === 'num') {
        if (v.kind !== 'number') return err(v.tok, `'${e.field.text}' is a number; cannot compare it with ${valueName(v)}`);
        const get = f.get;
        const n = v.n;
        switch (e.op) {
          case '==':
            return (p) => get(p) === n;
          case '!=':
            return (p) => {
              const x = get(p);
              return x !== null && x !== n;
            };
          case '<':
            return (p) => {
              const x = get(p);
              return x !== null && x < n;
            };
          case '<=':
            return (p) => {
              const x = get(p);
              return x !== null && x <= n;
            };
          case '>':
            return (p) => {
              const x = get(p);
              return x !== null && x > n;
            };
          case '>=':
            return (p) => {
              const x = get(p);
              return x !== null && x >= n;
            };
        }
        break;
      }
      if (e.op !== '==' && e.op !== '!=') return err(e.opTok, `'${e.op}' compares numbers; '${e.field.text}' is ${typeName(f)} (use == or !=${f.type === 'ip' ? ' or in' : ', contains or matches'})`);
      const neg = e.op === '!=';
      if (f.type === 'ip') {
        const c = cidrOf(v);
        const get = f.get;
        return (p) => {
          const a = get(p);
          return a !== null && c.match(a) !== neg;
        };
      }
      if (v.kind !== 'string') return err(v.tok, `'${e.field.text}' is text; compare it with a quoted string, found ${valueName(v)}`);
      const want = f.lower ? v.s.toLowerCase() : v.s;
      const get = f.get;
      const lower = f.lower;
      return (p) => {
        const s = get(p);
        return s !== null && ((lower ? s.toLowerCase() : s) === want) !== neg;
      };
    }
    case 'in': {
      const f = field(e.field);
      if (f.type === 'bool') return err(e.opTok, `'${e.field.text}' is a condition on its own and has no value to look up`);
      if (f.type === 'num') {
        const set = new Set<number>();
        const ranges: Array<[number, number]> = [];
        for (const v of e.values) {
          if (v.kind === 'number') set.add(v.n);
          else if (v.kind === 'range') ranges.push([v.lo, v.hi]);
          else err(v.tok, `'${e.field.text}' is a number; the list must hold numbers or ranges (N-M), found ${valueName(v)}`);
        }
        if (!e.list && ranges.length === 0) err(e.opTok, `'in' needs a list: ${e.field.text} in [${[...set].join(', ')}]`);
        const get = f.get;
        return (p) => {
          const x = get(p);
          if (x === null) return false;
          if (set.has(x)) return true;
          for (const [lo, hi] of ranges) if (x >= lo && x <= hi) return true;
          return false;
        };
      }
      if (f.type === 'ip') {
        const cidrs = e.values.map(cidrOf);
        const get = f.get;
        return (p) => {
          const a = get(p);
          if (a === null) return false;
          for (const c of cidrs) if (c.match(a)) return true;
          return false;
        };
      }
      const set = new Set<string>();
      for (const v of e.values) {
        if (v.kind !== 'string') err(v.tok, `'${e.field.text}' is text; the list must hold quoted strings, found ${valueName(v)}`);
        else set.add(f.lower ? v.s.toLowerCase() : v.s);
      }
      const get = f.get;
      const lower = f.lower;
      return (p) => {
        const s = get(p);
        return s !== null && set.has(lower ? s.toLowerCase() : s);
      };
    }
    case 'contains':
    case 'matches': {
      const f = field(e.field);
      if (f.type !== 'str') return err(e.opTok, `'${e.k}' works on text fields (dns.qname, http.uri, http.host, http.method, http.user_agent); '${e.field.text}' is ${typeName(f)}`);
      const v = e.value;
      if (v.kind !== 'string') return err(v.tok, `'${e.k}' needs a quoted string`);
      const get = f.get;
      if (e.k === 'contains') {
        const lower = f.lower;
        const needle = lower ? v.s.toLowerCase() : v.s;
        return (p) => {
          const s = get(p);
          return s !== null && (lower ? s.toLowerCase() : s).includes(needle);
        };
      }
      // A leading (?i) (PCRE's inline flag, which JavaScript lacks before Node 23) makes it case-insensitive.
      const ci = v.s.startsWith('(?i)');
      const pattern = ci ? v.s.slice(4) : v.s;
      const problem = checkRegex(pattern);
      if (problem) {
        // Point at the character in the pattern (+1 for the opening quote) when escapes did not shift it.
        const at = v.tok.start + 1 + (ci ? 4 : 0) + problem.index;
        throw new RuleSyntaxError(problem.message, at < v.tok.end ? at : v.tok.start, at < v.tok.end ? at + 1 : v.tok.end);
      }
      let re: RegExp;
      try {
        re = new RegExp(pattern, f.lower || ci ? 'i' : '');
      } catch (x) {
        return err(v.tok, `invalid regular expression: ${(x as Error).message.replace(/^Invalid regular expression: /, '')}`);
      }
      return (p) => {
        const s = get(p);
        if (s === null) return false;
        return re.test(s.length > MAX_REGEX_INPUT ? s.slice(0, MAX_REGEX_INPUT) : s);
      };
    }
  }
  throw new Error('unreachable');
}

/** Parses and compiles a condition; throws RuleSyntaxError with the offending span. */
export function compileCondition(src: string): Predicate {
  return compileExpr(parseCondition(src));
}

/** compileCondition, plus the gate a packet must pass before the predicate can hold (prefilter.ts). */
export function compileRule(src: string): { pred: Predicate; gate: RuleGate } {
  const ast = parseCondition(src);
  const pred = compileExpr(ast);
  return { pred, gate: gateOf(ast) };
}
