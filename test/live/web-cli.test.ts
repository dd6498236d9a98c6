// The real command line: `--batch --web 127.0.0.1:0 -r FILE --realtime` serves the dashboard while the capture
// replays (login URL with a token on stderr, 401 without it) and after it until Ctrl-C, stores alerts in the SQLite history, and
// `netguard alerts` then answers from that database (table, --json, --summary, exit codes).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runNetguard, spawnNetguard } from '../helpers/netguard.js';
import { httpGet, synScan, writePcap } from '../web/frames.js';

let dir: string;
let pcap: string;
let settings: string;
let db: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-web-cli-'));
  pcap = path.join(dir, 'scan.pcap');
  db = path.join(dir, 'history.db');
  const t0 = Date.parse('2026-10-30T12:00:00Z');
  writePcap(pcap, [...synScan(t0, '203.0.113.9', '192.0.2.10', 150, 800), ...httpGet(t0 + 2500, '198.51.100.7', '192.0.2.10', '/../../etc/passwd?<script>x</script>'), ...httpGet(t0 + 6000, '192.0.2.20', '192.0.2.10', '/index.html', 50100)]);
  settings = path.join(dir, 'settings.yaml');
  writeFileSync(
    settings,
    ['alerts:', `  log_file: ${path.join(dir, 'alerts.json')}`, "  text_log: ''", '  enable_notifications: false', 'enrichment:', '  enabled: false', 'history:', `  db_file: ${db}`, 'ip_reputation:', `  state_file: ${path.join(dir, 'rep.json')}`, ''].join('\n'),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('netguard --web and netguard alerts', () => {
  it('serves the dashboard with a token during a realtime replay and stores alerts in SQLite', async () => {
    const { child, done } = spawnNetguard(['--batch', '--settings', settings, '--web', '127.0.0.1:0', '-r', pcap, '--realtime'], { cwd: dir, timeoutMs: 60_000 });
    let err = '';
    child.stderr?.on('data', (d: string) => (err += d));
    const login = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /netguard: web dashboard at (http:\/\/127\.0\.0\.1:\d+\/\?token=([A-Za-z0-9_-]+))\n/.exec(err);
        if (m) {
          clearInterval(t);
          resolve(m[1]);
        }
      }, 50);
      setTimeout(() => {
        clearInterval(t);
        reject(new Error(`no login URL on stderr: ${err}`));
      }, 20_000);
    });
    const url = new URL(login);
    const token = url.searchParams.get('token')!;
    const base = `${url.origin}/`;
    expect((await fetch(base + 'api/stats')).status).toBe(401);
    expect((await fetch(base)).status).toBe(401);
    const page = await fetch(login, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('set-cookie')).toContain('netguard_token=');
    const stats = await fetch(base + 'api/stats', { headers: { authorization: `Bearer ${token}` } });
    expect(stats.status).toBe(200);
    // Alerts become visible through the API while the replay runs (it lasts 6 s).
    let types: string[] = [];
    for (let i = 0; i < 60 && !types.includes('DIRECTORY_TRAVERSAL'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      const r = (await (await fetch(base + 'api/alerts', { headers: { authorization: `Bearer ${token}` } })).json()) as { source: string; alerts: Array<{ type: string }> };
      expect(r.source).toBe('history');
      types = r.alerts.map((a) => a.type);
    }
    expect(types).toContain('SYN_SCAN');
    expect(types).toContain('DIRECTORY_TRAVERSAL');
    // At the end of the file it keeps serving the results until Ctrl-C.
    for (let i = 0; i < 200 && !err.includes('read to its end'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(err).toContain(`${pcap} read to its end; the web dashboard keeps serving the results at ${login} until Ctrl-C`);
    expect((await fetch(base + 'api/stats', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(child.exitCode).toBeNull();
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).length).toBeGreaterThanOrEqual(2);
    // The server is gone with the run.
    await expect(fetch(base + 'api/stats')).rejects.toThrow();
  }, 60_000);

  it('netguard alerts reads that history: table, --json, --summary, filters', async () => {
    const table = await runNetguard(['alerts', '--db', db, '--type', 'SYN_SCAN'], { cwd: dir });
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^TIME\s+SEVERITY\s+TYPE\s+SOURCE\s+DESTINATION\s+COUNT\s+MESSAGE$/);
    expect(table.stdout).toMatch(/2026-10-30T12:00:0\dZ\s+HIGH\s+SYN_SCAN\s+203\.0\.113\.9\s+192\.0\.2\.10\s+\d+\s+SYN scan from 203\.0\.113\.9/);
    const json = await runNetguard(['alerts', '--settings', settings, '--ip', '198.51.100.7', '--json'], { cwd: dir });
    expect(json.code).toBe(0);
    const rows = jsonLines<{ type: string; message: string }>(json.stdout);
    expect(rows.map((a) => a.type)).toEqual(['DIRECTORY_TRAVERSAL']);
    expect(rows[0].message).toContain('<script>x</script>');
    const sum = await runNetguard(['alerts', '--db', db, '--summary', '--since', '2026-10-01'], { cwd: dir });
    expect(sum.code).toBe(0);
    expect(sum.stdout).toMatch(/By source\nSOURCE\s+ALERTS\n203\.0\.113\.9\s+\d+/);
    expect(sum.stdout).toMatch(/By day \(UTC\)\nDAY\s+ALERTS\n2026-10-30\s+\d+/);
  }, 60_000);

  it('netguard alerts: bad usage exits 2, a missing database exits 1', async () => {
    const bad = await runNetguard(['alerts', '--db', db, '--since', 'last week'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^netguard alerts: --since takes a duration/);
    const missing = await runNetguard(['alerts', '--db', path.join(dir, 'none.db')], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('none.db: no alert history here');
  }, 60_000);
});
