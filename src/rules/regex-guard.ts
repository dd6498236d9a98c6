// Refuses regular expressions that can backtrack catastrophically before a rule is loaded, and caps the
// input they run on: JavaScript's regex engine backtracks, and one bad pattern over a crafted URI could
// stall the packet path for seconds.
//
// What is refused: backreferences (\1, \k<name>), lookbehind/lookahead (they hide nested work), and a
// quantified group that itself contains a quantifier or an alternation under an unbounded repeat
// ((a+)+, (a|aa)*, (\w+\s?)*): the classic exponential shapes. A small bounded repeat of a group
// ((\d{1,3}\.){3}) is polynomial and allowed. What stays possible is polynomial
// backtracking such as \d*\d*\d*, which the input cap (MAX_REGEX_INPUT characters) bounds.

export const MAX_PATTERN_LENGTH = 512;
/** Characters of a field a regex sees; longer values are cut (URIs beyond this are anomalous anyway). */
export const MAX_REGEX_INPUT = 2048;

export interface RegexProblem {
  message: string;
  /** Offset in the pattern. */
  index: number;
}

interface Group {
  start: number;
  hasQuantifier: boolean;
  hasAlternation: boolean;
}

/** Returns why the pattern is refused, or null when it is accepted. */
export function checkRegex(pattern: string): RegexProblem | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return { message: `regular expression is longer than ${MAX_PATTERN_LENGTH} characters`, index: 0 };
  const stack: Group[] = [{ start: -1, hasQuantifier: false, hasAlternation: false }];
  let inClass = false;
  let classStart = 0;
  // The group that just closed (if the next token is a quantifier, it applies to this group).
  let lastClosed: Group | null = null;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const top = stack[stack.length - 1];
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(n) || n === 'k')) return { message: 'backreferences are not allowed in rule regular expressions', index: i };
      i++;
      lastClosed = null;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      classStart = i;
      lastClosed = null;
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] === '?') {
        const kind = pattern.slice(i + 2, i + 4);
        if (kind.startsWith('=') || kind.startsWith('!') || kind === '<=' || kind === '<!') {
          return { message: 'lookahead and lookbehind are not allowed in rule regular expressions', index: i };
        }
      }
      stack.push({ start: i, hasQuantifier: false, hasAlternation: false });
      lastClosed = null;
      continue;
    }
    if (c === ')') {
      if (stack.length === 1) return { message: "unmatched ')'", index: i };
      lastClosed = stack.pop() ?? null;
      continue;
    }
    if (c === '|') {
      top.hasAlternation = true;
      lastClosed = null;
      continue;
    }
    const isQ = c === '*' || c === '+' || c === '?' || c === '{';
    if (isQ) {
      // "large": unbounded, or a bound high enough that nested repetition is effectively exponential.
      let unbounded = c === '*' || c === '+';
      let repeats = c !== '?';
      let end = i;
      if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (!m) {
          lastClosed = null;
          continue; // a literal '{'
        }
        end = i + m[0].length - 1;
        const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
        unbounded = max > 10;
        repeats = max > 1;
      }
      if (lastClosed && unbounded) {
        if (lastClosed.hasQuantifier) return { message: 'nested quantifier (a repeated group that itself repeats) can backtrack catastrophically', index: lastClosed.start };
        if (unbounded && lastClosed.hasAlternation) return { message: 'alternation inside a repeated group can backtrack catastrophically', index: lastClosed.start };
      }
      if (repeats) for (const g of stack) g.hasQuantifier = true;
      if (lastClosed?.hasQuantifier) for (const g of stack) g.hasQuantifier = true;
      i = end;
      // A lazy or possessive-looking suffix belongs to this quantifier.
      if (pattern[i + 1] === '?') i++;
      lastClosed = null;
      continue;
    }
    lastClosed = null;
  }
  if (inClass) return { message: "unterminated character class '['", index: classStart };
  if (stack.length > 1) return { message: "unterminated group '('", index: stack[stack.length - 1].start };
  return null;
}

/** Compiles a checked pattern (throws RegexProblem-shaped errors through the caller). */
export function compileGuarded(pattern: string, lower: boolean): RegExp {
  return new RegExp(pattern, lower ? 'i' : '');
}
