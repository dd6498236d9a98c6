// The web dashboard in headless Chromium (playwright-core) against the real server while a capture is
// replayed at its recorded pace through the real file reader, engine, detectors, funnel and SQLite history:
// alerts appear without a reload, statistics and the chart fill in, the search works, requests without the
// token are refused, and an HTTP URI and a DNS name carrying <script> show as text (no script runs).
// Also takes the README screenshot (written to docs/images/web.png when UPDATE_SCREENSHOT=1).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertFunnel } from '../../src/alert/funnel.js';
import { openFile } from '../../src/capture/index.js';
import { defaultSettings } from '../../src/config/schema.js';
import { createDetectors } from '../../src/detect/index.js';
import { Engine } from '../../src/engine/index.js';
import { AlertHistory } from '../../src/history/index.js';
import { startWebServer, type WebServer } from '../../src/web/index.js';
import { ROOT } from '../helpers/netguard.js';
import { dnsQuery, httpGet, raw, synScan, tcpFrame, udpFrame, writePcap } from '../web/frames.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const XSS_URI = '/../../etc/passwd?<script>window.__pwned=1</script>';
const XSS_DNS = '<script>window.__pwned=2</script>.example.com';

let dir: string;
let pcap: string;
let browser: Browser;
let server: WebServer;
let history: AlertHistory;
let engine: Engine;
let pumping: Promise<void>;
let stop: () => void = () => undefined;

/** About 7 s of traffic: background web and DNS, a SYN scan at +2 s, a traversal with <script> at +4 s. */
function buildCapture(file: string): void {
  const t0 = Date.parse('2026-10-30T12:00:00Z');
  const pkts = [];
  for (let i = 0; i < 70; i++) {
    const t = t0 + i * 100;
    pkts.push(raw(t, tcpFrame({ src: '192.0.2.20', dst: '192.0.2.10', sport: 41000 + (i % 7), dport: 443, flags: 0x18, seq: 1000 + i, ack: 1, payload: 'x'.repeat(200 + (i % 5) * 180) })));
    pkts.push(raw(t + 40, tcpFrame({ src: '192.0.2.10', dst: '192.0.2.20', sport: 443, dport: 41000 + (i % 7), flags: 0x10, seq: 1, ack: 1000 + i })));
    if (i % 10 === 0) pkts.push(raw(t + 60, udpFrame({ src: '192.0.2.20', dst: '192.0.2.53', sport: 5300 + i, dport: 53, payload: dnsQuery(i, `host${i}.example.org`) })));
  }
  pkts.push(...synScan(t0 + 2000, '203.0.113.9', '192.0.2.10', 300, 900));
  pkts.push(...httpGet(t0 + 4000, '198.51.100.7', '192.0.2.10', XSS_URI));
  // Last, so it stays among the newest packets of the feed.
  pkts.push(raw(t0 + 7200, udpFrame({ src: '192.0.2.20', dst: '192.0.2.53', sport: 5999, dport: 53, payload: dnsQuery(99, XSS_DNS) })));
  writePcap(file, pkts);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-web-browser-'));
  pcap = path.join(dir, 'traffic.pcap');
  buildCapture(pcap);
  // Wired like src/cli/run.ts: file source -> engine (detectors) -> funnel -> SQLite history sink.
  const settings = defaultSettings();
  const funnel = new AlertFunnel({ suppressionMs: () => 60_000, maxAlerts: 10_000 });
  history = new AlertHistory(path.join(dir, 'netguard.db'), { flushMs: 200 });
  funnel.addSink(history);
  engine = new Engine({ source: 'capture.pcap', live: false, filter: '', historySize: 100, funnel, detectors: (r) => createDetectors(settings, r) });
  server = await startWebServer(engine, { host: '127.0.0.1', port: 0, token: '', history });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  stop();
  await pumping?.catch(() => undefined);
  await browser?.close();
  await server?.close();
  await history?.close();
  rmSync(dir, { recursive: true, force: true });
});

function startCapture(): void {
  const src = openFile(pcap, { realtime: true });
  stop = () => src.stop();
  pumping = src.run((p) => engine.handle(p));
}

describe('web dashboard in Chromium', () => {
  let page: Page;
  const consoleErrors: string[] = [];

  it('refuses the page, the API and the WebSocket without the token', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    const r = await p.goto(server.url);
    expect(r?.status()).toBe(401);
    expect(await p.textContent('body')).toContain('401 Unauthorized: this NetGuard dashboard needs its access token');
    const api = await p.evaluate(async () => (await fetch('/api/alerts')).status);
    expect(api).toBe(401);
    const ws = await p.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const s = new WebSocket(`ws://${location.host}/ws`);
          s.onopen = () => resolve('open');
          s.onerror = () => resolve('refused');
        }),
    );
    expect(ws).toBe('refused');
    await ctx.close();
  });

  it('logs in with ?token=, drops it from the address bar, and shows live alerts without a reload', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    page = await ctx.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(server.loginUrl);
    expect(page.url()).toBe(server.url);
    // Connected to a file source not yet at its end: "reading file", never "live".
    await page.waitForSelector('#conn.file');
    expect(await page.textContent('#conn')).toBe('reading file');
    // A marker that a reload would wipe.
    await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));
    expect(await page.locator('#live li').count()).toBe(0);

    startCapture();
    const scan = page.locator('#live li', { hasText: 'SYN_SCAN' });
    await scan.first().waitFor({ timeout: 15_000 });
    expect(await scan.first().textContent()).toContain('203.0.113.9');
    const trav = page.locator('#live li', { hasText: 'DIRECTORY_TRAVERSAL' });
    await trav.first().waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42);
  }, 40_000);

  it('shows <script> from an HTTP URI and a DNS name as text; no script runs', async () => {
    const trav = page.locator('#live li', { hasText: 'DIRECTORY_TRAVERSAL' }).first();
    expect(await trav.textContent()).toContain(`GET ${XSS_URI}`);
    await pumping;
    await page.waitForFunction((name) => [...document.querySelectorAll('#packets-feed td')].some((td) => td.textContent === `DNS A? ${name}`), XSS_DNS, { timeout: 10_000 });
    const flags = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      scripts: document.querySelectorAll('body script').length,
      injected: document.querySelectorAll('#live script, #history script, #packets-feed script').length,
    }));
    expect(flags).toEqual({ pwned: undefined, scripts: 0, injected: 0 });
  }, 30_000);

  it('fills in the statistics and the packet-rate chart', async () => {
    const total = engine.snapshot().stats.packets;
    await page.waitForFunction((n) => document.getElementById('packets')?.textContent === n.toLocaleString('en-US'), total, { timeout: 10_000 });
    const packets = Number((await page.textContent('#packets'))?.replace(/,/g, ''));
    expect(packets).toBe(engine.snapshot().stats.packets);
    expect(await page.locator('#protocols tbody tr', { hasText: 'TCP' }).count()).toBe(1);
    expect(await page.locator('#protocols tbody tr', { hasText: 'DNS' }).count()).toBe(1);
    expect(await page.locator('#talkers tbody tr').count()).toBeGreaterThan(2);
    const inked = await page.evaluate(() => {
      const c = document.getElementById('chart') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let blue = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 2] > 200 && d[i] < 120 && d[i + 3] > 200) blue++;
      return blue;
    });
    expect(inked).toBeGreaterThan(100);
  });

  it('searches the history (SQLite) by text, type and address', async () => {
    await page.fill('#q', 'passwd');
    await page.click('#search button');
    await page.waitForFunction(() => document.getElementById('hist-status')?.textContent === '1 alert');
    const row = page.locator('#history tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.first().textContent()).toContain('DIRECTORY_TRAVERSAL');
    expect(await row.first().textContent()).toContain('<script>window.__pwned=1</script>');
    expect(await page.textContent('#hist-source')).toBe('(SQLite history)');

    await page.fill('#q', '');
    await page.selectOption('#type', 'SYN_SCAN');
    await page.click('#search button');
    await page.waitForFunction(() => document.getElementById('hist-status')?.textContent === '1 alert');
    expect(await page.locator('#history tbody tr').first().textContent()).toContain('203.0.113.9');

    await page.selectOption('#type', '');
    await page.fill('#ip', '203.0.113.9');
    await page.click('#search button');
    await page.waitForFunction(() => /^\d+ alerts?$/.test(document.getElementById('hist-status')?.textContent ?? ''));
    const texts = await page.locator('#history tbody tr').allTextContents();
    expect(texts.length).toBe(history.query({ ip: '203.0.113.9' }).length);
    expect(texts.every((t) => t.includes('203.0.113.9'))).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // Back to everything for the screenshot.
    await page.fill('#ip', '');
    await page.click('#search button');
    await page.waitForFunction(() => (document.getElementById('hist-status')?.textContent ?? '').endsWith('alerts'));
  });

  it('had no CSP violations or script errors, and takes the README screenshot', async () => {
    expect(consoleErrors).toEqual([]);
    // The README's picture is refreshed on request only (UPDATE_SCREENSHOT=1), so test runs leave the tree alone.
    const out = process.env.UPDATE_SCREENSHOT ? path.join(ROOT, 'docs/images/web.png') : path.join(dir, 'web.png');
    mkdirSync(path.dirname(out), { recursive: true });
    const png = await page.screenshot({ path: out, fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1400);
  });
});
