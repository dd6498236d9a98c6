// The one-line human-readable form of an alert shared by the text log and the console
// ("2026-11-20T12:00:00.000Z [HIGH] SYN_SCAN 10.0.0.1 -> 10.0.0.2: message", PyNetGuard's alerts.log).
import type { Alert } from '../types.js';
import { DIRECT_NO_ROOM } from './batch-writer.js';

const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;
const CONTROLS = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;

/**
 * Replaces control characters with visible escapes. Detectors already pass wire text through
 * escapeText; this is the last guard before a terminal or a log viewer, and it does not re-escape
 * backslashes (that would double the detectors' escapes).
 */
export function safeLine(s: string): string {
  // Almost every line has none: a test is one scan, where replace() with a function also sets up its callback.
  if (!CONTROL.test(s)) return s;
  return s.replace(CONTROLS, (c) => {
    const n = c.codePointAt(0) ?? 0;
    return n < 0x100 ? '\\x' + n.toString(16).padStart(2, '0') : `\\u{${n.toString(16)}}`;
  });
}

export function endpoints(a: Alert): string {
  if (a.src_ip && a.dst_ip) return `${a.src_ip} -> ${a.dst_ip}`;
  return a.src_ip ?? (a.dst_ip ? `-> ${a.dst_ip}` : '');
}

/** The text-log line (without newline); an alert's final record says so, with its count and last detection. */
export function alertLine(a: Alert): string {
  const ep = endpoints(a);
  const fin = a.final ? ` (final: ${a.count} ${a.count === 1 ? 'detection' : 'detections'} until ${a.last_seen})` : '';
  return safeLine(`${a.timestamp} [${a.severity}] ${a.type}${ep ? ' ' + ep : ''}: ${a.message}${fin}`);
}

/** writeAlertLine: the line does not fit in the buffer from `off` (write out what is there and try again at 0). */
export const LINE_NO_ROOM = DIRECT_NO_ROOM;
/** writeAlertLine: the line has a character other than printable ASCII (write alertLine() instead). */
export const LINE_NOT_ASCII = -1;

/** Copies printable ASCII `s` into buf at off; the offset after it, or LINE_NOT_ASCII at another character. */
function putAscii(buf: Uint8Array, off: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return LINE_NOT_ASCII;
    buf[off++] = c;
  }
  return off;
}

/**
 * Buffer's own latin1Write, which @types/node does not declare: what buf.write(s, off, 'latin1') calls after
 * its argument checks and encoding lookup (Node has had it on every Buffer since its first releases).
 */
interface Latin1Writable extends Buffer {
  latin1Write(s: string, off: number): number;
}

/** A character other than printable ASCII. */
const NOT_PRINTABLE = /[^\x20-\x7e]/;
/** From this length a string is copied by Buffer's latin1Write (one native copy) rather than a character at a time. */
const NATIVE_FROM = 32;

/**
 * putAscii, for a string of one line each (a message): a long one is tested by a regular expression and copied
 * by latin1Write (for printable ASCII its bytes), where reading it a character at a time in JavaScript took
 * about 35 instructions a character (the message of a new alert is a rope until something flattens it).
 */
function putText(buf: Buffer, off: number, s: string): number {
  if (s.length < NATIVE_FROM) return putAscii(buf, off, s);
  if (NOT_PRINTABLE.test(s)) return LINE_NOT_ASCII;
  return off + (buf as Latin1Writable).latin1Write(s, off);
}

/** Longest string a TextPiece keeps the bytes of (longer ones are copied each time). */
const PIECE_MAX = 64;

/**
 * One field of the text log's lines whose value repeats from line to line (the time, severity, type,
 * destination): the last value and its bytes (length -1: not printable ASCII), so a line with the same value
 * copies bytes instead of reading the string again a character at a time. In an alert storm the alerts of one
 * millisecond share their time, and a final record repeats its time as the time it was last seen.
 */
class TextPiece {
  private text = '';
  private readonly bytes = new Uint8Array(PIECE_MAX);
  private len = 0;

  /** putAscii(buf, off, s), from the bytes kept when s is the last value. */
  put(buf: Uint8Array, off: number, s: string): number {
    if (s !== this.text) {
      if (s.length > PIECE_MAX) return putAscii(buf, off, s);
      const n = putAscii(this.bytes, 0, s);
      this.text = s;
      this.len = n;
    }
    const n = this.len;
    if (n < 0) return LINE_NOT_ASCII;
    const b = this.bytes;
    for (let i = 0; i < n; i++) buf[off + i] = b[i];
    return off + n;
  }
}

const TIME = new TextPiece();
const SEVERITY = new TextPiece();
const TYPE = new TextPiece();
const DESTINATION = new TextPiece();
const LAST_SEEN = new TextPiece();

/**
 * alertLine(a) and a newline, encoded into buf at `off` without making the line as a string, when every
 * character of it is printable ASCII: then its UTF-8 is those bytes and safeLine() leaves it as it is.
 * Returns the offset after the newline, LINE_NO_ROOM or LINE_NOT_ASCII. In an alert storm the text log's
 * lines, each a rope of a dozen pieces made flat for the control-character test, were a quarter of all
 * the memory the funnel and the default sinks allocated.
 */
export function writeAlertLine(a: Alert, buf: Buffer, off: number): number {
  const { timestamp, severity, type, message, src_ip, dst_ip, last_seen } = a;
  if (typeof timestamp !== 'string' || typeof severity !== 'string' || typeof type !== 'string' || typeof message !== 'string') return LINE_NOT_ASCII;
  if ((src_ip !== undefined && typeof src_ip !== 'string') || (dst_ip !== undefined && typeof dst_ip !== 'string')) return LINE_NOT_ASCII;
  // endpoints(a), in pieces: "src -> dst", "src", "-> dst" or nothing.
  let from = '';
  let arrow = '';
  let to = '';
  if (src_ip && dst_ip) {
    from = src_ip;
    arrow = ' -> ';
    to = dst_ip;
  } else if (src_ip !== undefined) from = src_ip;
  else if (dst_ip) {
    arrow = '-> ';
    to = dst_ip;
  }
  const ep = from.length + arrow.length + to.length;
  let count = '';
  let word = '';
  if (a.final) {
    if (typeof last_seen !== 'string') return LINE_NOT_ASCII;
    count = `${a.count}`;
    word = a.count === 1 ? 'detection' : 'detections';
  }
  // "TS [SEV] TYPE EP: MESSAGE (final: N word until LAST)\n"
  const finLen = a.final ? 9 + count.length + 1 + word.length + 7 + last_seen.length + 1 : 0;
  const len = timestamp.length + 2 + severity.length + 2 + type.length + (ep > 0 ? 1 + ep : 0) + 2 + message.length + finLen + 1;
  if (off + len > buf.length) return LINE_NO_ROOM;
  let o = TIME.put(buf, off, timestamp);
  if (o < 0) return o;
  buf[o++] = 0x20; // ' ['
  buf[o++] = 0x5b;
  if ((o = SEVERITY.put(buf, o, severity)) < 0) return o;
  buf[o++] = 0x5d; // '] '
  buf[o++] = 0x20;
  if ((o = TYPE.put(buf, o, type)) < 0) return o;
  if (ep > 0) {
    buf[o++] = 0x20;
    if ((o = putAscii(buf, o, from)) < 0) return o;
    if ((o = putAscii(buf, o, arrow)) < 0) return o;
    if ((o = DESTINATION.put(buf, o, to)) < 0) return o;
  }
  buf[o++] = 0x3a; // ': '
  buf[o++] = 0x20;
  if ((o = putText(buf, o, message)) < 0) return o;
  if (a.final) {
    if ((o = putAscii(buf, o, ' (final: ')) < 0) return o;
    if ((o = putAscii(buf, o, count)) < 0) return o;
    buf[o++] = 0x20;
    if ((o = putAscii(buf, o, word)) < 0) return o;
    if ((o = putAscii(buf, o, ' until ')) < 0) return o;
    if ((o = LAST_SEEN.put(buf, o, last_seen)) < 0) return o;
    buf[o++] = 0x29; // ')'
  }
  buf[o++] = 0x0a;
  return o;
}
