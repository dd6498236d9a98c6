// The alert storm as a hostile sender makes it (spoofed sources, each a SYN to ports 22 and 23, a
// traversal and an SQL injection request), generated here and read with `--batch -r`: with storm control
// on (the defaults) the alerts are bounded, each type over its budget has one storm alert whose count is
// exactly what storm_control: false raises beyond the budget, and the folded alerts are all in the SQLite
// history (table folded) with the same sources. Not a timed test: `npm run bench` shows the speed.
import { describe, it, expect, beforeAll } from 'vitest';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { generateStorm } from '../../bench/storm.js';
import { ROOT, jsonLines, runNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

/** Spoofed sources: 4 packets each. Enough to go over every default budget (at most 200 per 60 s). */
const SOURCES = 600;
const BUDGET: Record<string, number> = { SUSPICIOUS_PORT: 100, SQL_INJECTION: 200, DIRECTORY_TRAVERSAL: 200, MALICIOUS_IP: 200, CUSTOM_RULE: 200 };

interface Out {
  id: string;
  type: string;
  severity: string;
  count: number;
  message: string;
  src_ip?: string;
  /** Set on an alert's final record (the same id again when its episode closed): not a raised alert. */
  final?: boolean;
  details: { storm?: boolean; folded?: number; sources?: string[]; flows?: unknown[]; ports?: number[]; rules?: Record<string, number>; distinct_sources?: number };
}

const tempDir = tempDirs('ng-storm-');
let capture = '';
let off: { out: Out[]; stderr: string } = { out: [], stderr: '' };
let on: { out: Out[]; stderr: string; dir: string } = { out: [], stderr: '', dir: '' };

/** A working directory with the shipped rules (the Telnet rule raises CUSTOM_RULE) and `settings` text. */
function workDir(settings: string): string {
  const d = tempDir();
  copyFileSync(path.join(ROOT, 'rules.yaml'), path.join(d, 'rules.yaml'));
  writeFileSync(path.join(d, 'settings.yaml'), settings);
  return d;
}

beforeAll(async () => {
  capture = path.join(tempDir(), 'storm.pcap');
  expect(generateStorm(capture, SOURCES).packets).toBe(4 * SOURCES);
  const offDir = workDir('alerts:\n  storm_control: false\n');
  const onDir = workDir('outputs:\n  eve:\n    enabled: true\n');
  const [a, b] = await Promise.all([runNetguard(['--batch', '-r', capture], { cwd: offDir }), runNetguard(['--batch', '-r', capture], { cwd: onDir })]);
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
  off = { out: jsonLines<Out>(a.stdout).filter((x) => !x.final), stderr: a.stderr };
  on = { out: jsonLines<Out>(b.stdout).filter((x) => !x.final), stderr: b.stderr, dir: onDir };
}, 240_000);

function byType(out: Out[]): Record<string, number> {
  const n: Record<string, number> = {};
  for (const a of out) n[a.type] = (n[a.type] ?? 0) + 1;
  return n;
}

describe('an alert storm (spoofed sources, port probes and web attacks)', () => {
  it('with storm control off, every source raises its own alerts (the facts storm control must keep)', () => {
    expect(byType(off.out)).toMatchObject({ SUSPICIOUS_PORT: 2 * SOURCES, SQL_INJECTION: SOURCES, DIRECTORY_TRAVERSAL: SOURCES, MALICIOUS_IP: SOURCES, CUSTOM_RULE: SOURCES });
    expect(off.out.some((a) => a.details.storm)).toBe(false);
    expect(off.stderr).not.toMatch(/folded/);
  });

  it('by default, each type raises its budget and one storm alert whose count is exactly the rest', () => {
    const offN = byType(off.out);
    const raised = byType(on.out.filter((a) => !a.details.storm));
    const storms = on.out.filter((a) => a.details.storm);
    expect(storms.map((s) => s.type).sort()).toEqual(Object.keys(BUDGET).sort());
    for (const [type, budget] of Object.entries(BUDGET)) {
      expect(raised[type], type).toBe(budget);
      const s = storms.find((x) => x.type === type)!;
      expect(s.count, type).toBe(offN[type] - budget);
      expect(s.details.folded, type).toBe(offN[type] - budget);
      // Bounded samples, however many were folded.
      expect(s.details.sources!.length).toBeLessThanOrEqual(10);
      expect(s.details.flows!.length).toBeLessThanOrEqual(10);
      expect(s.details.ports!.length).toBeLessThanOrEqual(10);
      expect(s.message).toMatch(new RegExp(`^Alert storm: ${offN[type] - budget} more ${type} alerts from \\d+ sources`));
    }
    expect(storms.find((s) => s.type === 'SUSPICIOUS_PORT')!.details.ports).toEqual([22, 23]);
    expect(storms.find((s) => s.type === 'CUSTOM_RULE')!.details.rules).toEqual({ 'Telnet Access': SOURCES - 200 });
    // Types without a budget are untouched.
    const offN2 = byType(off.out);
    for (const t of Object.keys(offN2)) if (!(t in BUDGET)) expect(raised[t], t).toBe(offN2[t]);
    // Bounded: the sum of the budgets, the unbudgeted alerts and one storm alert per type.
    expect(on.out.length).toBeLessThan(off.out.length / 2);
  });

  it('the summary line says how many were folded, per type, with the same numbers', () => {
    const offN = byType(off.out);
    const folded = Object.entries(BUDGET).map(([t, b]) => offN[t] - b);
    const total = folded.reduce((x, y) => x + y, 0);
    const types = Object.keys(BUDGET)
      .sort()
      .map((t) => `${t} ${offN[t] - BUDGET[t]}`)
      .join(', ');
    expect(on.stderr).toContain(` alerts (${total} more folded into 5 storm alerts by alerts.rate_limit: ${types}), `);
  });

  it('the JSONL log, the text log and EVE carry the storm alerts with their counts', () => {
    const storms = on.out.filter((a) => a.details.storm);
    const logged = jsonLines<Out>(readFileSync(path.join(on.dir, 'alerts.json'), 'utf8')).filter((a) => a.details.storm && !a.final);
    expect(logged.map((a) => [a.id, a.count])).toEqual(storms.map((a) => [a.id, a.count]));
    const text = readFileSync(path.join(on.dir, 'alerts.log'), 'utf8').split('\n').filter((l) => l.includes('Alert storm:'));
    expect(text).toHaveLength(storms.length);
    const eve = jsonLines<{ event_type: string; alert?: { signature: string; metadata: Record<string, string[]> } }>(readFileSync(path.join(on.dir, 'eve.json'), 'utf8'));
    const eveStorms = eve.filter((r) => r.event_type === 'alert' && r.alert?.metadata.netguard_storm?.[0] === 'true');
    expect(eveStorms.map((r) => [r.alert!.metadata.netguard_id[0], r.alert!.metadata.netguard_count[0]])).toEqual(storms.map((a) => [a.id, String(a.count)]));
  });

  it('every folded alert is in the SQLite history, in batched rows under its storm alert, with its source', () => {
    const db = new Database(path.join(on.dir, 'netguard.db'), { readonly: true });
    try {
      const storms = on.out.filter((a) => a.details.storm);
      const rows = db.prepare('SELECT storm_id, type, n, members FROM folded').all() as Array<{ storm_id: string; type: string; n: number; members: string }>;
      for (const s of storms) {
        const mine = rows.filter((r) => r.storm_id === s.id);
        expect(mine.every((r) => r.type === s.type)).toBe(true);
        const members = mine.flatMap((r) => JSON.parse(r.members) as unknown[][]);
        expect(mine.reduce((x, r) => x + r.n, 0), s.type).toBe(s.count);
        expect(members).toHaveLength(s.count);
        // The sources of the raised alerts and of the folded ones are, together, those storm_control: false names.
        const sources = new Set([...on.out.filter((a) => a.type === s.type && !a.details.storm).map((a) => a.src_ip), ...members.map((m) => m[2])]);
        expect(sources).toEqual(new Set(off.out.filter((a) => a.type === s.type).map((a) => a.src_ip)));
      }
      const stored = db.prepare("SELECT alert_id, count FROM alerts WHERE details LIKE '%\"storm\":true%' ORDER BY alert_id").all() as Array<{ alert_id: string; count: number }>;
      expect(stored.map((r) => [r.alert_id, r.count]).sort()).toEqual(storms.map((a) => [a.id, a.count]).sort());
    } finally {
      db.close();
    }
  });
});
