// History rows carry the run and the source (capture file or interface) and never hold an alert id twice
// for one source: the same capture read three times leaves the rows of one run (the latest), a second file
// adds its own, `netguard alerts --pcap ID` still finds the packets, and a history written before the
// source column existed is migrated in place (ALTER TABLE) with its rows kept.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertHistory } from '../../src/history/index.js';
import { CORPUS, jsonLines, runNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { mkAlert } from './fixtures.js';
import { generateStorm } from '../../bench/storm.js';

const tempDir = tempDirs('ng-runsrc-');

interface Stored {
  run: string;
  source: string | null;
  alert_id: string;
}
function rows(db: string): Stored[] {
  const h = new Database(db, { readonly: true });
  try {
    return h.prepare('SELECT run, source, alert_id FROM alerts ORDER BY seq').all() as Stored[];
  } finally {
    h.close();
  }
}

describe('history rows: run and source', () => {
  it('one capture read three times: one row per alert id, of the latest run; another file adds its own rows', async () => {
    const cwd = tempDir();
    const scan = path.join(CORPUS, 'ndpi/synscan.pcap');
    const other = path.join(CORPUS, 'ndpi/badpackets.pcap');
    const outs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runNetguard(['--batch', '-r', scan], { cwd });
      expect(r.code, r.stderr).toBe(0);
      outs.push(r.stdout);
    }
    expect(outs[1]).toBe(outs[0]);
    expect(outs[2]).toBe(outs[0]);
    // Each alert's id once (its final record repeats it).
    const ids = [...new Set(jsonLines<{ id: string }>(outs[0]).map((a) => a.id))];
    expect(ids.length).toBeGreaterThan(3);
    const db = path.join(cwd, 'netguard.db');
    const after3 = rows(db);
    expect(after3.map((r) => r.alert_id).sort()).toEqual([...ids].sort());
    expect(new Set(after3.map((r) => r.source))).toEqual(new Set([scan]));
    expect(new Set(after3.map((r) => r.run)).size).toBe(1);

    const r2 = await runNetguard(['--batch', '-r', path.relative(cwd, other)], { cwd });
    expect(r2.code, r2.stderr).toBe(0);
    const otherIds = [...new Set(jsonLines<{ id: string }>(r2.stdout).map((a) => a.id))];
    const all = rows(db);
    expect(all.length).toBe(ids.length + otherIds.length);
    // A relative -r path is stored as the file's absolute path; each run its own id.
    expect(all.filter((r) => r.source === other).map((r) => r.alert_id).sort()).toEqual([...otherIds].sort());
    expect(new Set(all.map((r) => r.run)).size).toBe(2);
    // No alert id is stored twice for one source.
    const keys = all.map((r) => `${r.source} ${r.alert_id}`);
    expect(new Set(keys).size).toBe(keys.length);

    // The packets of an alert of the re-read file are still found.
    const out = path.join(cwd, 'a.pcap');
    const p = await runNetguard(['alerts', '--pcap', ids[0], '-o', out], { cwd });
    expect(p.code, p.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
  });

  it('a history without the source column (written before it existed) is migrated, its rows kept and queried', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'old.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE alerts (seq INTEGER PRIMARY KEY, run TEXT NOT NULL, alert_id TEXT NOT NULL, ts INTEGER NOT NULL,
      last_seen INTEGER NOT NULL, stored_at INTEGER NOT NULL, type TEXT NOT NULL, severity TEXT NOT NULL, sev_rank INTEGER NOT NULL,
      message TEXT NOT NULL, src_ip TEXT, dst_ip TEXT, src_port INTEGER, dst_port INTEGER, proto TEXT, count INTEGER NOT NULL,
      community_id TEXT, details TEXT NOT NULL, UNIQUE (run, alert_id))`);
    const now = Date.now();
    old.prepare(`INSERT INTO alerts (run, alert_id, ts, last_seen, stored_at, type, severity, sev_rank, message, count, details)
      VALUES ('oldrun', 'x-1', ?, ?, ?, 'SYN_SCAN', 'HIGH', 2, 'old alert', 1, '{}')`).run(now, now, now);
    old.close();

    const h = new AlertHistory(file, { flushMs: 10, log: () => undefined, source: 'eth0', now: () => now });
    expect(h.error).toBeNull();
    h.onAlert(mkAlert({ id: 'x-1', message: 'new alert, same id, another source' }));
    await h.close();
    const stored = rows(file);
    expect(stored).toEqual([
      { run: 'oldrun', source: null, alert_id: 'x-1' },
      { run: h.run, source: 'eth0', alert_id: 'x-1' },
    ]);
    const q = AlertHistory.openForQuery(file);
    expect(q.query({}).map((a) => a.message).sort()).toEqual(['new alert, same id, another source', 'old alert']);
    await q.close();
  });
});

describe('history rows: reproducible', () => {
  // The history writes a file's alerts at packet-time ticks, not from a wall-clock timer, so the rows' numbers
  // (seq, which breaks ties of equal timestamps in `netguard alerts`) come out the same on every run.
  it('an alert storm read in two directories: the same rows in the same order, seq included, folded rows too', async () => {
    const src = tempDir();
    const cap = path.join(src, 'storm.pcap');
    generateStorm(cap, 3000);
    const dump = (db: string): unknown[] => {
      const h = new Database(db, { readonly: true });
      try {
        return [
          ...h.prepare('SELECT seq, alert_id, type, ts, last_seen, count, final, details FROM alerts ORDER BY seq').all(),
          ...h.prepare('SELECT seq, storm_id, type, first_ts, last_ts, n, members FROM folded ORDER BY seq').all(),
        ];
      } finally {
        h.close();
      }
    };
    const runs: unknown[][] = [];
    for (let i = 0; i < 2; i++) {
      const cwd = tempDir();
      const r = await runNetguard(['--batch', '-r', cap], { cwd });
      expect(r.code, r.stderr).toBe(0);
      runs.push(dump(path.join(cwd, 'netguard.db')));
    }
    // 3,000 sources: the per-type budgets raise alerts of their own, the rest fold into groups of 1,000.
    expect(runs[0].length).toBeGreaterThan(900);
    expect(runs[0].some((r) => (r as { members?: string }).members !== undefined)).toBe(true);
    expect(runs[1]).toEqual(runs[0]);
  });
});
