// `netguard alerts`: filters, durations and dates, the aligned table, JSON lines, the summary, and
// exit codes for bad usage (2) and a missing or corrupt database (1).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAlertsCommand } from '../../src/cli/alerts-command.js';
import { parseTimeArg } from '../../src/history/index.js';
import { AlertHistory } from '../../src/history/index.js';
import { mkAlert } from './fixtures.js';

const NOW = Date.parse('2026-11-05T12:00:00Z');
let dir: string;
let db: string;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const o = new PassThrough();
  const e = new PassThrough();
  let out = '';
  let err = '';
  o.on('data', (d: Buffer) => (out += d.toString()));
  e.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runAlertsCommand(args, { stdout: o, stderr: e, now: NOW });
  return { code, out, err };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-alerts-cmd-'));
  db = path.join(dir, 'h.db');
  const h = new AlertHistory(db, { log: () => undefined });
  h.onAlert(mkAlert({ id: 'a1', type: 'SYN_SCAN', severity: 'HIGH', src_ip: '203.0.113.9', dst_ip: '192.0.2.10', at: '2026-09-01T08:00:00.000Z', message: 'old scan' }));
  h.onAlert(mkAlert({ id: 'a2', type: 'SYN_SCAN', severity: 'HIGH', src_ip: '203.0.113.9', dst_ip: '192.0.2.10', dst_port: 22, at: '2026-10-20T08:00:00.000Z', message: 'SYN scan: 120 ports', count: 120 }));
  h.onAlert(mkAlert({ id: 'a3', type: 'SYN_FLOOD', severity: 'CRITICAL', src_ip: '198.51.100.7', dst_ip: '203.0.113.9', at: '2026-11-01T23:00:00.000Z', message: 'SYN flood 5000/s' }));
  h.onAlert(mkAlert({ id: 'a4', type: 'DIRECTORY_TRAVERSAL', severity: 'WARNING', src_ip: '192.0.2.50', src_port: 40000, dst_ip: '192.0.2.10', dst_port: 80, at: '2026-11-05T06:00:00.000Z', message: 'GET /x\u001b[31m<script>' }));
  await h.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('time arguments', () => {
  it('durations count back from now; dates are UTC; --until dates include the day', () => {
    expect(parseTimeArg('30d', NOW)).toBe(NOW - 30 * 86_400_000);
    expect(parseTimeArg('12h', NOW)).toBe(NOW - 12 * 3_600_000);
    expect(parseTimeArg('15m', NOW)).toBe(NOW - 15 * 60_000);
    expect(parseTimeArg('45s', NOW)).toBe(NOW - 45_000);
    expect(parseTimeArg('2026-11-01', NOW)).toBe(Date.parse('2026-11-01T00:00:00Z'));
    expect(parseTimeArg('2026-11-01', NOW, true)).toBe(Date.parse('2026-11-02T00:00:00Z'));
    expect(parseTimeArg('2026-11-01T08:30:00Z', NOW)).toBe(Date.parse('2026-11-01T08:30:00Z'));
    expect(parseTimeArg('2026-11-01T08:30:00+02:00', NOW)).toBe(Date.parse('2026-11-01T06:30:00Z'));
    expect(parseTimeArg('2026-02-31', NOW)).toBeNull();
    expect(parseTimeArg('yesterday', NOW)).toBeNull();
    expect(parseTimeArg('30x', NOW)).toBeNull();
  });
});

describe('netguard alerts', () => {
  it('prints an aligned table, newest first, with wire text escaped', async () => {
    const r = await run(['--db', db]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+SEVERITY\s+TYPE\s+SOURCE\s+DESTINATION\s+COUNT\s+MESSAGE$/);
    expect(lines).toHaveLength(5);
    // Columns line up: every row has its SEVERITY where the header has it.
    const col = lines[0].indexOf('SEVERITY');
    const typeCol = lines[0].indexOf('TYPE');
    for (const l of lines.slice(1)) {
      expect(l.slice(col)).toMatch(/^(LOW|WARNING|HIGH|CRITICAL)\s/);
      expect(l.slice(typeCol)).toMatch(/^[A-Z_]+\s/);
    }
    expect(lines[1]).toContain('2026-11-05T06:00:00Z');
    expect(lines[1]).toContain('192.0.2.50:40000');
    expect(lines[1]).toContain('192.0.2.10:80');
    expect(lines[1]).toContain('GET /x\\x1b[31m<script>');
    expect(r.out).not.toContain('\u001b');
    expect(lines[4]).toContain('old scan');
  });

  it('--ip --since 30d: from or to the address in the last 30 days', async () => {
    const r = await run(['--db', db, '--ip', '203.0.113.9', '--since', '30d', '--json']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['a3', 'a2']);
  });

  it('--type, --severity (minimum), --until (a date includes its day), --limit, --search', async () => {
    const ids = async (args: string[]): Promise<string[]> => {
      const r = await run(['--db', db, '--json', ...args]);
      expect(r.code).toBe(0);
      return r.out.trim() === '' ? [] : r.out.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    };
    expect(await ids(['--type', 'SYN_SCAN'])).toEqual(['a2', 'a1']);
    expect(await ids(['--type', 'syn_flood'])).toEqual(['a3']);
    expect(await ids(['--severity', 'HIGH'])).toEqual(['a3', 'a2', 'a1']);
    expect(await ids(['--severity', 'critical'])).toEqual(['a3']);
    expect(await ids(['--until', '2026-11-01'])).toEqual(['a3', 'a2', 'a1']);
    expect(await ids(['--until', '2026-10-31'])).toEqual(['a2', 'a1']);
    expect(await ids(['--since', '2026-10-01', '--until', '2026-11-01T00:00:00Z'])).toEqual(['a2']);
    expect(await ids(['--limit', '2'])).toEqual(['a4', 'a3']);
    expect(await ids(['--search', 'flood'])).toEqual(['a3']);
    expect(await ids(['--ip', '10.9.9.9'])).toEqual([]);
  });

  it('--json writes one parseable alert per line with every field', async () => {
    const r = await run(['--db', db, '--json', '--type', 'DIRECTORY_TRAVERSAL']);
    const a = JSON.parse(r.out.trim()) as Record<string, unknown>;
    expect(a).toMatchObject({ id: 'a4', type: 'DIRECTORY_TRAVERSAL', severity: 'WARNING', src_ip: '192.0.2.50', src_port: 40000, dst_port: 80, message: 'GET /x\u001b[31m<script>' });
  });

  it('--summary counts by type, source and day', async () => {
    const r = await run(['--db', db, '--summary']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^4 alerts\n/);
    expect(r.out).toMatch(/By type\nTYPE\s+ALERTS\nSYN_SCAN\s+2\n/);
    expect(r.out).toMatch(/By source\nSOURCE\s+ALERTS\n203\.0\.113\.9\s+2\n/);
    expect(r.out).toMatch(/By day \(UTC\)\nDAY\s+ALERTS\n2026-09-01\s+1\n2026-10-20\s+1\n2026-11-01\s+1\n2026-11-05\s+1/);
    const j = await run(['--db', db, '--summary', '--json', '--since', '30d']);
    expect(JSON.parse(j.out)).toMatchObject({ total: 3, byType: expect.arrayContaining([{ key: 'SYN_FLOOD', count: 1 }]) });
  });

  it('--settings picks history.db_file', async () => {
    const s = path.join(dir, 'settings.yaml');
    writeFileSync(s, `history:\n  db_file: ${db}\n`);
    const r = await run(['--settings', s, '--json', '--limit', '1']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).id).toBe('a4');
  });

  it('bad usage: exit 2 with one clear line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--since', 'yesterday'], /--since takes a duration \(30d, 12h, 15m, 45s\) or an ISO date .*got "yesterday"/],
      [['--until', '2026-13-01'], /--until takes a duration/],
      [['--type', 'SYN_SCNA'], /unknown alert type "SYN_SCNA".*types: SYN_SCAN/],
      [['--severity', 'BAD'], /--severity takes one of LOW, WARNING, HIGH, CRITICAL \(got "BAD"\)/],
      [['--limit', '0'], /--limit takes a whole number from 1 to 10000/],
      [['--ip', 'example.com'], /--ip takes an IPv4 or IPv6 address/],
      [['--since', '2026-11-02', '--until', '2026-11-01T00:00:00Z'], /--since .* is not before --until/],
      [['--bogus'], /unknown option '--bogus'/],
      [['extra'], /too many arguments/],
    ];
    for (const [args, re] of cases) {
      const r = await run(['--db', db, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.out).toBe('');
    }
  });

  it('a missing database: exit 1, saying which file', async () => {
    const missing = path.join(dir, 'none.db');
    const r = await run(['--db', missing]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`netguard alerts: ${missing}: no alert history here (the database does not exist; NetGuard creates it when it stores its first alert)\n`);
  });

  it('a corrupt database: exit 1, one line', async () => {
    const bad = path.join(dir, 'bad.db');
    writeFileSync(bad, 'garbage '.repeat(1000));
    const r = await run(['--db', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^netguard alerts: ${bad.replace(/[.]/g, '\\.')}: not a SQLite database, or corrupt .*\\n$`));
  });

  it('no match says so on stderr and exits 0', async () => {
    const r = await run(['--db', db, '--type', 'UDP_SCAN']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toBe('netguard alerts: no alerts match\n');
  });

  it('--help prints usage with examples', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('netguard alerts --ip 203.0.113.9 --since 30d');
  });
});
