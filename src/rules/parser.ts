// Recursive-descent parser of the rule condition language (grammar in docs/rules.md):
//   expr := or ; or := and ('or' and)* ; and := unary ('and' unary)* ; unary := 'not' unary | primary
//   primary := '(' expr ')' | field [ op value | 'in' (list | addr) | ('contains'|'matches') string ]
import type { CmpOp, Expr, Value } from './ast.js';
import { RuleSyntaxError, tokenize, type Token } from './lexer.js';

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'contains', 'matches']);
/** Nesting limit: keeps the recursive parser and the compiled closures shallow. */
const MAX_DEPTH = 64;

function describeTok(t: Token): string {
  if (t.kind === 'eof') return 'end of condition';
  if (t.kind === 'string') return `string "${t.text}"`;
  return `'${t.text}'`;
}

export function parseCondition(src: string): Expr {
  const toks = tokenize(src);
  let pos = 0;
  let depth = 0;
  const peek = (): Token => toks[pos];
  const next = (): Token => toks[pos++];
  const isKw = (t: Token, kw: string): boolean => t.kind === 'ident' && t.text.toLowerCase() === kw;
  const fail = (t: Token, msg: string): never => {
    throw new RuleSyntaxError(msg, t.start, Math.max(t.end, t.start + 1));
  };

  const parseValue = (after: Token): Value => {
    const t = next();
    if (t.kind === 'number') {
      if (peek().kind === '-') {
        next();
        const hi = next();
        if (hi.kind !== 'number') fail(hi, `expected the end of a range after '${t.text}-', found ${describeTok(hi)}`);
        if (hi.num < t.num) fail(hi, `range ${t.text}-${hi.text} ends before it starts`);
        return { kind: 'range', lo: t.num, hi: hi.num, tok: t, endTok: hi };
      }
      return { kind: 'number', n: t.num, tok: t };
    }
    if (t.kind === 'string') return { kind: 'string', s: t.text, tok: t };
    if (t.kind === 'addr') return { kind: 'addr', text: t.text, tok: t };
    if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false')) {
      return fail(t, `booleans are written as the field alone or with 'not', not compared with ${t.text}`);
    }
    return fail(t, `expected a number, string or address after ${describeTok(after)}, found ${describeTok(t)}`);
  };

  const parsePrimary = (): Expr => {
    const t = peek();
    if (t.kind === '(') {
      next();
      if (++depth > MAX_DEPTH) fail(t, `conditions nest deeper than ${MAX_DEPTH} levels`);
      const e = parseOr();
      depth--;
      const close = next();
      if (close.kind !== ')') fail(close, `expected ')' to close an earlier '(', found ${describeTok(close)}`);
      return e;
    }
    if (t.kind === 'op' && (t.text === '!' )) {
      next();
      return { k: 'not', e: parseUnary() };
    }
    if (t.kind !== 'ident' || KEYWORDS.has(t.text.toLowerCase())) {
      return fail(t, t.kind === 'eof' ? 'condition ends too early: expected a field or (' : `expected a field or '(', found ${describeTok(t)}`);
    }
    next();
    const field = t;
    const op = peek();
    if (op.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(op.text)) {
      next();
      return { k: 'cmp', field, op: op.text as CmpOp, opTok: op, value: parseValue(op) };
    }
    if (isKw(op, 'in')) {
      next();
      if (peek().kind === '[') {
        const open = next();
        const values: Value[] = [];
        if (peek().kind === ']') fail(peek(), 'empty list: give at least one value');
        for (;;) {
          values.push(parseValue(values.length === 0 ? open : toks[pos - 1]));
          const sep = next();
          if (sep.kind === ']') break;
          if (sep.kind !== ',') fail(sep, `expected ',' or ']' in the list, found ${describeTok(sep)}`);
        }
        return { k: 'in', field, opTok: op, values, list: true };
      }
      return { k: 'in', field, opTok: op, values: [parseValue(op)], list: false };
    }
    if (isKw(op, 'contains') || isKw(op, 'matches')) {
      next();
      const v = parseValue(op);
      if (v.kind !== 'string') fail(v.tok, `'${op.text}' needs a quoted string, found ${describeTok(v.tok)}`);
      return { k: op.text.toLowerCase() as 'contains' | 'matches', field, opTok: op, value: v };
    }
    return { k: 'flag', field };
  };

  const parseUnary = (): Expr => {
    const t = peek();
    if (isKw(t, 'not')) {
      next();
      if (++depth > MAX_DEPTH) fail(t, `conditions nest deeper than ${MAX_DEPTH} levels`);
      const e = parseUnary();
      depth--;
      return { k: 'not', e };
    }
    return parsePrimary();
  };

  const parseAnd = (): Expr => {
    let l = parseUnary();
    while (isKw(peek(), 'and') || (peek().kind === 'op' && peek().text === '&&')) {
      next();
      l = { k: 'and', l, r: parseUnary() };
    }
    return l;
  };

  const parseOr = (): Expr => {
    let l = parseAnd();
    while (isKw(peek(), 'or') || (peek().kind === 'op' && peek().text === '||')) {
      next();
      l = { k: 'or', l, r: parseAnd() };
    }
    return l;
  };

  const e = parseOr();
  const rest = peek();
  if (rest.kind !== 'eof') {
    if (rest.kind === ')') fail(rest, "unmatched ')'");
    fail(rest, `expected 'and', 'or' or the end of the condition, found ${describeTok(rest)}`);
  }
  return e;
}
