// AlertHistory: SQLite storage of alerts (WAL, indexes, batched transactions, upserts), queries,
// summaries, retention by age and count, and a locked or corrupt database handled without throwing.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertFunnel } from '../../src/alert/funnel.js';
import type { Alert, AlertSink, Detection } from '../../src/alert/types.js';
import { defaultSettings } from '../../src/config/schema.js';
import { AlertHistory, HistoryError, createHistorySink } from '../../src/history/index.js';
import { BATCH_MAX, BATCH_STORM_MAX, FOLDED_BATCH, PACED_MAX_PENDING, PAGE_SIZE } from '../../src/history/store.js';
import { mkAlert } from './fixtures.js';

let dir: string;
let file: string;
const open: AlertHistory[] = [];

function history(opts: ConstructorParameters<typeof AlertHistory>[1] = {}, f = file): AlertHistory {
  const h = new AlertHistory(f, { flushMs: 20, log: () => undefined, ...opts });
  open.push(h);
  return h;
}

function rawCount(f = file): number {
  const db = new Database(f, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM alerts').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-history-'));
  file = path.join(dir, 'netguard.db');
});

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('storage', () => {
  it('stores every field of an alert and reads it back', async () => {
    const h = history();
    const a = mkAlert({
      type: 'SQL_INJECTION',
      severity: 'CRITICAL',
      src_ip: '2001:db8::9',
      dst_ip: '2001:db8::1',
      src_port: 51000,
      dst_port: 80,
      proto: 'TCP',
      community_id: '1:abc=',
      details: { pattern: "' OR 1=1", uri: '/login?q=<script>' },
      count: 3,
      at: '2026-10-30T12:00:00.123Z',
      last_seen: '2026-10-30T12:00:09.000Z',
    });
    h.onAlert(a);
    await h.flush();
    expect(h.query({})).toEqual([a]);
  });

  it('uses WAL and has indexes for time, source, destination, type and severity', () => {
    history();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const idx = (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'alerts' AND sql IS NOT NULL").all() as { sql: string }[]).map((r) => r.sql);
      const cols = idx.map((s) => /\((\w+)/.exec(s)?.[1]);
      expect(cols).toEqual(expect.arrayContaining(['ts', 'src_ip', 'dst_ip', 'type', 'sev_rank']));
      const plan = (sql: string): string => (db.prepare('EXPLAIN QUERY PLAN ' + sql).all() as { detail: string }[]).map((r) => r.detail).join('; ');
      expect(plan("SELECT * FROM alerts WHERE type = 'SYN_SCAN' ORDER BY ts DESC")).toMatch(/USING INDEX alerts_type/);
      expect(plan("SELECT * FROM alerts WHERE src_ip = '1.2.3.4' OR dst_ip = '1.2.3.4'")).toMatch(/alerts_src[\s\S]*alerts_dst/);
    } finally {
      db.close();
    }
  });

  it('queues in onAlert and writes on the timer, in one batch', async () => {
    const h = history({ flushMs: 150 });
    for (let i = 0; i < 500; i++) h.onAlert(mkAlert({ src_ip: `10.0.${i >> 8}.${i & 255}` }));
    expect(h.pendingCount).toBe(500);
    expect(rawCount()).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(h.pendingCount).toBe(0);
    expect(rawCount()).toBe(500);
    expect(h.written).toBe(500);
  });

  it('an alert storm is written by the timer in transactions of half the queue (at least BATCH_MAX, at most BATCH_STORM_MAX), not one long stall', async () => {
    const h = history({ flushMs: 50 });
    for (let i = 0; i < 12_000; i++) h.onAlert(mkAlert({ src_ip: `10.1.${i >> 8}.${i & 255}` }));
    // Every alert older than flush_interval before the timer first fires (it takes only alerts that old).
    const until = performance.now() + 60;
    while (performance.now() < until) {
      /* wait without giving the timer its turn */
    }
    const counts: number[] = [];
    for (let i = 0; i < 200 && h.written < 12_000; i++) {
      await new Promise((r) => setTimeout(r, 5));
      if (counts.at(-1) !== h.written) counts.push(h.written);
    }
    expect(h.written).toBe(12_000);
    expect(rawCount()).toBe(12_000);
    // 12,000 queued: 5,000 (the most), then half of 7,000, half of 3,500, then 1,000 (the least) and the rest.
    expect(h.batches).toBe(5);
    expect(counts.filter((n) => [5000, 8500, 10_250, 11_250, 12_000].includes(n))).toEqual(counts);
    expect(BATCH_STORM_MAX).toBe(5 * BATCH_MAX);
  });

  it('a timed write takes only alerts queued flush_interval ago: an episode that closes soon after is stored once, with its final record', async () => {
    const h = history({ flushMs: 200 });
    const a = mkAlert({ id: 'q-1' });
    const b = mkAlert({ id: 'q-2', src_ip: '10.7.7.7' });
    h.onAlert(a);
    await new Promise((r) => setTimeout(r, 120));
    h.onAlert(b);
    // The timer (200 ms after a) writes a; b has waited only about 80 ms and stays queued.
    for (let i = 0; i < 100 && h.written < 1; i++) await new Promise((r) => setTimeout(r, 5));
    expect(h.written).toBe(1);
    expect(h.pendingCount).toBe(1);
    h.onFinal({ ...b, count: 3, message: 'b final', final: true });
    for (let i = 0; i < 200 && h.pendingCount > 0; i++) await new Promise((r) => setTimeout(r, 5));
    // b's row was written once, already final: two alerts, two rows written, two transactions.
    expect(h.written).toBe(2);
    expect(h.batches).toBe(2);
    expect(h.query({ ip: '10.7.7.7' })).toMatchObject([{ id: 'q-2', count: 3, message: 'b final', final: true }]);
    await h.close();
  });

  it("an update of an alert this run stored changes its row in place: the same row (seq) as the first record's, every column as the final record's", async () => {
    const h = history({ source: '/captures/a.pcap' });
    const a = mkAlert({ id: 'x-1', dst_ip: undefined, details: { ports: [22] } });
    delete a.dst_ip;
    h.onAlert(a);
    await h.flush();
    const seqOf = () => (new Database(file, { readonly: true }).prepare("SELECT seq FROM alerts WHERE alert_id = 'x-1'").get() as { seq: number }).seq;
    const seq = seqOf();
    // The episode learnt its destination late, as the funnel fills it in from a later detection.
    h.onFinal({ ...a, count: 4, dst_ip: '10.9.9.9', dst_port: 443, message: 'final', details: { ports: [22, 443] }, last_seen: '2026-10-30T12:01:00.000Z', final: true });
    await h.flush();
    expect(seqOf()).toBe(seq);
    const rows = h.query({});
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: 'x-1', count: 4, dst_ip: '10.9.9.9', dst_port: 443, message: 'final', details: { ports: [22, 443] }, last_seen: '2026-10-30T12:01:00.000Z', final: true });
    expect(h.query({ ip: '10.9.9.9' })).toHaveLength(1);
    await h.close();
  });

  it("stores this run's source and sensor as given, quotes and a NUL included, and a file read again still replaces its rows", async () => {
    const read = (f: string) => new Database(f, { readonly: true }).prepare('SELECT run, source, sensor, alert_id, count FROM alerts ORDER BY seq').all();
    for (const [source, sensor] of [["/captures/it's \"odd\".pcap", "o'brien"], ['/captures/plain.pcap', 'a\0b']]) {
      const f = path.join(dir, `s-${sensor.length}.db`);
      const h1 = history({ source, sensor }, f);
      h1.onAlert(mkAlert({ id: 'r-1' }));
      h1.onAlert(mkAlert({ id: 'r-2' }));
      await h1.close();
      const h2 = history({ source, sensor }, f);
      h2.onAlert(mkAlert({ id: 'r-1', count: 5 }));
      await h2.close();
      // r-1's row is updated in place (it keeps its place), and becomes the second run's.
      expect(read(f)).toEqual([
        { run: h2.run, source, sensor, alert_id: 'r-1', count: 5 },
        { run: h1.run, source, sensor, alert_id: 'r-2', count: 1 },
      ]);
    }
  });

  it('folds updates of an episode into one row with the newest count and details', async () => {
    const h = history();
    const a = mkAlert({ details: { ports: [22] } });
    h.onAlert(a);
    await h.flush();
    h.onUpdate({ ...a, count: 2, details: { ports: [22, 80] }, last_seen: '2026-10-30T12:00:05.000Z' });
    h.onUpdate({ ...a, count: 3, details: { ports: [22, 80, 443] }, last_seen: '2026-10-30T12:00:07.000Z', message: 'newest' });
    await h.flush();
    const rows = h.query({});
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ count: 3, message: 'newest', details: { ports: [22, 80, 443] }, last_seen: '2026-10-30T12:00:07.000Z' });
  });

  it('the same pcap read twice keeps one row per id (the later run); another source keeps its own row', async () => {
    const a = mkAlert({ id: '1600000000000-1' });
    const h1 = history({ source: '/captures/scan.pcap' });
    h1.onAlert(a);
    await h1.close();
    const h2 = history({ source: '/captures/scan.pcap' });
    h2.onAlert({ ...a, count: 5 });
    await h2.flush();
    expect(h2.count()).toBe(1);
    expect(h2.query({})[0].count).toBe(5);
    const h3 = history({ source: 'eth0' });
    h3.onAlert(a);
    await h3.flush();
    expect(h3.count()).toBe(2);
  });

  // A quiet live link: each alert is written by its own timed write, which empties the queue. The queue's table
  // kept its index's deletion marks when it emptied, and after a few hundred alerts NetGuard hung in a lookup.
  it('alerts written one batch at a time, a thousand times (a quiet live link), are all stored', async () => {
    const h = history({ flushMs: 1 });
    for (let i = 0; i < 1000; i++) {
      h.onAlert(mkAlert({ id: `quiet-${i}` }));
      for (let w = 0; w < 200 && h.written <= i; w++) await new Promise((r) => setTimeout(r, 1));
    }
    expect(h.written).toBe(1000);
    expect(h.batches).toBe(1000);
    expect(rawCount()).toBe(1000);
  });

  it('close() writes what is queued', async () => {
    const h = history({ flushMs: 60_000 });
    h.onAlert(mkAlert());
    h.onAlert(mkAlert());
    await h.close();
    expect(rawCount()).toBe(2);
  });
});

describe("pace 'packets' (a capture file): writes follow packet time, never the wall clock", () => {
  const T0 = 1_700_000_000_000;
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  it('nothing is written by a timer; a tick writes what has waited flushMs of packet time, and only that', async () => {
    const h = history({ pace: 'packets', flushMs: 500 });
    h.onTick(T0);
    h.onAlert(mkAlert({ id: 'p-1' }));
    await sleep(120);
    // Six flush intervals of wall time: no write.
    expect(rawCount()).toBe(0);
    h.onTick(T0 + 400);
    h.onAlert(mkAlert({ id: 'p-2', src_ip: '10.9.9.9' }));
    expect(rawCount()).toBe(0);
    // p-1 has waited 500 ms of packet time, p-2 (queued at the tick of T0 + 400) only 100.
    h.onTick(T0 + 500);
    expect(rawCount()).toBe(1);
    expect(h.query({}).map((a) => a.id)).toEqual(['p-1']);
    h.onTick(T0 + 900);
    expect(rawCount()).toBe(2);
    expect(h.batches).toBe(2);
    // A tick of an earlier time (out-of-order packets) does not move the history's packet clock back.
    h.onAlert(mkAlert({ id: 'p-3', src_ip: '10.9.9.10' }));
    h.onTick(T0 + 100);
    h.onTick(T0 + 1399);
    expect(rawCount()).toBe(2);
    h.onTick(T0 + 1400);
    expect(rawCount()).toBe(3);
  });

  it(`a queue of ${PACED_MAX_PENDING} alerts is written at once, whatever their age (packet time may stand still), so memory stays bounded`, () => {
    const h = history({ pace: 'packets', flushMs: 500 });
    for (let i = 0; i < PACED_MAX_PENDING - 1; i++) h.onAlert(mkAlert({ src_ip: `10.2.${i >> 8}.${i & 255}` }));
    expect(h.written).toBe(0);
    h.onAlert(mkAlert({ src_ip: '10.3.0.1' }));
    // Half the queue in one transaction, as a timed write of a long queue takes.
    expect(h.written).toBe(PACED_MAX_PENDING / 2);
    expect(h.pendingCount).toBe(PACED_MAX_PENDING / 2);
    expect(rawCount()).toBe(PACED_MAX_PENDING / 2);
  });

  it('ten full groups of folded alerts are written without a tick, the eleventh waits', () => {
    const h = history({ pace: 'packets', flushMs: 500 });
    const storm = mkAlert({ id: 'storm-1', type: 'SUSPICIOUS_PORT' });
    h.onAlert(storm);
    const fold = (i: number): void =>
      h.onFolded({ type: 'SUSPICIOUS_PORT', severity: 'WARNING', message: 'm', ts: T0 + i, key: `k-${i}`, src_ip: `1.2.${i >> 8}.${i & 255}`, details: {} }, storm);
    for (let i = 0; i < 10 * FOLDED_BATCH - 1; i++) fold(i);
    expect(h.foldedWritten).toBe(0);
    fold(10 * FOLDED_BATCH - 1);
    expect(h.foldedWritten).toBe(10 * FOLDED_BATCH);
    // The storm alert itself was queued at packet time 0 and no tick has come: not due, not written.
    expect(rawCount()).toBe(0);
    for (let i = 10 * FOLDED_BATCH; i < 11 * FOLDED_BATCH; i++) fold(i);
    expect(h.foldedWritten).toBe(10 * FOLDED_BATCH);
  });

  it('a locked database: a full queue tries once, not once per new alert or tick (each try waits busy_timeout), and is written after the lock', async () => {
    const lines: string[] = [];
    const h = history({ pace: 'packets', flushMs: 500, log: (l) => lines.push(l) });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    for (let i = 0; i < PACED_MAX_PENDING; i++) h.onAlert(mkAlert({ src_ip: `10.5.${i >> 8}.${i & 255}` }));
    expect(h.written).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/locked/);
    // 200 more alerts past the limit: a try for each would wait 200 x 50 ms.
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) h.onAlert(mkAlert({ src_ip: `10.6.${i >> 8}.${i & 255}` }));
    // Nor do ticks while the retry timer waits (a sparse capture ticks at nearly every packet).
    for (let i = 1; i <= 40; i++) h.onTick(T0 + i * 1000);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(lines).toHaveLength(1);
    other.exec('COMMIT');
    other.close();
    h.onTick(T0 + 50_000);
    await h.flush();
    expect(h.pendingCount).toBe(0);
    expect(rawCount()).toBe(PACED_MAX_PENDING + 200);
  });

  it('the same calls give the same rows in the same order (seq), however the wall clock runs between them', async () => {
    const rowsOf = async (f: string, pauses: boolean, pace: 'packets' | 'timer' = 'packets'): Promise<unknown[]> => {
      const h = history({ pace, flushMs: 30 }, f);
      let t = T0;
      for (let i = 0; i < 2000; i++) {
        if (i % 100 === 0) {
          t += 250;
          h.onTick(t);
          // In the timer's pace, these pauses decide which alerts share a transaction and which row an update lands in.
          if (pauses && i % 700 === 0) await sleep(60);
        }
        h.onAlert(mkAlert({ id: `r-${i}`, src_ip: `10.4.${i & 255}.${i % 7}` }));
        // An update of an alert still queued moves it behind the others (stored once, updated); of one written, changes its row.
        if (i >= 50) h.onUpdate(mkAlert({ id: `r-${i - 50}`, src_ip: `10.4.${(i - 50) & 255}.${(i - 50) % 7}`, count: 2 }));
      }
      await h.close();
      const db = new Database(f, { readonly: true });
      try {
        return db.prepare('SELECT seq, alert_id, count, src_ip FROM alerts ORDER BY seq').all();
      } finally {
        db.close();
      }
    };
    const quick = await rowsOf(path.join(dir, 'a.db'), false);
    const paused = await rowsOf(path.join(dir, 'b.db'), true);
    expect(quick).toHaveLength(2000);
    expect(paused).toEqual(quick);
    // The same calls in the timer's pace: the pauses let the timer write part of the queue, and rows come out in another order.
    const timed = await rowsOf(path.join(dir, 'c.db'), true, 'timer');
    expect(timed).toHaveLength(2000);
    expect(timed).not.toEqual(quick);
  });
});

describe('queries', () => {
  let h: AlertHistory;
  beforeEach(async () => {
    h = history();
    const all: Alert[] = [
      mkAlert({ id: 'r-1', type: 'SYN_SCAN', severity: 'HIGH', src_ip: '203.0.113.9', dst_ip: '192.0.2.10', at: '2026-10-01T10:00:00.000Z' }),
      mkAlert({ id: 'r-2', type: 'SYN_FLOOD', severity: 'CRITICAL', src_ip: '198.51.100.7', dst_ip: '203.0.113.9', at: '2026-10-15T10:00:00.000Z' }),
      mkAlert({ id: 'r-3', type: 'SUSPICIOUS_PORT', severity: 'LOW', src_ip: '192.0.2.50', dst_ip: '192.0.2.10', at: '2026-10-20T10:00:00.000Z', message: 'telnet attempt' }),
      mkAlert({ id: 'r-4', type: 'DIRECTORY_TRAVERSAL', severity: 'WARNING', src_ip: '192.0.2.50', at: '2026-10-31T23:59:59.000Z', message: 'GET /../../etc/passwd', details: { uri: '/a_b%c' } }),
      mkAlert({ id: 'r-5', type: 'SYN_SCAN', severity: 'WARNING', src_ip: '203.0.113.9', at: '2026-11-02T00:00:00.000Z' }),
    ];
    for (const a of all) h.onAlert(a);
    await h.flush();
  });
  const ids = (q: Parameters<AlertHistory['query']>[0]): string[] => h.query(q).map((a) => a.id);

  it('newest first, with a limit', () => {
    expect(ids({})).toEqual(['r-5', 'r-4', 'r-3', 'r-2', 'r-1']);
    expect(ids({ limit: 2 })).toEqual(['r-5', 'r-4']);
  });
  it('--ip matches the source or the destination', () => {
    expect(ids({ ip: '203.0.113.9' })).toEqual(['r-5', 'r-2', 'r-1']);
  });
  it('type, and severity as a minimum', () => {
    expect(ids({ type: 'SYN_SCAN' })).toEqual(['r-5', 'r-1']);
    expect(ids({ severity: 'HIGH' })).toEqual(['r-2', 'r-1']);
    expect(ids({ severity: 'CRITICAL' })).toEqual(['r-2']);
    expect(ids({ type: 'SYN_SCAN', severity: 'HIGH' })).toEqual(['r-1']);
  });
  it('since is inclusive, until exclusive', () => {
    expect(ids({ since: Date.parse('2026-10-15T10:00:00.000Z') })).toEqual(['r-5', 'r-4', 'r-3', 'r-2']);
    expect(ids({ until: Date.parse('2026-10-15T10:00:00.000Z') })).toEqual(['r-1']);
    expect(ids({ since: Date.parse('2026-10-10T00:00:00Z'), until: Date.parse('2026-11-01T00:00:00Z') })).toEqual(['r-4', 'r-3', 'r-2']);
  });
  it('search looks in message and details, case-insensitively, with % and _ taken literally', () => {
    expect(ids({ search: 'PASSWD' })).toEqual(['r-4']);
    expect(ids({ search: 'telnet' })).toEqual(['r-3']);
    expect(ids({ search: 'a_b%c' })).toEqual(['r-4']);
    expect(ids({ search: 'a%' })).toEqual([]);
  });
  it('summary counts by type, source and UTC day', () => {
    const s = h.summary({});
    expect(s.total).toBe(5);
    expect(s.byType).toEqual([
      { key: 'SYN_SCAN', count: 2 },
      { key: 'DIRECTORY_TRAVERSAL', count: 1 },
      { key: 'SUSPICIOUS_PORT', count: 1 },
      { key: 'SYN_FLOOD', count: 1 },
    ]);
    expect(s.bySource).toEqual([
      { key: '192.0.2.50', count: 2 },
      { key: '203.0.113.9', count: 2 },
      { key: '198.51.100.7', count: 1 },
    ]);
    expect(s.byDay.map((d) => d.key)).toEqual(['2026-10-01', '2026-10-15', '2026-10-20', '2026-10-31', '2026-11-02']);
    expect(h.summary({ ip: '203.0.113.9' }).total).toBe(3);
  });
});

describe('retention', () => {
  it('deletes alerts stored more than retention_days ago', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const h = history({ retentionDays: 30, now: () => now });
    h.onAlert(mkAlert({ id: 'old' }));
    await h.flush();
    now += 20 * 86_400_000;
    h.onAlert(mkAlert({ id: 'newer' }));
    await h.flush();
    now += 15 * 86_400_000;
    expect(h.applyRetention()).toEqual({ byAge: 1, byCount: 0 });
    expect(h.query({}).map((a) => a.id)).toEqual(['newer']);
  });

  it('keeps at most max_rows, dropping the oldest stored', async () => {
    const h = history({ maxRows: 10 });
    for (let i = 0; i < 25; i++) h.onAlert(mkAlert({ id: `c-${i}`, at: new Date(Date.UTC(2026, 9, 1, 0, 0, i)).toISOString() }));
    await h.flush();
    expect(h.applyRetention().byCount).toBe(15);
    expect(h.count()).toBe(10);
    expect(h.query({ limit: 100 }).map((a) => a.id).at(-1)).toBe('c-15');
  });

  it('applies retention when it opens a file', async () => {
    const h = history({ maxRows: 0 });
    for (let i = 0; i < 8; i++) h.onAlert(mkAlert());
    await h.close();
    const h2 = history({ maxRows: 3 });
    expect(h2.count()).toBe(3);
  });
});

describe('a locked or corrupt database', () => {
  it('a locked database: one line naming the file, alerts kept and written once the lock is gone', async () => {
    const lines: string[] = [];
    const h = history({ log: (l) => lines.push(l) });
    h.onAlert(mkAlert({ id: 'before' }));
    await h.flush();
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    h.onAlert(mkAlert({ id: 'during-1' }));
    h.onAlert(mkAlert({ id: 'during-2' }));
    await expect(h.flush()).resolves.toBeUndefined();
    await h.flush();
    expect(h.pendingCount).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(file);
    expect(lines[0]).toMatch(/locked/);
    other.exec('COMMIT');
    other.close();
    await h.flush();
    expect(h.pendingCount).toBe(0);
    expect(h.query({}).map((a) => a.id).sort()).toEqual(['before', 'during-1', 'during-2']);
    expect(lines[1]).toMatch(/writing again/);
  });

  it('a corrupt file: reported in one line, the sink turns itself off, the funnel and other sinks go on', async () => {
    writeFileSync(file, 'this is not a database '.repeat(200));
    const lines: string[] = [];
    const h = history({ log: (l) => lines.push(l) });
    expect(h.enabled).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(file);
    expect(lines[0]).toMatch(/not a SQLite database, or corrupt/);
    expect(lines[0]).not.toMatch(/\n|at .*\.ts/);

    const seen: Alert[] = [];
    const other: AlertSink = { name: 'other', onAlert: (a) => seen.push(a) };
    const funnel = new AlertFunnel({ suppressionMs: () => 60_000 });
    funnel.addSink(h);
    funnel.addSink(other);
    funnel.raise({ type: 'SYN_SCAN', severity: 'HIGH', message: 'scan', ts: 1_700_000_000_000, key: '10.0.0.1', src_ip: '10.0.0.1', details: {} });
    await h.flush();
    expect(seen).toHaveLength(1);
    expect(funnel.sinkErrors).toBe(0);
    expect(() => AlertHistory.openForQuery(file)).toThrow(HistoryError);
    expect(() => AlertHistory.openForQuery(file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a SQLite database`));
  });

  it('a database locked for long: the queue stays bounded (oldest dropped) and one line is reported', async () => {
    const lines: string[] = [];
    const h = history({ log: (l) => lines.push(l), maxPending: 50 });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      for (let i = 0; i < 200; i++) {
        h.onAlert(mkAlert({ id: `q-${i}` }));
        if (i % 40 === 0) await h.flush();
      }
      await h.flush();
      expect(h.pendingCount).toBe(50);
      expect(h.dropped).toBe(150);
      expect(lines).toHaveLength(1);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await h.flush();
    expect(h.query({ limit: 1000 }).map((a) => a.id)).toContain('q-199');
    expect(h.count()).toBe(50);
  });

  it('alerts arriving faster than the writes: the overflow is said as such at close, not as a lock, and counted', async () => {
    const lines: string[] = [];
    const h = history({ log: (l) => lines.push(l), maxPending: 50 });
    // 200 alerts in one event-loop turn: no timed write can run in between, so 150 are dropped.
    for (let i = 0; i < 200; i++) h.onAlert(mkAlert({ id: `o-${i}` }));
    expect(h.dropped).toBe(150);
    await h.close();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('its write queue overflowed (more than 50 alerts waited at once; the oldest were dropped); those alerts are lost');
    expect(lines[0]).not.toMatch(/locked/);
    const q = AlertHistory.openForQuery(file);
    expect(q.count()).toBe(50);
    await q.close();
  });

  it('openForQuery on a missing file says so', () => {
    expect(() => AlertHistory.openForQuery(path.join(dir, 'nope.db'))).toThrow(/nope\.db: no alert history here/);
  });
});

describe('createHistorySink', () => {
  it('follows the history settings, and is null when disabled', async () => {
    const s = defaultSettings();
    expect(s.history).toEqual({ enabled: true, db_file: './netguard.db', retention_days: 90, max_rows: 1_000_000, flush_interval: 500 });
    s.history.db_file = file;
    const h = createHistorySink(s, { log: () => undefined })!;
    open.push(h);
    expect(h.file).toBe(file);
    expect(h.enabled).toBe(true);
    s.history.enabled = false;
    expect(createHistorySink(s)).toBeNull();
  });
});

describe('folded alerts (storm control) in the folded table', () => {
  it('each folded alert is one member [ts, severity, src_ip, src_port, dst_ip, dst_port, proto], null where it has none, in groups of FOLDED_BATCH', async () => {
    const h = history();
    const storm = mkAlert({ id: 'run-1', type: 'SUSPICIOUS_PORT' });
    const other = mkAlert({ id: 'run-2', type: 'SQL_INJECTION' });
    const expected = new Map<string, unknown[][]>([
      ['run-1', []],
      ['run-2', []],
    ]);
    const n = FOLDED_BATCH + 234;
    for (let i = 0; i < n; i++) {
      // Fractions of a ms are cut (the alerts' precision); a missing or NaN port, a missing address or protocol is null.
      const d: Detection = { type: 'SUSPICIOUS_PORT', severity: i % 3 === 0 ? 'HIGH' : 'WARNING', message: 'm', ts: 1_700_000_000_000 + i + 0.75, key: `k${i}`, details: {} };
      if (i % 4 !== 1) d.src_ip = `1.2.${i >> 8}.${i & 255}`;
      if (i % 5 !== 2) d.src_port = i % 7 === 0 ? NaN : 1024 + i;
      if (i % 6 !== 3) d.dst_ip = i % 2 ? 'fe80::1' : '10.0.0.2';
      if (i % 8 !== 4) d.dst_port = i % 65536;
      if (i % 9 !== 5) d.proto = 'TCP';
      const to = i % 10 === 0 ? other : storm;
      h.onFolded(d, to);
      expected.get(to.id)!.push([Math.floor(d.ts), d.severity, d.src_ip ?? null, Number.isNaN(d.src_port) ? null : (d.src_port ?? null), d.dst_ip ?? null, d.dst_port ?? null, d.proto ?? null]);
    }
    await h.flush();
    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare('SELECT storm_id, type, first_ts, last_ts, n, members, typeof(members) AS kind FROM folded ORDER BY seq').all() as Array<{ storm_id: string; type: string; first_ts: number; last_ts: number; n: number; members: string; kind: string }>;
      // Written as bytes, stored as TEXT (as the JSON string was).
      expect(new Set(rows.map((r) => r.kind))).toEqual(new Set(['text']));
      for (const [id, members] of expected) {
        const mine = rows.filter((r) => r.storm_id === id);
        expect(mine.map((r) => r.n)).toEqual(members.length > FOLDED_BATCH ? [FOLDED_BATCH, members.length - FOLDED_BATCH] : [members.length]);
        expect(mine.flatMap((r) => JSON.parse(r.members) as unknown[][])).toEqual(members);
        // The stored JSON is the members' own (JSON.stringify of those arrays), byte for byte.
        expect(mine.map((r) => r.members)).toEqual(mine.length === 2 ? [JSON.stringify(members.slice(0, FOLDED_BATCH)), JSON.stringify(members.slice(FOLDED_BATCH))] : [JSON.stringify(members)]);
        expect(mine[0].first_ts).toBe(members[0][0]);
      }
      expect(h.foldedWritten).toBe(n);
    } finally {
      db.close();
    }
  });

  /** A storm alert of `h`'s run with `n` folded alerts queued for it. */
  function stormWithFolded(h: AlertHistory, id: string, n: number): void {
    const storm = mkAlert({ id, type: 'SUSPICIOUS_PORT', message: `storm ${id}` });
    h.onAlert(storm);
    for (let i = 0; i < n; i++) h.onFolded({ type: 'SUSPICIOUS_PORT', severity: 'WARNING', message: 'm', ts: 1_700_000_000_000 + i, key: `${id}-${i}`, src_ip: `1.2.3.${i}`, details: {} }, storm);
  }

  function foldedRows(f = file): Array<{ run: string; storm_id: string; source: string | null; n: number }> {
    const db = new Database(f, { readonly: true });
    try {
      return db.prepare('SELECT run, storm_id, source, n FROM folded ORDER BY seq').all() as Array<{ run: string; storm_id: string; source: string | null; n: number }>;
    } finally {
      db.close();
    }
  }

  it('a new database: (source, alert_id) is the one unique key of a row; at retention by count, folded rows go with their storm alert', async () => {
    const a = history({ source: 'a.pcap', maxRows: 0 });
    stormWithFolded(a, 'r-1', 3);
    stormWithFolded(a, 'r-2', 2);
    await a.close();
    const db = new Database(file, { readonly: true });
    try {
      // No index of a table constraint (sqlite_autoindex_alerts_N): only the named ones.
      const auto = db.prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'alerts' AND name LIKE 'sqlite_autoindex%'").all();
      expect(auto).toEqual([]);
    } finally {
      db.close();
    }
    expect(foldedRows()).toEqual([
      { run: a.run, storm_id: 'r-1', source: 'a.pcap', n: 3 },
      { run: a.run, storm_id: 'r-2', source: 'a.pcap', n: 2 },
    ]);
    // The next run keeps one row: r-1, the oldest, goes, and its folded alerts with it; r-2's stay.
    const b = history({ source: 'b.pcap', maxRows: 1 });
    expect(b.count()).toBe(1);
    expect(foldedRows().map((r) => r.storm_id)).toEqual(['r-2']);
    // The same id from another source is a row of its own; from the same source it replaces the row.
    b.onAlert(mkAlert({ id: 'r-2', message: 'same id, source b' }));
    await b.close();
    const c = history({ source: 'b.pcap', maxRows: 0 });
    c.onAlert(mkAlert({ id: 'r-2', message: 'same id, source b again' }));
    await c.flush();
    expect(c.query({}).map((x) => x.message).sort()).toEqual(['same id, source b again', 'storm r-2']);
  });

  it('a database made by the build before (UNIQUE (run, alert_id), folded rows without a source) is migrated, and its folded rows still go with their storm alerts', async () => {
    // The schema of alerts and folded as the build before made them (sqlite_master of such a database).
    const old = new Database(file);
    old.exec(`CREATE TABLE alerts (seq INTEGER PRIMARY KEY, run TEXT NOT NULL, alert_id TEXT NOT NULL, ts INTEGER NOT NULL,
      last_seen INTEGER NOT NULL, stored_at INTEGER NOT NULL, type TEXT NOT NULL, severity TEXT NOT NULL, sev_rank INTEGER NOT NULL,
      message TEXT NOT NULL, src_ip TEXT, dst_ip TEXT, src_port INTEGER, dst_port INTEGER, proto TEXT, count INTEGER NOT NULL,
      community_id TEXT, details TEXT NOT NULL, final INTEGER NOT NULL DEFAULT 0, source TEXT, sensor TEXT NOT NULL DEFAULT '',
      UNIQUE (run, alert_id));
    CREATE INDEX alerts_ts ON alerts (ts);
    CREATE INDEX alerts_src ON alerts (src_ip, ts);
    CREATE INDEX alerts_dst ON alerts (dst_ip, ts);
    CREATE INDEX alerts_type ON alerts (type, ts);
    CREATE INDEX alerts_sev ON alerts (sev_rank, ts);
    CREATE INDEX alerts_stored ON alerts (stored_at);
    CREATE TABLE folded (seq INTEGER PRIMARY KEY, run TEXT NOT NULL, storm_id TEXT NOT NULL, type TEXT NOT NULL, first_ts INTEGER NOT NULL,
      last_ts INTEGER NOT NULL, n INTEGER NOT NULL, stored_at INTEGER NOT NULL, members TEXT NOT NULL);
    CREATE INDEX folded_storm ON folded (run, storm_id);
    CREATE INDEX folded_stored ON folded (stored_at);
    CREATE INDEX alerts_sensor ON alerts (sensor, ts);
    CREATE UNIQUE INDEX alerts_source_id ON alerts (source, alert_id);`);
    const now = Date.now();
    for (const id of ['s-1', 's-2']) {
      old.prepare(`INSERT INTO alerts (run, alert_id, ts, last_seen, stored_at, type, severity, sev_rank, message, count, details, source)
        VALUES ('oldrun', ?, ?, ?, ?, 'SUSPICIOUS_PORT', 'WARNING', 1, 'old storm', 7, '{}', 'old.pcap')`).run(id, now, now, now);
      old.prepare(`INSERT INTO folded (run, storm_id, type, first_ts, last_ts, n, stored_at, members) VALUES ('oldrun', ?, 'SUSPICIOUS_PORT', ?, ?, 1, ?, '[]')`).run(id, now, now, now);
    }
    old.close();

    const a = history({ source: 'new.pcap', maxRows: 0, now: () => now });
    expect(a.error).toBeNull();
    stormWithFolded(a, 'n-1', 4);
    await a.close();
    expect(foldedRows()).toEqual([
      { run: 'oldrun', storm_id: 's-1', source: null, n: 1 },
      { run: 'oldrun', storm_id: 's-2', source: null, n: 1 },
      { run: a.run, storm_id: 'n-1', source: 'new.pcap', n: 4 },
    ]);
    // Two rows kept: s-1 goes with its folded row; s-2 (an old row, found by run and id) and n-1 (by source and id) keep theirs.
    const b = history({ source: 'other.pcap', maxRows: 2, now: () => now });
    expect(b.count()).toBe(2);
    expect(foldedRows().map((r) => r.storm_id)).toEqual(['s-2', 'n-1']);
    await b.close();
    const c = history({ source: 'other.pcap', maxRows: 1, now: () => now });
    expect(c.count()).toBe(1);
    expect(foldedRows().map((r) => r.storm_id)).toEqual(['n-1']);
    expect(c.query({}).map((x) => x.id)).toEqual(['n-1']);
  });

  it('a new database has 16 KiB pages; one made before keeps its own', async () => {
    const h = history();
    h.onAlert(mkAlert({ id: 'p-1' }));
    await h.flush();
    const pageSize = (f: string): number => {
      const db = new Database(f, { readonly: true });
      try {
        return db.pragma('page_size', { simple: true }) as number;
      } finally {
        db.close();
      }
    };
    expect(pageSize(file)).toBe(PAGE_SIZE);
    const old = path.join(dir, 'old.db');
    const db = new Database(old);
    db.exec('CREATE TABLE x (a)');
    db.close();
    const o = history({}, old);
    o.onAlert(mkAlert({ id: 'p-2' }));
    await o.flush();
    expect(pageSize(old)).toBe(4096);
    expect(rawCount(old)).toBe(1);
  });
});
