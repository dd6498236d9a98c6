// The one-line human-readable form of an alert shared by the text log and the console
// ("2026-11-20T12:00:00.000Z [HIGH] SYN_SCAN 10.0.0.1 -> 10.0.0.2: message", PyNetGuard's alerts.log).
import type { Alert } from '../types.js';

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
