// The text log's and console's line: control characters from the wire shown as escapes, a clean line unchanged.
import { describe, expect, it } from 'vitest';
import { LINE_NO_ROOM, LINE_NOT_ASCII, alertLine, safeLine, writeAlertLine } from '../../src/alert/sinks/format.js';
import type { Alert } from '../../src/alert/types.js';

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

describe('writeAlertLine (the text log encoding a line straight into its buffer)', () => {
  const base: Alert = { id: 'a-1', timestamp: '2026-11-20T12:00:00.000Z', last_seen: '2026-11-20T12:00:05.000Z', type: 'SQL_INJECTION', severity: 'HIGH', message: 'GET /x', details: {}, count: 1 };
  const cases: Array<[string, Alert]> = [
    ['both ends', { ...base, src_ip: '10.0.0.1', dst_ip: '10.0.0.2' }],
    ['source only', { ...base, src_ip: '10.0.0.1' }],
    ['destination only', { ...base, dst_ip: 'fe80::1' }],
    ['an empty source', { ...base, src_ip: '', dst_ip: '10.0.0.2' }],
    ['no address', { ...base }],
    ['a final record of one detection', { ...base, src_ip: '10.0.0.1', dst_ip: '10.0.0.2', final: true }],
    ['a final record of many', { ...base, src_ip: '10.0.0.1', count: 12_345, final: true, final_reason: 'timeout' }],
    ['a message of every printable character', { ...base, message: Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).join('') }],
  ];
  for (const [what, a] of cases) {
    it(`gives the bytes of alertLine() and a newline: ${what}`, () => {
      const buf = Buffer.alloc(4096, 0xee);
      const end = writeAlertLine(a, buf, 7);
      expect(end).toBeGreaterThan(7);
      expect(buf.subarray(7, end).toString('utf8')).toBe(alertLine(a) + '\n');
      // Nothing written outside the line.
      expect(buf[6]).toBe(0xee);
      expect(buf[end]).toBe(0xee);
    });
  }

  it('leaves lines with a control character, DEL or non-ASCII text to alertLine()', () => {
    const buf = Buffer.alloc(4096);
    for (const message of ['evil\x1b[2J', 'tab\there', 'del\x7f', 'caf\u00e9', 'line\u2028sep', '\u{1F600}']) {
      expect(writeAlertLine({ ...base, message }, buf, 0)).toBe(LINE_NOT_ASCII);
    }
    expect(writeAlertLine({ ...base, src_ip: '10.0.0.1\n' }, buf, 0)).toBe(LINE_NOT_ASCII);
    expect(writeAlertLine({ ...base, final: true, last_seen: 'x\x00' }, buf, 0)).toBe(LINE_NOT_ASCII);
  });

  it('gives the same bytes line after line as its fields repeat and change (the last value of each is kept)', () => {
    const long = 'x'.repeat(70);
    const seq: Alert[] = [
      { ...base, src_ip: '10.0.0.1', dst_ip: '10.0.0.2', message: 'a message long enough to be copied natively: ' + 'y'.repeat(40) },
      { ...base, src_ip: '10.0.0.3', dst_ip: '10.0.0.2', final: true, count: 2 },
      { ...base, timestamp: '2026-11-20T12:00:00.001Z', type: 'SYN_SCAN', severity: 'LOW', src_ip: '10.0.0.3', dst_ip: long },
      { ...base, timestamp: '2026-11-20T12:00:00.001Z', type: 'SYN_SCAN', severity: 'LOW', src_ip: '10.0.0.3', dst_ip: long, final: true, last_seen: long },
      { ...base, src_ip: '10.0.0.1', dst_ip: '10.0.0.2' },
    ];
    const buf = Buffer.alloc(8192);
    let off = 0;
    for (const a of seq) off = writeAlertLine(a, buf, off);
    expect(buf.subarray(0, off).toString('utf8')).toBe(seq.map((a) => alertLine(a) + '\n').join(''));
  });

  it('refuses a field that is not printable ASCII every time it comes, also after a line that had it printable', () => {
    const buf = Buffer.alloc(4096);
    const ok = { ...base, src_ip: '10.0.0.1', dst_ip: '10.0.0.2' };
    for (const a of [{ ...ok, type: 'SQL\u00e9' as Alert['type'] }, { ...ok, dst_ip: '10.0.0.2\t' }, { ...ok, severity: 'HIGH\n' as Alert['severity'] }]) {
      expect(writeAlertLine(ok, buf, 0)).toBe(alertLine(ok).length + 1);
      expect(writeAlertLine(a, buf, 0)).toBe(LINE_NOT_ASCII);
      expect(writeAlertLine(a, buf, 0)).toBe(LINE_NOT_ASCII);
    }
    // A long message (copied natively) with one control character or a character past Latin-1 at its end.
    for (const tail of ['\x7f', '\x1b', '\u0101', '\u00e9']) {
      expect(writeAlertLine({ ...ok, message: 'm'.repeat(80) + tail }, buf, 0)).toBe(LINE_NOT_ASCII);
    }
  });

  it('says when the line does not fit, to the byte', () => {
    const a = { ...base, src_ip: '10.0.0.1', dst_ip: '10.0.0.2' };
    const line = alertLine(a) + '\n';
    expect(writeAlertLine(a, Buffer.alloc(line.length - 1), 0)).toBe(LINE_NO_ROOM);
    expect(writeAlertLine(a, Buffer.alloc(line.length + 10), 11)).toBe(LINE_NO_ROOM);
    expect(writeAlertLine(a, Buffer.alloc(line.length + 10), 10)).toBe(line.length + 10);
  });
});
