// Component tests for the alert history overlay (`h`): rows from EngineControl.alertHistory, scrolling,
// the `/` search and the `s` severity floor, colours, escaping, and what it says without a history;
// against a fake control and against a real SQLite store.
process.env.TZ = 'UTC';
import path from 'node:path';
import chalk from 'chalk';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert, AlertType, Severity } from '../../src/alert/types.js';
import type { AlertHistoryQuery } from '../../src/engine/types.js';
import { AlertHistory } from '../../src/history/index.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { alert, FakeControl, HistoryControl, T0 } from './fixtures.js';
import { dashboardTests } from './helpers.js';

const show = dashboardTests();
const HOUR = 3_600_000;

const SEVS: Severity[] = ['CRITICAL', 'HIGH', 'WARNING', 'LOW'];

/** `n` stored alerts, #0 the newest, one an hour back from T0; every tenth is an SQL injection. */
function stored(n: number): Alert[] {
  const out: Alert[] = [];
  for (let i = 0; i < n; i++) {
    const ts = new Date(T0 - i * HOUR).toISOString();
    const sql = i % 10 === 0;
    const type: AlertType = sql ? 'SQL_INJECTION' : 'PORT_SWEEP';
    out.push(
      alert({
        type,
        severity: SEVS[i % 4],
        message: sql ? `SQL injection #${i} in GET /login?user=' OR 1=1` : `stored alert #${i} port 445 probed`,
        src_ip: `10.9.${i}.1`,
        dst_ip: '10.0.0.5',
        timestamp: ts,
        last_seen: ts,
        count: i + 1,
      }),
    );
  }
  // Stored out of order: the query, not the insertion, decides the order.
  return out.reverse();
}

/** The alert numbers (#N) on the screen, top to bottom. */
function numbers(text: string): number[] {
  return [...text.matchAll(/#(\d+)\b/g)].map((m) => Number(m[1]));
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The overlay's status line: the line above the footer. */
const status = (t: string): string => t.trimEnd().split('\n').at(-2) ?? '';

describe('h: the alert history overlay', () => {
  it('shows the stored alerts newest first: time, severity, type, count, source and message', async () => {
    const c = new HistoryControl(stored(60));
    const v = await show(c);
    await v.press('h');
    const t = await v.until((x) => x.includes('─ Alert history'), 'the history overlay');
    expect(c.queries).toEqual([{ search: undefined, severity: undefined, limit: 1000 }]);
    expect(t).not.toContain('─ Alerts');
    expect(t).toContain('60 alerts │');
    expect(t).toMatch(/TIME +SEV +TYPE +COUNT SOURCE +MESSAGE/);
    expect(t).toMatch(/2024-03-05 14:07:09 CRITICAL SQL_INJECTION +1 10\.9\.0\.1 → 10\.0\.0\.5 +SQL injection #0 in GET \/login\?user=/);
    expect(t).toMatch(/2024-03-05 13:07:09 HIGH +PORT_SWEEP +2 10\.9\.1\.1 → 10\.0\.0\.5 +stored alert #1 port 445 probed/);
    // Across days: the date is part of the time.
    expect(t).toMatch(/2024-03-04 14:07:09 CRITICAL PORT_SWEEP +25 10\.9\.24\.1/);
    // 40 rows: header, title, column names, 34 alerts, status, footer.
    expect(numbers(t)).toEqual(range(0, 33));
    expect(status(t)).toBe(' 1–34 of 60, newest first ↓ more');
    expect(t.trimEnd().split('\n').at(-1)).toContain('h history');
  });

  it('scrolls with ↓/↑, PgDn/PgUp, End/Home, and stops at either end', async () => {
    const c = new HistoryControl(stored(100));
    const v = await show(c);
    await v.press('h');
    await v.until((x) => numbers(x)[0] === 0, 'the first page');
    await v.press('\x1b[B'); // down
    let t = await v.until((x) => numbers(x)[0] === 1, 'one row down');
    expect(numbers(t)).toEqual(range(1, 34));
    expect(status(t)).toBe(' 2–35 of 100, newest first ↓ more ↑ newer');
    await v.press('\x1b[A'); // up
    await v.until((x) => numbers(x)[0] === 0, 'back to the top');
    await v.press('\x1b[A'); // already at the top
    await v.press('\x1b[6~'); // PgDn
    t = await v.until((x) => numbers(x)[0] === 34, 'one page down');
    expect(numbers(t)).toEqual(range(34, 67));
    await v.press('\x1b[6~');
    t = await v.until((x) => numbers(x)[0] === 66, 'the last page');
    expect(numbers(t)).toEqual(range(66, 99));
    expect(status(t)).toBe(' 67–100 of 100, newest first ↑ newer');
    await v.press('\x1b[6~'); // nothing below
    await v.press('\x1b[B');
    expect(numbers(v.text())[0]).toBe(66);
    await v.press('\x1b[5~'); // PgUp
    await v.until((x) => numbers(x)[0] === 32, 'one page up');
    await v.press('\x1b[H'); // Home
    await v.until((x) => numbers(x)[0] === 0, 'Home');
    await v.press('\x1b[F'); // End
    await v.until((x) => numbers(x)[0] === 66, 'End');
    // Scrolling reads nothing again.
    expect(c.queries).toHaveLength(1);
  });

  it('/ types a search (q and h are text then), enter applies it as `search`, esc cancels, an empty one clears', async () => {
    const c = new HistoryControl(stored(60));
    let quits = 0;
    const v = await show(c, undefined, { onQuit: () => quits++ });
    await v.press('h');
    await v.until((x) => x.includes('60 alerts │'), 'all alerts');
    await v.press('/');
    await v.press('xqh');
    let t = await v.until((x) => x.includes('Search: xqh'), 'the typed text');
    expect(quits).toBe(0);
    expect(t).toContain('─ Alert history');
    await v.press('\x7f\x7f\x7f'); // backspace three times
    await v.until((x) => /Search: +enter apply/.test(x), 'an empty search line');
    await v.press('SQL\r');
    t = await v.until((x) => x.includes('6 alerts matching "SQL"'), 'the search applied');
    expect(c.queries.at(-1)).toEqual({ search: 'SQL', severity: undefined, limit: 1000 });
    expect(numbers(t)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(t).not.toContain('stored alert');
    expect(status(t)).toBe(' 1–6 of 6, newest first');

    // esc while typing keeps the applied search.
    await v.press('/');
    await v.press('port');
    await v.until((x) => x.includes('Search: SQLport'), 'editing the search');
    await v.press('\x1b');
    t = await v.until((x) => !x.includes('Search: '), 'typing cancelled');
    expect(t).toContain('6 alerts matching "SQL"');
    expect(t).toContain('─ Alert history');
    const asked = c.queries.length;

    // A search nothing matches says so.
    await v.press('/');
    await v.press('\x15'); // Ctrl+U empties the line
    await v.press('nothing-like-this');
    await v.press('\r');
    t = await v.until((x) => x.includes('No stored alerts matching "nothing-like-this"'), 'no match');
    expect(c.queries.length).toBe(asked + 1);

    // An empty search shows everything again.
    await v.press('/');
    await v.press('\x15');
    await v.press('\r');
    await v.until((x) => x.includes('60 alerts │'), 'the search cleared');
    expect(c.queries.at(-1)).toEqual({ search: undefined, severity: undefined, limit: 1000 });
    expect(quits).toBe(0);
  });

  it('s raises the severity floor (WARNING, HIGH, CRITICAL, all) together with the search', async () => {
    const c = new HistoryControl(stored(40));
    const v = await show(c);
    await v.press('h');
    await v.until((x) => x.includes('40 alerts │'), 'all alerts');
    await v.press('s');
    await v.until((x) => x.includes('30 alerts WARNING and above'), 'WARNING and above');
    await v.press('s');
    let t = await v.until((x) => x.includes('20 alerts HIGH and above'), 'HIGH and above');
    expect(t).not.toMatch(/\bLOW\b|WARNING +PORT/);
    await v.press('s');
    t = await v.until((x) => x.includes('10 alerts CRITICAL and above'), 'CRITICAL');
    expect(numbers(t)).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 36]);
    await v.press('/sql\r');
    t = await v.until((x) => x.includes('2 alerts matching "sql", CRITICAL and above'), 'search and floor');
    expect(numbers(t)).toEqual([0, 20]);
    expect(c.queries.at(-1)).toEqual({ search: 'sql', severity: 'CRITICAL', limit: 1000 });
    await v.press('s');
    await v.until((x) => x.includes('4 alerts matching "sql" │'), 'all severities again');
  });

  it('esc and h close it; ? opens the help from it; q quits from it', async () => {
    const c = new HistoryControl(stored(5));
    let quits = 0;
    const v = await show(c, undefined, { onQuit: () => quits++ });
    await v.press('h');
    await v.until((x) => x.includes('─ Alert history'), 'open');
    await v.press('\x1b');
    await v.until((x) => x.includes('─ Alerts') && !x.includes('─ Alert history'), 'esc to close');
    await v.press('h');
    await v.until((x) => x.includes('─ Alert history'), 'open again');
    expect(c.queries).toHaveLength(2); // each opening reads the history anew
    await v.press('h');
    await v.until((x) => x.includes('─ Alerts') && !x.includes('─ Alert history'), 'h to close');
    await v.press('h');
    await v.until((x) => x.includes('─ Alert history'), 'open a third time');
    await v.press('?');
    const t = await v.until((x) => x.includes('─ Help'), 'help');
    expect(t).toContain('alert history (SQLite): ↑↓ PgUp PgDn scroll, / search, s severity, esc or h close');
    await v.press('\x1b');
    await v.until((x) => x.includes('─ Alerts'), 'help closed');
    await v.press('h');
    await v.until((x) => x.includes('─ Alert history'), 'open a fourth time');
    await v.press('q');
    expect(quits).toBe(1);
  });

  it('without a history it says "alert history is off (history.enabled)"', async () => {
    const c = new FakeControl();
    expect(c).not.toHaveProperty('alertHistory');
    const v = await show(c);
    await v.press('h');
    const t = await v.until((x) => x.includes('─ Alert history'), 'the overlay');
    expect(t).toContain('alert history is off (history.enabled)');
    expect(t).not.toMatch(/\d+ alerts? │/);
    // Keys still work: search typing does not crash, esc closes.
    await v.press('/abc\r');
    expect(v.text()).toContain('alert history is off (history.enabled)');
    await v.press('\x1b');
    await v.until((x) => x.includes('─ Alerts'), 'closed');
  });

  it('a database that cannot be read is reported in one line', async () => {
    const c = new HistoryControl(stored(3));
    c.failure = 'netguard.db: database is locked by another process (database is locked)\n    at stack frame';
    const v = await show(c);
    await v.press('h');
    const t = await v.until((x) => x.includes('alert history unavailable'), 'the error');
    expect(t).toContain('alert history unavailable: netguard.db: database is locked by another process (database is locked)');
    expect(t).not.toContain('stack frame');
    c.failure = null;
    await v.press('r'); // re-read
    await v.until((x) => x.includes('3 alerts │'), 'the rows after re-reading');
  });

  it('colours rows by severity and escapes text from the wire', async () => {
    chalk.level = 1;
    const evil = alert({ type: 'CUSTOM_RULE', severity: 'LOW', message: 'hit \x1b[2J\x1b]0;pwned\x07 there', src_ip: '10.0.0.1\x1b[31m', timestamp: new Date(T0 - 1).toISOString() });
    const c = new HistoryControl([...stored(4), evil]);
    const v = await show(c);
    await v.press('h');
    await v.until((x) => x.includes('5 alerts │'), 'the rows');
    const lines = v.frame().split('\n');
    const line = (needle: string): string => lines.find((l) => l.includes(needle)) ?? '';
    expect(line('injection #0 ')).toContain('\x1b[41m'); // CRITICAL: red tag
    expect(line('alert #1 ')).toContain('\x1b[31m'); // HIGH red
    expect(line('alert #2 ')).toContain('\x1b[33m'); // WARNING yellow
    expect(line('alert #3 ')).toContain('\x1b[36m'); // LOW cyan
    chalk.level = 0;
    await v.press('r'); // redraw without colours: any ESC left would have come from the wire
    const t = v.frame();
    expect(t).not.toContain('\x1b');
    expect(t).not.toContain('\x07');
    expect(t).toContain('hit \\x1b[2J\\x1b]0;pwned\\x07 there');
    expect(t).toContain('10.0.0.1\\x1b[31m');
  });

  it('fits 80x24 with the short date and severity', async () => {
    const v = await show(new HistoryControl(stored(60)), { columns: 80, rows: 24 });
    await v.press('h');
    const t = await v.until((x) => x.includes('─ Alert history'), 'the overlay');
    const lines = t.split('\n');
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(80);
    expect(lines.length).toBeLessThanOrEqual(23);
    expect(t).toMatch(/03-05 14:07:09 CRIT SQL_INJECTION +1 10\.9\.0\.1 +SQL injection/);
    expect(numbers(t)).toEqual(range(0, 17)); // 23 lines: header, title, column names, 18 alerts, status, footer
    expect(status(t)).toBe(' 1–18 of 60, newest first ↓ more');
  });
});

describe('h against a real SQLite history', () => {
  const tempDir = tempDirs('ng-ui-history-');
  let store: AlertHistory | null = null;
  afterEach(async () => {
    await store?.close();
    store = null;
  });

  it('shows what the store holds, newest first, and searches it with SQL', async () => {
    const dir = tempDir();
    store = new AlertHistory(path.join(dir, 'netguard.db'), { log: () => undefined });
    for (const a of stored(12)) store.onAlert(a);
    await store.flush();
    const db = store;
    const queries: AlertHistoryQuery[] = [];
    const c = Object.assign(new FakeControl(), {
      alertHistory: (q: AlertHistoryQuery) => {
        queries.push(q);
        return db.query(q);
      },
    });
    const v = await show(c);
    await v.press('h');
    let t = await v.until((x) => x.includes('12 alerts │'), 'the stored alerts');
    expect(numbers(t)).toEqual(range(0, 11));
    expect(t).toMatch(/2024-03-05 14:07:09 CRITICAL SQL_INJECTION +1 10\.9\.0\.1 → 10\.0\.0\.5 +SQL injection #0 in GET/);
    await v.press('/');
    await v.press("' or 1=1"); // LIKE is case-insensitive; the quote is data, not SQL
    await v.press('\r');
    t = await v.until((x) => x.includes(`2 alerts matching "' or 1=1"`), 'the search');
    expect(numbers(t)).toEqual([0, 10]);
    await v.press('/');
    await v.press('\x15');
    await v.press('10.9.7.1\r');
    t = await v.until((x) => x.includes('1 alert matching "10.9.7.1"'), 'an address search');
    expect(numbers(t)).toEqual([7]);
    expect(queries.at(-1)).toEqual({ search: '10.9.7.1', severity: undefined, limit: 1000 });
  });
});
