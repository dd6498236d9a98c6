// Maps a path in a parsed YAML document (["thresholds", "syn_flood"]) to its line and column, so every
// configuration message can say file:line:col.
import type { Document, LineCounter, Node } from 'yaml';
import { yamlPackage } from './yaml-package.js';

export interface Located {
  doc: Document;
  lines: LineCounter;
  file: string;
  text: string;
}

export interface Pos {
  line: number;
  col: number;
  offset: number;
}

/**
 * Parses YAML keeping positions; each syntax error is returned as "file:line:col: message", then the
 * source line and a caret under the column.
 *
 * Where a fault is: a key indented deeper than the key above it (`  syn_flood: 100` then
 * `   port_scan: 20`) makes the yaml package report two errors at the line above (the value there, as
 * the start of a key that would span two lines). The fault is on the deeper line, at its ':', where
 * PyYAML and yamllint point ("3:13 mapping values are not allowed here"): it is reported there, once.
 */
export function parseLocated(text: string, file: string): { located: Located; errors: string[] } {
  const { LineCounter, parseDocument } = yamlPackage();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const multiline = new Set(doc.errors.filter((e) => e.code === 'MULTILINE_IMPLICIT_KEY').map((e) => e.pos[0]));
  const errors: string[] = [];
  for (const e of doc.errors) {
    if (e.code === 'BLOCK_AS_IMPLICIT_KEY' && multiline.has(e.pos[0])) continue;
    let at = e.pos[0];
    // The yaml package appends " at line N, column M:" and a context excerpt; we give our own prefix.
    let msg = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    if (e.code === 'MULTILINE_IMPLICIT_KEY') {
      const above = lines.linePos(e.pos[0]).line;
      // pos[1] ends the would-be key: the ':' of the deeper line.
      at = text[e.pos[1]] === ':' ? e.pos[1] : Math.max(e.pos[0], e.pos[1] - 1);
      msg = `mapping values are not allowed here (the key on this line is indented deeper than the one on line ${above}, so it reads as part of that line's value)`;
    }
    const lp = lines.linePos(Math.min(at, text.length));
    errors.push(`${file}:${lp.line}:${lp.col}: ${msg}\n${caretExcerpt(text, at, at + 1, lp.line)}`);
  }
  return { located: { doc, lines, file, text }, errors };
}

/** A caret excerpt: the source line with its number, and ^ under [start, end) (clipped to that line). */
export function caretExcerpt(text: string, start: number, end: number, lineNo: number): string {
  const ls = text.lastIndexOf('\n', start - 1) + 1;
  let le = text.indexOf('\n', start);
  if (le < 0) le = text.length;
  const line = text.slice(ls, le).replace(/\r$/, '');
  const gutter = String(lineNo);
  const pad = ' '.repeat(gutter.length);
  const col = start - ls;
  const width = Math.max(1, Math.min(end, le) - start);
  // Tabs stay tabs under the caret so it lines up in a terminal.
  const lead = line.slice(0, col).replace(/[^\t]/g, ' ');
  return `${gutter} | ${line}\n${pad} | ${lead}${'^'.repeat(width)}`;
}

/** The key node and value node at `path` (the deepest existing prefix when the path is missing). */
export function findNodes(doc: Document, path: ReadonlyArray<string | number>): { key: Node | null; value: Node | null; depth: number } {
  const { isMap, isPair, isScalar, isSeq } = yamlPackage();
  let node: unknown = doc.contents;
  let key: Node | null = null;
  let depth = 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      key = (pair.key as Node) ?? null;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      key = null;
      node = item;
    } else break;
    depth++;
  }
  return { key, value: (node as Node | null) ?? null, depth };
}

export function posAt(loc: Located, offset: number): Pos {
  const lp = loc.lines.linePos(offset);
  return { line: lp.line, col: lp.col, offset };
}

/**
 * Where to point for a message about `path`: the value (for a bad value), or the key (for an
 * unknown key). Falls back to the nearest existing parent, then to 1:1.
 */
export function locate(loc: Located, path: ReadonlyArray<string | number>, which: 'key' | 'value' = 'value'): Pos {
  const { key, value } = findNodes(loc.doc, path);
  const node = which === 'key' ? (key ?? value) : (value ?? key);
  const range = node?.range;
  if (range) return posAt(loc, range[0]);
  return { line: 1, col: 1, offset: 0 };
}

export function where(loc: Located, pos: Pos): string {
  return `${loc.file}:${pos.line}:${pos.col}`;
}

/** The source line (without newline) holding `offset`. */
export function sourceLine(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  let end = text.indexOf('\n', offset);
  if (end < 0) end = text.length;
  return text.slice(start, end).replace(/\r$/, '');
}

/**
 * For a scalar whose value was read from source[start, end) (quoted, folded or block style), returns,
 * for each character of the value, its offset in the source. Why: errors inside a rule condition must
 * point at the token in the file, and YAML quoting, escapes and line folding shift columns. The
 * alignment is greedy: each value character is matched to the next equal source character
 * (whitespace matches any whitespace, including a folded newline).
 */
export function valueOffsets(source: string, start: number, end: number, value: string): number[] {
  const out = new Array<number>(value.length + 1);
  let s = start;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    const ws = /\s/.test(c);
    let t = s;
    while (t < end && (ws ? !/\s/.test(source[t]) : source[t] !== c)) t++;
    if (t >= end) {
      // Could not align (an escape sequence such as \x41): keep the rest at the last known place.
      for (let j = i; j < value.length; j++) out[j] = Math.min(s, end);
      out[value.length] = Math.min(s, end);
      return out;
    }
    out[i] = t;
    s = t + 1;
    if (ws && i + 1 < value.length && !/\s/.test(value[i + 1])) while (s < end && /\s/.test(source[s])) s++;
  }
  out[value.length] = s;
  return out;
}
