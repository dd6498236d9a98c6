// Tokeniser of the rule condition language: words (fields, keywords, numbers, addresses and CIDR
// blocks), quoted strings, comparison operators and brackets, each with its offset for error carets.

export type TokenKind = 'ident' | 'number' | 'string' | 'addr' | 'op' | '(' | ')' | '[' | ']' | ',' | '-' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier/keyword name, operator text, string contents (unescaped) or address text. */
  text: string;
  /** Numeric value of a number token. */
  num: number;
  /** Offsets in the condition text: [start, end). */
  start: number;
  end: number;
}

/** A problem in a condition, with the offending span (offsets into the condition text). */
export class RuleSyntaxError extends Error {
  constructor(message: string, readonly start: number, readonly end: number) {
    super(message);
    this.name = 'RuleSyntaxError';
  }
}

/** Conditions longer than this are refused (a rule is a line, not a program). */
export const MAX_CONDITION_LENGTH = 4096;

const WORD = /[A-Za-z0-9_.:/]/;

function tok(kind: TokenKind, text: string, start: number, end: number, num = 0): Token {
  return { kind, text, num, start, end };
}

export function tokenize(src: string): Token[] {
  if (src.length > MAX_CONDITION_LENGTH) throw new RuleSyntaxError(`condition is longer than ${MAX_CONDITION_LENGTH} characters`, 0, 1);
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '"' || c === "'") {
      // Quoted string. \" \' \\ \n \t are escapes; any other backslash is kept as written, so regular
      // expressions such as "\.xyz$" need no doubling.
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new RuleSyntaxError('unterminated string (missing closing quote)', start, src.length);
        const d = src[i];
        if (d === c) {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < src.length) {
          const e = src[i + 1];
          if (e === c || e === '\\') s += e;
          else if (e === 'n') s += '\n';
          else if (e === 't') s += '\t';
          else s += '\\' + e;
          i += 2;
          continue;
        }
        s += d;
        i++;
      }
      out.push(tok('string', s, start, i));
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=' || two === '&&' || two === '||') {
      out.push(tok('op', two, i, i + 2));
      i += 2;
      continue;
    }
    if (c === '<' || c === '>' || c === '!') {
      out.push(tok('op', c, i, i + 1));
      i++;
      continue;
    }
    if (c === '=') throw new RuleSyntaxError("'=' is not an operator; use '==' to compare", i, i + 1);
    if (c === '(' || c === ')' || c === '[' || c === ']' || c === ',' || c === '-') {
      out.push(tok(c, c, i, i + 1));
      i++;
      continue;
    }
    if (WORD.test(c)) {
      while (i < src.length && WORD.test(src[i])) i++;
      const w = src.slice(start, i);
      if (/^\d+(\.\d+)?$/.test(w) && !/^\d+\.\d+\.\d+/.test(w)) out.push(tok('number', w, start, i, Number(w)));
      else if (/^0x[0-9a-fA-F]+$/.test(w)) out.push(tok('number', w, start, i, parseInt(w.slice(2), 16)));
      else if (w.includes(':') || w.includes('/') || /^\d/.test(w)) out.push(tok('addr', w, start, i));
      else if (/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(w)) out.push(tok('ident', w, start, i));
      else throw new RuleSyntaxError(`'${w}' is not a field, number or address`, start, i);
      continue;
    }
    throw new RuleSyntaxError(`unexpected character '${c}'`, i, i + 1);
  }
  out.push(tok('eof', '', src.length, src.length));
  return out;
}
