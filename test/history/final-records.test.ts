// The history and final records: an alert's final record updates its row (same run and id, final = 1),
// never adds one, whether the row was written already or is still queued; and a database made before
// the final column existed gets it when opened.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertHistory } from '../../src/history/index.js';
import { mkAlert } from './fixtures.js';

let dir: string;
let file: string;
const open: AlertHistory[] = [];

function history(): AlertHistory {
  const h = new AlertHistory(file, { flushMs: 20, log: () => undefined });
  open.push(h);
  return h;
}

function rows(): Array<{ alert_id: string; count: number; message: string; final: number }> {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT alert_id, count, message, final FROM alerts ORDER BY seq').all() as Array<{ alert_id: string; count: number; message: string; final: number }>;
  } finally {
    db.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-history-final-'));
  file = path.join(dir, 'netguard.db');
});

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('history: final records', () => {
  it('updates the written row in place, and a queued one where it stands in the queue', async () => {
    const h = history();
    const a = mkAlert({ message: 'SYN scan: 25 ports' });
    const b = mkAlert({ message: 'SYN scan: 30 ports' });
    h.onAlert(a);
    await h.flush();
    expect(rows()).toEqual([{ alert_id: a.id, count: 1, message: 'SYN scan: 25 ports', final: 0 }]);
    // Written already: the row becomes the final one.
    h.onFinal({ ...a, count: 9, message: 'SYN scan: 1000 ports', final: true, final_reason: 'end' });
    // Still queued, with another alert queued after it: stored first, as its first record would have been.
    const c = mkAlert({ message: 'other' });
    h.onAlert(b);
    h.onAlert(c);
    h.onFinal({ ...b, count: 2, message: 'SYN scan: 31 ports', final: true, final_reason: 'timeout' });
    await h.flush();
    expect(rows()).toEqual([
      { alert_id: a.id, count: 9, message: 'SYN scan: 1000 ports', final: 1 },
      { alert_id: b.id, count: 2, message: 'SYN scan: 31 ports', final: 1 },
      { alert_id: c.id, count: 1, message: 'other', final: 0 },
    ]);
    // Read back, the final row says so.
    const back = h.query({ limit: 10 }).find((x) => x.id === a.id);
    expect(back?.final).toBe(true);
    expect(h.query({ limit: 10 }).find((x) => x.id === c.id)?.final).toBeUndefined();
  });

  it('adds the final column to a database made before it existed, keeping its rows', async () => {
    const old = new Database(file);
    old.exec(`CREATE TABLE alerts (seq INTEGER PRIMARY KEY, run TEXT NOT NULL, alert_id TEXT NOT NULL, ts INTEGER NOT NULL,
      last_seen INTEGER NOT NULL, stored_at INTEGER NOT NULL, type TEXT NOT NULL, severity TEXT NOT NULL, sev_rank INTEGER NOT NULL,
      message TEXT NOT NULL, src_ip TEXT, dst_ip TEXT, src_port INTEGER, dst_port INTEGER, proto TEXT, count INTEGER NOT NULL,
      community_id TEXT, details TEXT NOT NULL, UNIQUE (run, alert_id))`);
    old.prepare(`INSERT INTO alerts (run, alert_id, ts, last_seen, stored_at, type, severity, sev_rank, message, count, details)
      VALUES ('r0', 'old-1', 1, 1, ?, 'SYN_SCAN', 'HIGH', 2, 'old scan', 1, '{}')`).run(Date.now());
    old.close();
    const h = history();
    expect(h.error).toBeNull();
    const a = mkAlert({ message: 'new scan' });
    h.onAlert(a);
    h.onFinal({ ...a, final: true, final_reason: 'end' });
    await h.flush();
    expect(rows()).toEqual([
      { alert_id: 'old-1', count: 1, message: 'old scan', final: 0 },
      { alert_id: a.id, count: 1, message: 'new scan', final: 1 },
    ]);
  });
});
