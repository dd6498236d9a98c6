// A quick reader for the plain YAML that settings and rules files are written in (nested block mappings,
// block sequences of mappings or scalars, quoted, plain and one-line flow values, with comments): the value
// the yaml package's toJS() gives, or undefined for anything else, which then goes to the yaml package
// (src/config/load.ts for settings, src/rules/engine.ts for rules).
//
// Why: the yaml package's first parse in a process costs about 20 ms of CPU for the shipped settings.yaml
// (5 KB) and about 30 ms for the shipped rules.yaml, as much as everything else in reading and checking
// them: its lexer, parser and composer are cold code, run by V8's interpreter and then compiled, on every
// start of NetGuard. This reader is a few small functions. It takes only what it reads exactly as YAML
// 1.2's core schema (the yaml package's default) does, and gives up on the rest: tabs, non-ASCII text,
// anchors, tags, block scalars, a sequence at its parent key's indent, nested sequences on one line,
// multi-line values, escapes in double quotes, a quote inside single quotes, numbers other than decimal
// integers, plain strings with spaces or punctuation, duplicate keys. test/config/plain-yaml.test.ts
// checks it against the yaml package on the shipped files and on generated documents.

/**
 * What a line holds: a mapping entry (its indent, key, and the value text after "key:", comment removed), or
 * a sequence item's dash (key null; value the item's scalar text, or '' when a mapping entry follows on the
 * same line, which is then an entry of its own at the column after the dash).
 */
interface Entry {
  indent: number;
  key: string | null;
  value: string;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INT = /^[-+]?[0-9]+$/;
/** Plain scalars read as strings: a letter or '/' first, then letters, digits and _ . / - only. */
const PLAIN_STRING = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const NULLS = new Set(['null', 'Null', 'NULL', '~']);
const TRUES = new Set(['true', 'True', 'TRUE']);
const FALSES = new Set(['false', 'False', 'FALSE']);
/** Signals that the text is not plain enough: the caller uses the yaml package. */
const GIVE_UP = Symbol('give up');

type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

/** The text's value as the yaml package's parseDocument(text).toJS() gives it, or undefined when this reader does not take the text. */
export function readPlainYaml(text: string): unknown {
  // Printable ASCII and newlines only: no tabs, carriage returns, byte order mark or other characters.
  if (!/^[\x20-\x7e\n]*$/.test(text)) return undefined;
  const entries: Entry[] = [];
  for (const line of text.split('\n')) {
    const content = withoutComment(line);
    if (content === null) return undefined;
    if (content.trim() === '') continue;
    let indent = content.length - content.trimStart().length;
    if (content[indent] === '-') {
      // "- item" or "- key: value"; a lone "-" (a null or a nested block) and "-x" (a plain scalar) go to the package.
      if (content[indent + 1] !== ' ') return undefined;
      const rest = content.slice(indent + 2).trimStart();
      const at = content.length - rest.length;
      if (rest === '' || rest[0] === '-') return undefined;
      if (rest[0] === '"' || rest[0] === "'" || rest[0] === '[' || rest[0] === '{' || !/^[^:]*:( |$)/.test(rest)) {
        entries.push({ indent, key: null, value: rest });
        continue;
      }
      entries.push({ indent, key: null, value: '' });
      indent = at;
    }
    const colon = content.indexOf(':', indent);
    if (colon < 0) return undefined;
    const key = content.slice(indent, colon);
    const rest = content.slice(colon + 1);
    if (!KEY.test(key) || key === '__proto__') return undefined;
    // "key:" ends the line or is followed by a space ("key:value" is a plain scalar, not a pair).
    if (rest !== '' && rest[0] !== ' ') return undefined;
    entries.push({ indent, key, value: rest.trim() });
  }
  if (entries.length === 0) return null;
  if (entries[0].indent !== 0) return undefined;
  const at = { i: 0 };
  const out = entries[0].key === null ? sequence(entries, at, 0) : mapping(entries, at, 0);
  if (out === GIVE_UP || at.i !== entries.length) return undefined;
  return out;
}

/** The line without its comment (a '#' at its start or after a space, outside quotes), or null when a quote is not closed on the line. */
function withoutComment(line: string): string | null {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || line[i - 1] === ' ')) return line.slice(0, i).trimEnd();
  }
  return quote ? null : line.trimEnd();
}

/** The block mapping whose keys are at `indent`, from entries[at.i] on. */
function mapping(entries: Entry[], at: { i: number }, indent: number): { [key: string]: Value } | typeof GIVE_UP {
  const out: { [key: string]: Value } = {};
  while (at.i < entries.length) {
    const e = entries[at.i];
    if (e.indent < indent) break;
    if (e.indent > indent || e.key === null || Object.hasOwn(out, e.key)) return GIVE_UP;
    at.i++;
    let v: Value | typeof GIVE_UP;
    if (e.value !== '') v = scalarOrFlow(e.value);
    else if (at.i < entries.length && entries[at.i].indent > indent) v = block(entries, at);
    else v = null;
    if (v === GIVE_UP) return GIVE_UP;
    out[e.key] = v;
  }
  return out;
}

/** The block sequence whose dashes are at `indent`, from entries[at.i] on. */
function sequence(entries: Entry[], at: { i: number }, indent: number): Value[] | typeof GIVE_UP {
  const out: Value[] = [];
  while (at.i < entries.length) {
    const e = entries[at.i];
    if (e.indent < indent) break;
    if (e.indent > indent || e.key !== null) return GIVE_UP;
    at.i++;
    let v: Value | typeof GIVE_UP;
    if (e.value !== '') v = scalarOrFlow(e.value);
    else if (at.i < entries.length && entries[at.i].indent > indent && entries[at.i].key !== null) v = mapping(entries, at, entries[at.i].indent);
    else v = GIVE_UP;
    if (v === GIVE_UP) return GIVE_UP;
    out.push(v);
  }
  return out;
}

/** The nested block (mapping or sequence) that starts at entries[at.i]. */
function block(entries: Entry[], at: { i: number }): Value | typeof GIVE_UP {
  const first = entries[at.i];
  return first.key === null ? sequence(entries, at, first.indent) : mapping(entries, at, first.indent);
}

/** A one-line value: a flow mapping or sequence of scalars, or a scalar. */
function scalarOrFlow(text: string): Value | typeof GIVE_UP {
  const first = text[0];
  if (first === '{' || first === '[') {
    const close = first === '{' ? '}' : ']';
    if (text[text.length - 1] !== close) return GIVE_UP;
    const inner = text.slice(1, -1).trim();
    const items = inner === '' ? [] : inner.split(',').map((s) => s.trim());
    if (first === '[') {
      const list: Value[] = [];
      for (const item of items) {
        const v = scalar(item);
        if (v === GIVE_UP) return GIVE_UP;
        list.push(v);
      }
      return list;
    }
    const map: { [key: string]: Value } = {};
    for (const item of items) {
      const colon = item.indexOf(':');
      if (colon < 0 || item[colon + 1] !== ' ') return GIVE_UP;
      const key = item.slice(0, colon);
      if (!KEY.test(key) || key === '__proto__' || Object.hasOwn(map, key)) return GIVE_UP;
      const v = scalar(item.slice(colon + 1).trim());
      if (v === GIVE_UP) return GIVE_UP;
      map[key] = v;
    }
    return map;
  }
  return scalar(text);
}

/** A scalar as YAML 1.2's core schema reads it, when it is one this reader takes. */
function scalar(text: string): Value | typeof GIVE_UP {
  if (text.length >= 2 && (text[0] === '"' || text[0] === "'") && text[text.length - 1] === text[0]) {
    const body = text.slice(1, -1);
    // The text between the quotes is the value when nothing in it is special: in double quotes no escape
    // and no quote; in single quotes no quote (a doubled one stands for one), while backslashes and double
    // quotes are plain characters there (a rule's regular expression).
    return (text[0] === '"' ? /["\\]/ : /'/).test(body) ? GIVE_UP : body;
  }
  if (NULLS.has(text)) return null;
  if (TRUES.has(text)) return true;
  if (FALSES.has(text)) return false;
  // The yaml package's core schema reads a decimal integer with parseInt (so "-0" is -0 and "007" is 7).
  if (INT.test(text)) return parseInt(text, 10);
  if (PLAIN_STRING.test(text)) return text;
  return GIVE_UP;
}
