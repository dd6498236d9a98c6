// The text log's and console's line: control characters from the wire shown as escapes, a clean line unchanged.
import { describe, expect, it } from 'vitest';
import { alertLine, safeLine } from '../../src/alert/sinks/format.js';

describe('safeLine', () => {
  it('escapes C0, DEL, C1 and the Unicode line separators, one call after another', () => {
    expect(safeLine('a\x1b[31mb\r\nc')).toBe('a\\x1b[31mb\\x0d\\x0ac');
    expect(safeLine('x\x7f\x85\u2028\u2029y')).toBe('x\\x7f\\x85\\u{2028}\\u{2029}y');
    // Twice in a row and after a clean line: no state carried from one call to the next.
    expect(safeLine('\x00')).toBe('\\x00');
    expect(safeLine('\x00')).toBe('\\x00');
    expect(safeLine('clean')).toBe('clean');
    expect(safeLine('\x01end')).toBe('\\x01end');
  });

  it('leaves printable text, backslashes and non-ASCII letters as they are', () => {
    const s = 'caf\u00e9 \\x41 \u00a0 \u{1F600} 10.0.0.1 -> 10.0.0.2';
    expect(safeLine(s)).toBe(s);
  });
});

describe('alertLine', () => {
  it('escapes a control character in any part of the line, and says the final record', () => {
    const base = { id: 'a-1', timestamp: '2026-11-20T12:00:00.000Z', last_seen: '2026-11-20T12:00:05.000Z', type: 'SQL_INJECTION' as const, severity: 'HIGH' as const, details: {}, count: 3 };
    expect(alertLine({ ...base, message: 'GET /\x1b]0;x\x07', src_ip: '10.0.0.1', dst_ip: '10.0.0.2' })).toBe(
      '2026-11-20T12:00:00.000Z [HIGH] SQL_INJECTION 10.0.0.1 -> 10.0.0.2: GET /\\x1b]0;x\\x07',
    );
    expect(alertLine({ ...base, message: 'm', dst_ip: '10.0.0.2', final: true })).toBe(
      '2026-11-20T12:00:00.000Z [HIGH] SQL_INJECTION -> 10.0.0.2: m (final: 3 detections until 2026-11-20T12:00:05.000Z)',
    );
  });
});
