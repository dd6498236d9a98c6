// Alert sinks: the JSONL log and its 1000-alert atomic trim, the text log format, console colours
// (NO_COLOR, non-TTY, severities), notification cooldown and no-desktop skip, the registry, flushAll.
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { JsonlSink, TextLogSink, alertLine, createSinks, flushAll, type NotifyMessage } from '../../src/alert/sinks/index.js';
import { ConsoleSink, colorLevel } from '../../src/alert/sinks/console.js';
import { NotifySink } from '../../src/alert/sinks/notify.js';
import type { Alert, Severity } from '../../src/alert/types.js';
import { defaultSettings } from '../../src/config/index.js';

function alert(n: number, severity: Severity = 'HIGH', extra: Partial<Alert> = {}): Alert {
  const ts = new Date(Date.UTC(2026, 10, 20, 12, 0, 0) + n).toISOString();
  return { id: `a-${n}`, timestamp: ts, last_seen: ts, type: 'SYN_SCAN', severity, message: `message ${n}`, src_ip: '10.0.0.1', dst_ip: '10.0.0.2', details: { n }, count: 1, ...extra };
}

const tmp = () => mkdtempSync(path.join(tmpdir(), 'ng-sinks-'));

describe('JSONL log', () => {
  it('appends in batches and keeps the newest max_log_entries (1000) alerts, trimmed atomically', async () => {
    const dir = tmp();
    const f = path.join(dir, 'alerts.json');
    const s = new JsonlSink(f, 1000, 50);
    for (let i = 1; i <= 600; i++) s.onAlert(alert(i));
    expect(existsSync(f)).toBe(false); // queued, not written on the packet path
    await s.flush();
    expect(readFileSync(f, 'utf8').trim().split('\n')).toHaveLength(600);
    for (let i = 601; i <= 2500; i++) s.onAlert(alert(i));
    await s.flush();
    const lines = readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Alert);
    expect(lines).toHaveLength(1000);
    expect(lines[0].id).toBe('a-1501');
    expect(lines[999].id).toBe('a-2500');
    expect(readdirSync(dir)).toEqual(['alerts.json']); // no temporary file left
    // A restart continues the count from the file.
    const s2 = new JsonlSink(f, 1000, 50);
    s2.onAlert(alert(2501));
    await s2.flush();
    const again = readFileSync(f, 'utf8').trim().split('\n');
    expect(again).toHaveLength(1000);
    expect(JSON.parse(again[999]).id).toBe('a-2501');
  });

  it('a line cut by a crash is dropped at the next trim', async () => {
    const f = path.join(tmp(), 'alerts.json');
    writeFileSync(f, JSON.stringify(alert(1)) + '\n' + JSON.stringify(alert(2)) + '\n{"id":"a-3","tim');
    const s = new JsonlSink(f, 3, 10);
    s.onAlert(alert(4));
    s.onAlert(alert(5));
    await s.flush();
    const ids = readFileSync(f, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as Alert).id);
    expect(ids).toEqual(['a-2', 'a-4', 'a-5']);
  });
});

describe('text log', () => {
  it("writes PyNetGuard's one-line format", async () => {
    const f = path.join(tmp(), 'alerts.log');
    const s = new TextLogSink(f, 10);
    s.onAlert(alert(0));
    s.onAlert(alert(1, 'LOW', { type: 'TRAFFIC_SURGE', src_ip: undefined, dst_ip: undefined, message: 'surge' }));
    s.onAlert(alert(2, 'WARNING', { message: 'evil\x1b[2Jname' }));
    await s.flush();
    expect(readFileSync(f, 'utf8')).toBe(
      '2026-11-20T12:00:00.000Z [HIGH] SYN_SCAN 10.0.0.1 -> 10.0.0.2: message 0\n' +
        '2026-11-20T12:00:00.001Z [LOW] TRAFFIC_SURGE: surge\n' +
        '2026-11-20T12:00:00.002Z [WARNING] SYN_SCAN 10.0.0.1 -> 10.0.0.2: evil\\x1b[2Jname\n',
    );
  });
});

describe('text log in an alert storm', () => {
  it('a batch larger than its 1 MiB buffer, ASCII and escaped lines mixed, is written whole and in order', async () => {
    const f = path.join(tmp(), 'alerts.log');
    const s = new TextLogSink(f, 10);
    const sent: Alert[] = [];
    for (let i = 0; i < 12_000; i++) {
      // Every 7th message needs escaping or is not ASCII, every 5th alert is a final record.
      const message = i % 7 === 0 ? `probe\x1b[${i}m caf\u00e9 ` + 'x'.repeat(i % 50) : `GET /item.php?id=${i} ` + 'y'.repeat(i % 90);
      const a = alert(i, 'HIGH', { message, ...(i % 5 === 0 ? { final: true, count: i } : {}) });
      sent.push(a);
      s.onAlert(a);
    }
    await s.flush();
    const text = readFileSync(f, 'utf8');
    expect(text.length).toBeGreaterThan(1024 * 1024);
    expect(text).toBe(sent.map((a) => alertLine(a) + '\n').join(''));
  });
});

describe('console', () => {
  function capture(tty: boolean, env: NodeJS.ProcessEnv): { stream: PassThrough; out: () => string } {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (d: Buffer) => (text += d.toString()));
    Object.assign(stream, { isTTY: tty, getColorDepth: () => 8 });
    return { stream, out: () => text };
  }

  it('colours by severity on a terminal', () => {
    const { stream, out } = capture(true, {});
    const s = new ConsoleSink(stream, {});
    s.onAlert(alert(0, 'HIGH'));
    s.onAlert(alert(1, 'WARNING'));
    s.onAlert(alert(2, 'LOW'));
    s.onAlert(alert(3, 'CRITICAL'));
    const lines = out().trim().split('\n');
    expect(lines[0]).toContain('\x1b[31m[HIGH]'); // red
    expect(lines[1]).toContain('\x1b[33m[WARNING]'); // yellow
    expect(lines[2]).toContain('\x1b[36m[LOW]'); // cyan
    expect(lines[3]).toMatch(/\x1b\[41m.*\[CRITICAL\]/); // red background
  });

  it('no colour with NO_COLOR or when not a terminal; FORCE_COLOR forces it', () => {
    for (const [tty, env] of [[true, { NO_COLOR: '1' }], [false, {}]] as const) {
      const { stream, out } = capture(tty, env);
      new ConsoleSink(stream, env).onAlert(alert(0));
      expect(out()).toBe('2026-11-20T12:00:00.000Z [HIGH] SYN_SCAN 10.0.0.1 -> 10.0.0.2: message 0\n');
    }
    expect(colorLevel(new PassThrough(), { FORCE_COLOR: '1' })).toBe(1);
    expect(colorLevel(Object.assign(new PassThrough(), { isTTY: true }), { NO_COLOR: '1', FORCE_COLOR: '3' })).toBe(0);
  });
});

describe('desktop notifications', () => {
  function fake() {
    const shown: NotifyMessage[] = [];
    return { shown, notifier: { notify: (m: NotifyMessage, cb: (e: Error | null) => void) => (shown.push(m), setImmediate(() => cb(null))) } };
  }

  it('at most one per notification_cooldown seconds; the next says how many it stands for', async () => {
    const { shown, notifier } = fake();
    let now = 1_000_000;
    const s = new NotifySink({ cooldownSec: 5, minSeverity: 'LOW', notifier, now: () => now });
    s.onAlert(alert(1));
    now += 1000;
    s.onAlert(alert(2));
    now += 3999;
    s.onAlert(alert(3));
    expect(shown).toHaveLength(1);
    now += 1; // 5 s after the first
    s.onAlert(alert(4, 'CRITICAL'));
    await s.flush();
    expect(shown).toHaveLength(2);
    expect(shown[0]).toMatchObject({ title: 'NetGuard HIGH: SYN_SCAN', message: '10.0.0.1 -> 10.0.0.2: message 1', urgency: 'critical' });
    expect(shown[1].message).toBe('10.0.0.1 -> 10.0.0.2: message 4 (+2 more alerts)');
  });

  it('below notification_min_severity: no notification', () => {
    const { shown, notifier } = fake();
    const s = new NotifySink({ cooldownSec: 0, minSeverity: 'HIGH', notifier });
    s.onAlert(alert(1, 'WARNING'));
    s.onAlert(alert(2, 'HIGH'));
    expect(shown.map((m) => m.message)).toEqual(['10.0.0.1 -> 10.0.0.2: message 2']);
  });

  it('quietly skipped without a desktop: one debug line, nothing sent', () => {
    const debug: string[] = [];
    const s = new NotifySink({ cooldownSec: 0, minSeverity: 'LOW', env: {}, debug: (m) => debug.push(m) });
    for (let i = 0; i < 5; i++) s.onAlert(alert(i));
    expect(s.sent).toBe(0);
    expect(debug).toEqual(['notifications: no desktop session (DISPLAY, WAYLAND_DISPLAY and DBUS_SESSION_BUS_ADDRESS unset); skipping them']);
  });
});

describe('registry', () => {
  it('builds the sinks settings enable, per mode', async () => {
    const s = defaultSettings();
    expect((await createSinks(s, { console: true, mode: 'cli', stream: new PassThrough() })).map((x) => x.name)).toEqual(['jsonl', 'text-log', 'console', 'notify']);
    expect((await createSinks(s, { console: true, mode: 'batch', stream: new PassThrough() })).map((x) => x.name)).toEqual(['jsonl', 'text-log', 'console']);
    expect((await createSinks(s, { console: true, mode: 'tui' })).map((x) => x.name)).toEqual(['jsonl', 'text-log', 'notify']);
    s.alerts.text_log = '';
    s.alerts.enable_notifications = false;
    expect((await createSinks(s, { console: false, mode: 'cli' })).map((x) => x.name)).toEqual(['jsonl']);
  });

  it('flushAll writes everything queued in every sink', async () => {
    const dir = tmp();
    const s = defaultSettings();
    s.alerts.log_file = path.join(dir, 'a.json');
    s.alerts.text_log = path.join(dir, 'a.log');
    const sinks = await createSinks(s, { console: false, mode: 'batch', flushMs: 60_000 });
    for (let i = 0; i < 10; i++) for (const k of sinks) k.onAlert?.(alert(i));
    await flushAll(sinks);
    expect(readFileSync(s.alerts.log_file, 'utf8').trim().split('\n')).toHaveLength(10);
    expect(readFileSync(s.alerts.text_log, 'utf8').trim().split('\n')).toHaveLength(10);
  });
});
