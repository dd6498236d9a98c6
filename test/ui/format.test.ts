// Formatting helpers: sizes, rates, durations, sparklines, bars, columns and the defensive escape.
import { describe, expect, it } from 'vitest';
import { bar, endpoint, fit, fmtAge, fmtBits, fmtBytes, fmtRate, fmtUptime, safe, sparkline } from '../../src/ui/format.js';
import { escapeText } from '../../src/decode/addr.js';

describe('format', () => {
  it('sizes and rates', () => {
    expect(fmtBytes(0)).toBe('0 B');
    expect(fmtBytes(1023)).toBe('1023 B');
    expect(fmtBytes(1536)).toBe('1.5 KB');
    expect(fmtBytes(31_457_280)).toBe('30 MB');
    expect(fmtBits(800)).toBe('800 bit/s');
    expect(fmtBits(9_800_000)).toBe('9.8 Mbit/s');
    expect(fmtBits(1e9)).toBe('1.0 Gbit/s');
    expect(fmtRate(0.5)).toBe('0.5');
    expect(fmtRate(1250)).toBe('1,250');
  });

  it('durations', () => {
    expect(fmtUptime(3_723_000)).toBe('01:02:03');
    expect(fmtUptime(90_061_000)).toBe('1d 01:01:01');
    expect(fmtAge(12_000)).toBe('12s');
    expect(fmtAge(75_000)).toBe('1m15s');
    expect(fmtAge(7_500_000)).toBe('2h05m');
  });

  it('sparklines scale to the maximum and keep the newest values', () => {
    expect(sparkline([0, 1, 2, 4, 8], 5)).toBe('▁▂▃▅█');
    expect(sparkline([100, 0, 8], 2)).toBe('▁█');
    expect(sparkline([], 5)).toBe('');
    expect(sparkline([0, 0], 2)).toBe('▁▁');
  });

  it('bars are proportional and show any non-zero value', () => {
    expect(bar(50, 100, 10)).toEqual({ filled: '█████', empty: '░░░░░' });
    expect(bar(1, 1000, 10).filled).toBe('█');
    expect(bar(0, 1000, 4)).toEqual({ filled: '', empty: '░░░░' });
  });

  it('fit pads and cuts with an ellipsis', () => {
    expect(fit('abc', 5)).toBe('abc  ');
    expect(fit('abc', 5, 'right')).toBe('  abc');
    expect(fit('abcdef', 4)).toBe('abc…');
  });

  it('endpoints bracket IPv6 and drop a zero port', () => {
    expect(endpoint('10.0.0.1', 80)).toBe('10.0.0.1:80');
    expect(endpoint('fd00::1', 443)).toBe('[fd00::1]:443');
    expect(endpoint('10.0.0.1', 0)).toBe('10.0.0.1');
  });

  it('safe escapes raw control characters and leaves already-escaped text as it is', () => {
    const raw = 'a\x1b[2Jb\x07c\u202e';
    expect(safe(raw)).toBe('a\\x1b[2Jb\\x07c\\u{202e}');
    expect(safe(escapeText(raw))).toBe(escapeText(raw));
    expect(safe('plain')).toBe('plain');
    expect(safe(undefined)).toBe('');
  });
});
