// The alert page in headless Chromium (playwright-core) against the real server after a capture went
// through the real file reader, engine, evidence store and funnel: a click on the scan's alert opens
// its page (counts, flows, packets), the display filter narrows the packets and points at the column of
// a mistake, the pcap link downloads a file tshark reads (the probes), a payload alert's page
// shows the request with its <script> as text, and the history search takes a time range.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertFunnel } from '../../src/alert/funnel.js';
import { openFile, writePcapFile } from '../../src/capture/index.js';
import { defaultSettings } from '../../src/config/schema.js';
import { createDetectors } from '../../src/detect/index.js';
import { Engine } from '../../src/engine/index.js';
import { EvidenceStore, evidenceOptionsFromSettings } from '../../src/evidence/index.js';
import { AlertHistory } from '../../src/history/index.js';
import { startWebServer, type WebServer } from '../../src/web/index.js';
import { httpGet, synScan, writePcap } from '../web/frames.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const XSS_URI = '/../../etc/passwd?<script>window.__pwned=1</script>';
const T0 = Date.parse('2026-10-30T12:00:00Z');

let dir: string;
let browser: Browser;
let server: WebServer;
let history: AlertHistory;
let engine: Engine;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-web-ev-'));
  const pcap = path.join(dir, 'traffic.pcap');
  writePcap(pcap, [...synScan(T0, '203.0.113.9', '192.0.2.10', 200, 900), ...httpGet(T0 + 3000, '198.51.100.7', '192.0.2.10', XSS_URI)]);
  const settings = defaultSettings();
  const funnel = new AlertFunnel({ suppressionMs: () => 60_000 });
  history = new AlertHistory(path.join(dir, 'netguard.db'), { flushMs: 100, log: () => undefined });
  funnel.addSink(history);
  const evidence = new EvidenceStore(evidenceOptionsFromSettings(settings, () => 60_000, pcap));
  engine = new Engine({ source: pcap, live: false, filter: '', historySize: 100, funnel, detectors: (r) => createDetectors(settings, r), evidence, writePcap: writePcapFile });
  await openFile(pcap).run((p) => engine.handle(p));
  await history.flush();
  server = await startWebServer(engine, { host: '127.0.0.1', port: 0, token: '', history });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await history?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openPage(): Promise<Page> {
  const ctx = await browser.newContext({ acceptDownloads: true });
  const page = await ctx.newPage();
  await page.goto(server.loginUrl);
  await page.waitForSelector('#history tr[data-id]');
  return page;
}

describe('the alert page in Chromium', () => {
  it('opens from a history row, filters its packets and downloads its pcap', async () => {
    const page = await openPage();
    const scan = engine.funnel.recent().find((a) => a.type === 'SYN_SCAN')!;
    expect(scan).toBeDefined();
    await page.click(`#history tr[data-id="${scan.id}"]`);
    await page.waitForFunction(() => !(document.getElementById('alert-page') as HTMLElement).hidden && document.querySelectorAll('#ev-packets tbody tr').length > 0);
    expect(await page.textContent('#ev-title')).toContain('SYN_SCAN');
    expect(await page.textContent('#ev-counts')).toMatch(/200 packets in the episode.*the pcap reads all 200 back from/);
    const flows = await page.$$eval('#ev-flows tbody tr', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(flows.length).toBe(100);
    expect(flows[0]).toMatch(/TCP203\.0\.113\.9:\d+192\.0\.2\.10:\d+/);
    expect(await page.$$eval('#ev-packets tbody tr', (r) => r.length)).toBe(200);

    // The display filter: the probes to ports 1-10.
    await page.fill('#ev-filter', 'ip.src == 203.0.113.0/24 and dst_port in [1-10]');
    await page.click('#ev-filter-form button');
    await page.waitForFunction(() => document.querySelectorAll('#ev-packets tbody tr').length < 200);
    const shown = await page.$$eval('#ev-packets tbody tr', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(shown.length).toBe(10);
    expect(await page.textContent('#ev-shown')).toBe('10 of 200');
    // A mistake is pointed at by column.
    await page.fill('#ev-filter', 'tcp andd udp');
    await page.click('#ev-filter-form button');
    await page.waitForFunction(() => (document.getElementById('ev-error')?.textContent ?? '') !== '');
    expect(await page.textContent('#ev-error')).toBe("display filter error at col 5: expected 'and', 'or' or the end of the filter, found 'andd'\n  tcp andd udp\n      ^^^^");

    // The download.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#ev-pcap')]);
    expect(download.suggestedFilename()).toBe(`alert-${scan.id}.pcap`);
    const file = path.join(dir, 'download.pcap');
    await download.saveAs(file);
    const rows = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'ip.src', '-e', 'tcp.flags.syn', '-e', 'tcp.flags.ack'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    // The scan's 200 SYN probes (this capture holds no answers).
    expect(rows.length).toBe(200);
    expect(rows.every((r) => r[0] === '203.0.113.9' && (r[1] === '1' || r[1] === 'True') && (r[2] === '0' || r[2] === 'False'))).toBe(true);
    await page.context().close();
  }, 90_000);

  it("a payload alert's page shows the request as text; the history search takes a time range", async () => {
    const page = await openPage();
    const trav = engine.funnel.recent().find((a) => a.type === 'DIRECTORY_TRAVERSAL')!;
    expect(trav).toBeDefined();
    await page.goto(`${server.url}#alert/${encodeURIComponent(trav.id)}`);
    await page.waitForFunction(() => document.querySelectorAll('#ev-packets tbody tr').length > 0);
    const text = await page.textContent('#ev-packets');
    expect(text).toContain('GET /../../etc/passwd?<script>window.__pwned=1</script>');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.$$('#ev-packets script')).toHaveLength(0);

    // Time range: the alerts were raised on 2026-10-30.
    await page.fill('#since', '2026-10-31');
    await page.click('#search button[type=submit]');
    await page.waitForFunction(() => (document.getElementById('hist-status')?.textContent ?? '') === '0 alerts');
    await page.fill('#since', '2026-10-30');
    await page.fill('#until', '2026-10-30');
    await page.click('#search button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#history tbody tr').length > 0);
    expect(await page.$$eval('#history tbody tr', (r) => r.length)).toBe(engine.funnel.recent().length);
    await page.context().close();
  }, 90_000);
});
