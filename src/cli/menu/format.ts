// Text formatting for the CLI menu: aligned tables, colours, byte/time/port rendering, and terminal-safe text.
import { Chalk, type ChalkInstance } from 'chalk';
import type { Severity } from '../../alert/types.js';
import { escapeText } from '../../decode/addr.js';
import type { ReputationStatus } from './backend.js';

/** Characters that can move the cursor or change the terminal's state (escapeText's set minus backslash). */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * Makes a backend string safe to print. Backend strings are meant to be escaped already, so a lone
 * backslash is taken as part of an existing escape and left alone (escaping it again would show
 * "\\x00"); anything that still holds a control character was not escaped and is escaped whole.
 */
export function safe(s: string): string {
  return UNSAFE.test(s) ? escapeText(s) : s;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Visible width of a cell (colour codes take no room). */
export function visibleLength(s: string): number {
  return s.replace(ANSI, '').length;
}

/**
 * The first `width` visible characters of `s`, with "…" as the last one when anything was cut. Colour
 * codes are kept whole (never cut in half) and a reset is added when the cut fell inside a colour.
 */
export function cutToWidth(s: string, width: number): string {
  if (visibleLength(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let seen = 0;
  let coloured = false;
  for (let i = 0; i < s.length && seen < width - 1; ) {
    const m = s[i] === '\x1b' ? /^\x1b\[[0-9;]*m/.exec(s.slice(i)) : null;
    if (m) {
      out += m[0];
      coloured = true;
      i += m[0].length;
    } else {
      out += s[i];
      seen++;
      i++;
    }
  }
  // A reset, in case the cut fell inside a colour.
  return out + '…' + (coloured ? '\x1b[0m' : '');
}

/** Splits text into lines of at most `width` characters, at spaces where it can. */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > width) {
    let at = rest.lastIndexOf(' ', width);
    if (at <= 0) at = width;
    out.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  out.push(rest);
  return out;
}

export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align?: Align;
  /**
   * Only for the last column: at a terminal too narrow for it, continue its text on further lines
   * under it instead of cutting it (messages, rule conditions: text a reader needs whole).
   */
  wrap?: boolean;
}

/** Narrowest room a wrapped column is given; below it the text starts on a line of its own. */
const WRAP_MIN = 24;

/**
 * Lays out rows as aligned text lines: a header, a rule of dashes, then one line per row (more when
 * the last column wraps). Cells may carry colour; widths count visible characters. `maxWidth` (a
 * terminal's columns) cuts every line to it, so that lines never wrap on the screen.
 */
export function table(columns: Column[], rows: string[][], c: ChalkInstance, maxWidth?: number): { header: string[]; lines: string[] } {
  const widths = columns.map((col, i) => Math.max(col.header.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const pad = (text: string, i: number): string => {
    const fill = ' '.repeat(Math.max(0, widths[i] - visibleLength(text)));
    return columns[i].align === 'right' ? fill + text : text + fill;
  };
  const last = columns.length - 1;
  const fit = (line: string): string => (maxWidth !== undefined ? cutToWidth(line, maxWidth) : line);
  const join = (cells: string[]): string[] => {
    const head = cells.slice(0, last).map((cell, i) => pad(cell, i) + '  ').join('');
    const tail = columns[last].align === 'right' ? pad(cells[last] ?? '', last) : (cells[last] ?? '');
    const room = maxWidth !== undefined ? maxWidth - visibleLength(head) : Infinity;
    if (!columns[last].wrap || visibleLength(tail) <= room || maxWidth === undefined) return [fit((head + tail).trimEnd())];
    // A wrapped column continues under itself, or, when even that leaves too little room, on lines of the full width.
    const indent = room >= WRAP_MIN ? visibleLength(head) : 2;
    const parts = wrapText(tail.replace(ANSI, ''), maxWidth - indent);
    if (room >= WRAP_MIN) return [fit((head + parts[0]).trimEnd()), ...parts.slice(1).map((p) => fit(' '.repeat(indent) + p))];
    return [fit(head.trimEnd()), ...parts.map((p) => fit(' '.repeat(indent) + p))];
  };
  const header = [c.bold(join(columns.map((col) => col.header))[0]), join(widths.map((w) => '-'.repeat(w)))[0]];
  return { header, lines: rows.flatMap((r) => join(r)) };
}

/** A chalk with colour on or off, never guessing from the environment. */
export function makeChalk(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}

export function severityText(s: Severity | string, c: ChalkInstance): string {
  switch (s) {
    case 'CRITICAL':
      return c.bold.red(s);
    case 'HIGH':
      return c.red(s);
    case 'WARNING':
      return c.yellow(s);
    case 'LOW':
      return c.cyan(s);
    default:
      return safe(s);
  }
}

export function statusText(s: ReputationStatus, c: ChalkInstance): string {
  switch (s) {
    case 'malicious':
    case 'blacklisted':
      return c.red(s);
    case 'suspicious':
      return c.yellow(s);
    case 'whitelisted':
      return c.green(s);
    default:
      return s;
  }
}

/** "512 B", "1.5 KiB", "3.2 MiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** Local time of day with milliseconds, "18:07:22.913". */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Local date and time, "2011-09-27 18:07:22". */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** "850 ms", "2.4 s", "3 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** A port with its service name next to it: "80 (http)", "58024", or "-" for portless protocols. */
export function portText(port: number, service: string): string {
  return service ? `${port} (${safe(service)})` : String(port);
}

/** An ISO 8601 alert time shown as local date and time; anything unparsable is shown as given. */
export function formatIso(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? safe(iso) : formatDateTime(ms);
}
