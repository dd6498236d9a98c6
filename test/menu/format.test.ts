// The menu's text helpers: aligned tables, terminal-safe text, byte, duration and port rendering.
process.env.TZ = 'UTC';
import { describe, expect, it } from 'vitest';
import { cutToWidth, formatBytes, formatClock, formatDateTime, formatDuration, formatIso, makeChalk, portText, safe, table, visibleLength } from '../../src/cli/menu/format.js';

describe('table', () => {
  it('pads columns to the widest cell and right-aligns numbers', () => {
    const c = makeChalk(false);
    const t = table([{ header: 'Name' }, { header: 'Count', align: 'right' }, { header: 'Note' }], [['a', '5', 'x'], ['longer', '1234', '']], c);
    expect(t.header).toEqual(['Name    Count  Note', '------  -----  ----']);
    expect(t.lines).toEqual(['a           5  x', 'longer   1234']);
  });

  it('measures width without colour codes', () => {
    const c = makeChalk(true);
    const t = table([{ header: 'Sev' }, { header: 'X' }], [[c.red('HIGH'), '1'], ['LOW', '2']], c);
    expect(visibleLength(t.lines[0])).toBe(visibleLength(t.lines[1]));
    expect(t.lines[0]).toBe('\x1b[31mHIGH\x1b[39m  1');
    expect(t.lines[1]).toBe('LOW   2');
  });

  it('cuts a long last column at the given width', () => {
    const c = makeChalk(false);
    const t = table([{ header: 'A' }, { header: 'Info' }], [['1', 'x'.repeat(50)]], c, 30);
    expect(t.lines[0]).toBe('1  ' + 'x'.repeat(26) + '…');
    expect(t.lines[0].length).toBe(30);
  });
});

describe('tables at a terminal width', () => {
  const c = makeChalk(true);
  const cols = [{ header: 'Time' }, { header: 'Severity' }, { header: 'Source' }, { header: 'Message' }];
  const row = ['18:07:22.913', c.red('HIGH'), '192.168.1.71', 'Port sweep: 192.168.1.71 probed port 80 on 7 hosts in 0.6 s'];

  it('cuts every line to the width, whatever column is too long, keeping colour codes whole', () => {
    const long = table([{ header: 'Source' }, { header: 'Info' }, { header: 'N', align: 'right' }], [['x'.repeat(40), c.red('y'.repeat(40)), '1']], c, 50);
    for (const l of [...long.header, ...long.lines]) expect(visibleLength(l)).toBeLessThanOrEqual(50);
    expect(long.lines[0]).toBe('x'.repeat(40) + '  \x1b[31m' + 'y'.repeat(7) + '…\x1b[0m');
    expect(cutToWidth('short', 50)).toBe('short');
  });

  it('wraps a column marked wrap under itself instead of cutting it', () => {
    const t = table([...cols.slice(0, 3), { header: 'Message', wrap: true }], [row], c, 70);
    expect(t.lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))).toEqual([
      '18:07:22.913  HIGH      192.168.1.71  Port sweep: 192.168.1.71 probed',
      '                                      port 80 on 7 hosts in 0.6 s',
    ]);
    for (const l of t.lines) expect(visibleLength(l)).toBeLessThanOrEqual(70);
  });

  it('puts a wrapped column on lines of its own when too little room is left beside it', () => {
    const t = table([...cols.slice(0, 3), { header: 'Message', wrap: true }], [row], c, 50);
    expect(t.lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))).toEqual(['18:07:22.913  HIGH      192.168.1.71', '  Port sweep: 192.168.1.71 probed port 80 on 7', '  hosts in 0.6 s']);
  });
});

describe('safe', () => {
  it('escapes control characters and leaves already-escaped text alone', () => {
    expect(safe('evil\x1b[2J\x07')).toBe('evil\\x1b[2J\\x07');
    expect(safe('already\\x1b escaped')).toBe('already\\x1b escaped');
    expect(safe('a\u202eb')).toBe('a\\u{202e}b');
    expect(safe('plain.example.org')).toBe('plain.example.org');
  });
});

describe('numbers and times', () => {
  it('bytes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MiB');
  });

  it('durations', () => {
    expect(formatDuration(6)).toBe('6 ms');
    expect(formatDuration(2415)).toBe('2.4 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(2 * 3600_000 + 60_000)).toBe('2 h 1 min');
  });

  it('times in local time (UTC here)', () => {
    const t = Date.UTC(2011, 8, 27, 18, 7, 22, 913);
    expect(formatClock(t)).toBe('18:07:22.913');
    expect(formatDateTime(t)).toBe('2011-09-27 18:07:22');
    expect(formatIso('2011-09-27T18:07:22.913Z')).toBe('2011-09-27 18:07:22');
    expect(formatIso('not a time')).toBe('not a time');
  });

  it('ports with their service names', () => {
    expect(portText(443, 'https')).toBe('443 (https)');
    expect(portText(58024, '')).toBe('58024');
  });
});
