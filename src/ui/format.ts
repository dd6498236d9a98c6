// Text formatting for the dashboard: numbers, sizes, rates, durations, clocks, bars and sparklines,
// fixed-width columns, and the defensive escape every wire string goes through before it is drawn.
import { escapeText } from '../decode/addr.js';

/** Characters that must never reach the terminal raw (C0, DEL, C1, bidi and zero-width controls). */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * Makes a string safe to draw. Snapshot strings are already escaped by the engine; escaping them a
 * second time would double every backslash ("\x1b" would show as "\\x1b"), so text that holds no
 * control character is drawn as it is, and anything else goes through escapeText.
 */
export function safe(s: string | undefined | null): string {
  if (s === undefined || s === null) return '';
  return UNSAFE.test(s) ? escapeText(s) : s;
}

export function fmtInt(n: number): string {
  if (!Number.isFinite(n)) return '0';
  return Math.round(n).toLocaleString('en-US');
}

/** `n` in the largest of `units` it reaches, each unit `step` times the one before; one decimal below 10. */
function scaled(n: number, step: number, units: readonly string[]): string {
  if (!Number.isFinite(n) || n < 0) return `0 ${units[0]}`;
  let v = n;
  let i = 0;
  while (v >= step && i < units.length - 1) {
    v /= step;
    i++;
  }
  return i === 0 ? `${Math.round(v)} ${units[0]}` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** Bytes in binary units: "512 B", "1.5 KB", "12.3 MB". */
export function fmtBytes(n: number): string {
  return scaled(n, 1024, BYTE_UNITS);
}

const BIT_UNITS = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];

/** Bits per second in decimal units, as network rates are quoted: "800 bit/s", "1.5 Mbit/s". */
export function fmtBits(bps: number): string {
  return scaled(bps, 1000, BIT_UNITS);
}

/** Packets per second: one decimal below 10 so a trickle does not read as zero. */
export function fmtRate(pps: number): string {
  if (!Number.isFinite(pps) || pps < 0) return '0';
  return pps < 10 && pps !== Math.round(pps) ? pps.toFixed(1) : fmtInt(pps);
}

const two = (n: number): string => String(n).padStart(2, '0');

/** Uptime as hh:mm:ss, with days in front past 24 hours. */
export function fmtUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const hms = `${two(Math.floor((s % 86400) / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  return d > 0 ? `${d}d ${hms}` : hms;
}

/** A short age: "12s", "3m04s", "2h05m", "3d04h". */
export function fmtAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${two(Math.floor((s % 86400) / 3600))}h`;
}

/** Local wall-clock time of a packet timestamp, hh:mm:ss. */
export function fmtClock(ts: number): string {
  if (!Number.isFinite(ts) || ts <= 0) return '--:--:--';
  const d = new Date(ts);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Local time with milliseconds, hh:mm:ss.mmm, for the packet feed. */
export function fmtTime(ts: number): string {
  if (!Number.isFinite(ts) || ts <= 0) return '--:--:--.---';
  const d = new Date(ts);
  return `${fmtClock(ts)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** hh:mm:ss of an ISO 8601 timestamp (alerts carry ISO text). */
export function fmtIsoClock(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '--:--:--' : fmtClock(t);
}

/**
 * Local date and time of an ISO 8601 timestamp: "2024-03-05 14:07:04", or without the year
 * ("03-05 14:07:04") when `short`. The alert history spans days, so its times carry the date.
 */
export function fmtIsoDateTime(iso: string, short = false): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return short ? '--------------' : '-------------------';
  const d = new Date(t);
  const day = `${two(d.getMonth() + 1)}-${two(d.getDate())} ${fmtClock(t)}`;
  return short ? day : `${d.getFullYear()}-${day}`;
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** The last `width` values as a sparkline, scaled to their maximum. */
export function sparkline(values: readonly number[], width: number): string {
  if (width <= 0 || values.length === 0) return '';
  const tail = values.slice(-width);
  let max = 0;
  for (const v of tail) if (Number.isFinite(v) && v > max) max = v;
  let out = '';
  for (const v of tail) {
    const x = Number.isFinite(v) && v > 0 && max > 0 ? v / max : 0;
    out += SPARKS[Math.min(SPARKS.length - 1, Math.round(x * (SPARKS.length - 1)))];
  }
  return out;
}

/** A proportional bar: the filled part and the empty rest, `width` cells in all. */
export function bar(value: number, max: number, width: number): { filled: string; empty: string } {
  if (width <= 0) return { filled: '', empty: '' };
  const frac = max > 0 && value > 0 ? Math.min(1, value / max) : 0;
  // Anything above zero gets at least one cell, so a small talker is still visible.
  const n = frac > 0 ? Math.max(1, Math.round(frac * width)) : 0;
  return { filled: '█'.repeat(n), empty: '░'.repeat(width - n) };
}

/** Pads or cuts (with an ellipsis) to exactly `width` characters. */
export function fit(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const chars = [...s];
  if (chars.length > width) return width === 1 ? '…' : chars.slice(0, width - 1).join('') + '…';
  return align === 'left' ? s.padEnd(width + (s.length - chars.length)) : s.padStart(width + (s.length - chars.length));
}

/** "10.0.0.1:80", "[fd00::1]:443", or the bare address when there is no port. */
export function endpoint(ip: string, port: number): string {
  const a = safe(ip);
  if (!port) return a;
  return a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
}
