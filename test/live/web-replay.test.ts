// The web page after a replay, in headless Chromium, against the real command line
// `netguard --batch -r FILE --web 127.0.0.1:0`: it keeps serving until Ctrl-C, the state pill says
// the file was read to its end (not "live"), the connections include the closed ones, the averaged
// rates are labelled, the WARNING badge stays on one line in a narrow window, and a failed search
// clears the old results and shows why.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawPacket } from '../../src/capture/types.js';
import { AlertFunnel } from '../../src/alert/funnel.js';
import { Engine } from '../../src/engine/index.js';
import { startWebServer } from '../../src/web/index.js';
import { jsonLines, spawnNetguard, type RunResult } from '../helpers/netguard.js';
import { httpGet, raw, synScan, tcpFrame, writePcap } from '../web/frames.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const RST = 0x04;

let dir: string;
let browser: Browser;
let child: ReturnType<typeof spawnNetguard>['child'] | null = null;
let done: Promise<RunResult> | null = null;
let stderr = '';

/** A finished HTTP connection: handshake, GET, then both FINs and the last ACK (the tracker's CLOSED). */
function closedHttp(t0: number, src: string, dst: string, sport: number): RawPacket[] {
  const get = httpGet(t0, src, dst, '/index.html', sport);
  return [
    ...get,
    raw(t0 + 10, tcpFrame({ src, dst, sport, dport: 80, flags: FIN | ACK, seq: 200, ack: 501 })),
    raw(t0 + 11, tcpFrame({ src: dst, dst: src, sport: 80, dport: sport, flags: FIN | ACK, seq: 501, ack: 201 })),
    raw(t0 + 12, tcpFrame({ src, dst, sport, dport: 80, flags: ACK, seq: 201, ack: 502 })),
  ];
}

/** One source probing port 445 on eight hosts, each refusing with RST: a PORT_SWEEP (WARNING). */
function sweep(t0: number, src: string): RawPacket[] {
  const out: RawPacket[] = [];
  for (let i = 0; i < 8; i++) {
    const dst = `192.0.2.${101 + i}`;
    out.push(raw(t0 + i * 50, tcpFrame({ src, dst, sport: 33000 + i, dport: 445, flags: SYN, seq: 10 })));
    out.push(raw(t0 + i * 50 + 1, tcpFrame({ src: dst, dst: src, sport: 445, dport: 33000 + i, flags: RST | ACK, seq: 0, ack: 11 })));
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-web-replay-'));
  const t0 = Date.parse('2026-10-30T12:00:00Z');
  const pkts: RawPacket[] = [];
  for (let i = 0; i < 12; i++) pkts.push(...closedHttp(t0 + i * 200, '192.0.2.20', '192.0.2.10', 41000 + i));
  pkts.push(...sweep(t0 + 3000, '198.51.100.44'));
  pkts.push(...synScan(t0 + 4000, '203.0.113.9', '192.0.2.10', 200, 800));
  pkts.sort((a, b) => a.ts - b.ts);
  writePcap(path.join(dir, 'replay.pcap'), pkts);
  writeFileSync(
    path.join(dir, 'settings.yaml'),
    ['alerts:', '  enable_notifications: false', 'enrichment:', '  enabled: false', ''].join('\n'),
  );
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  // Ours, if a test failed before it ended.
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await done?.catch(() => undefined);
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(pred: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stderr:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('--batch -r FILE --web, after the file is read', () => {
  let page: Page;
  let login = '';
  const pageErrors: string[] = [];

  it('keeps serving after the end of the file, and says so', async () => {
    ({ child, done } = spawnNetguard(['--batch', '--settings', 'settings.yaml', '--web', '127.0.0.1:0', '-r', 'replay.pcap'], { cwd: dir, timeoutMs: 120_000 }));
    child.stderr?.on('data', (d: string) => (stderr += d));
    await waitFor(() => /read to its end; the web dashboard keeps serving the results at http:\/\/127\.0\.0\.1:\d+\/\?token=\S+ until Ctrl-C/.test(stderr), 'the end-of-file line');
    login = /web dashboard at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(stderr)![1];
    // Well after the end it is still there.
    await new Promise((r) => setTimeout(r, 1500));
    expect(child.exitCode).toBeNull();
    const token = new URL(login).searchParams.get('token')!;
    const stats = (await (await fetch(new URL('/api/stats', login), { headers: { authorization: `Bearer ${token}` } })).json()) as {
      stats: { ended: boolean; live: boolean };
      closedConnections: unknown[];
      connectionCounts: { open: number; closed: number };
    };
    expect(stats.stats).toMatchObject({ ended: true, live: false });
    expect(stats.connectionCounts.closed).toBeGreaterThanOrEqual(12);
    expect(stats.closedConnections.length).toBeGreaterThanOrEqual(12);
  }, 60_000);

  it('shows "finished", not "live", with final numbers and the closed connections', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    // The browser logs the failed search's 400 and the refused WebSocket after NetGuard ended: both are
    // what the tests do; anything else is a fault of the page.
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 400 \(Bad Request\)|ERR_CONNECTION_REFUSED/.test(m.text())) pageErrors.push(m.text());
    });
    await page.goto(login);
    await page.waitForSelector('#conn.done', { timeout: 15_000 });
    expect(await page.textContent('#conn')).toBe('finished');
    await page.waitForFunction(() => (document.getElementById('pps')?.textContent ?? '').startsWith('avg '), undefined, { timeout: 10_000 });
    expect(await page.textContent('#pps')).toMatch(/^avg [\d.,]+ pkt\/s$/);
    expect(await page.textContent('#bps')).toMatch(/^avg [\d.,]+ (bit|kbit|Mbit)\/s$/);
    // The run's connections, closed ones included: the 12 finished HTTP connections and the refused probes.
    const sub = (await page.textContent('#nconn-sub')) ?? '';
    const [, open, closed] = /^(\d+) open, (\d+) closed$/.exec(sub) ?? [];
    expect(Number(closed), sub).toBeGreaterThanOrEqual(12);
    expect(Number(await page.textContent('#nconn'))).toBe(Number(open) + Number(closed));
    const closedRows = page.locator('#connections tbody tr.closed');
    expect(await closedRows.count()).toBeGreaterThanOrEqual(5);
    const states = await closedRows.locator('td:nth-child(5)').allTextContents();
    expect(states.every((s) => /^(CLOSED|RESET|UNREACHABLE|FIN_WAIT|ESTABLISHED|LAST_ACK|CLOSE_WAIT)$/.test(s)), states.join(',')).toBe(true);
    expect(states).toContain('CLOSED');
    expect(await page.textContent('#conn-shown')).toMatch(/\(\d+ open, \d+ closed; showing \d+ open and the \d+ last closed\)/);
  }, 30_000);

  it('the WARNING badge stays on one line in a narrow window', async () => {
    await page.setViewportSize({ width: 560, height: 1000 });
    await page.waitForFunction(() => document.querySelectorAll('#history tbody tr').length > 0, undefined, { timeout: 10_000 });
    const warn = page.locator('#history .badge.sev-WARNING, #live .badge.sev-WARNING');
    expect(await warn.count()).toBeGreaterThanOrEqual(1);
    const heights = await page.evaluate(() =>
      [...document.querySelectorAll('.badge')].map((b) => ({ text: b.textContent, h: b.getBoundingClientRect().height, lines: b.getClientRects().length })),
    );
    const low = heights.find((x) => x.text === 'LOW')!;
    for (const b of heights.filter((x) => x.text === 'WARNING')) {
      expect(b.lines).toBe(1);
      // One line of text: as tall as a LOW badge, not two lines.
      expect(b.h).toBeLessThanOrEqual(low.h + 1);
    }
    await page.setViewportSize({ width: 1400, height: 1000 });
  });

  it('a failed search clears the earlier results and shows the error', async () => {
    await page.click('#search button');
    await page.waitForFunction(() => /^\d+ alerts?$/.test(document.getElementById('hist-status')?.textContent ?? ''));
    expect(await page.locator('#history tbody tr').count()).toBeGreaterThan(0);
    await page.fill('#ip', 'not-an-ip');
    await page.click('#search button');
    await page.waitForFunction(() => (document.getElementById('hist-status')?.textContent ?? '').startsWith('search failed'));
    expect(await page.textContent('#hist-status')).toBe('search failed: ip: not an IP address');
    expect(await page.locator('#history tbody tr').count()).toBe(0);
    expect(await page.textContent('#hist-source')).toBe('');
    expect(await page.getAttribute('#hist-status', 'class')).toContain('error');
    // A good search afterwards fills it again and drops the error look.
    await page.fill('#ip', '');
    await page.click('#search button');
    await page.waitForFunction(() => /^\d+ alerts?$/.test(document.getElementById('hist-status')?.textContent ?? ''));
    expect(await page.locator('#history tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getAttribute('#hist-status', 'class')).not.toContain('error');
  });

  it('Ctrl-C ends it: the summary, exit 0, the page says disconnected', async () => {
    child!.kill('SIGINT');
    const r = await done!;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/netguard: \d+ packets, \d+ bytes, \d+ alerts, [\d.]+ s, 0 decode errors \(replay\.pcap\)/);
    // The summary's time is the reading's, not the minutes the page was served.
    expect(Number(/alerts, ([\d.]+) s/.exec(r.stderr)![1])).toBeLessThan(5);
    const types = jsonLines<{ type: string }>(r.stdout).map((a) => a.type);
    expect(types).toContain('SYN_SCAN');
    expect(types).toContain('PORT_SWEEP');
    await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'disconnected', undefined, { timeout: 10_000 });
    expect(pageErrors).toEqual([]);
  }, 30_000);
});

describe('a live capture on the page', () => {
  it('before the first packet: live, waiting, and the kernel counters beside the drops', async () => {
    // An engine wired as for a live capture whose kernel counters say 12 of 200,000 were dropped.
    const funnel = new AlertFunnel({ suppressionMs: () => 60_000, maxAlerts: 1000 });
    const engine = new Engine({
      source: 'veth-test',
      live: true,
      filter: '',
      historySize: 10,
      funnel,
      drops: () => 12,
      captureStats: () => ({ kernel_packets: 200_000, kernel_drops: 12, kernel_ifdrops: 0 }),
    });
    // The live tick timer moves the engine's clock to the wall clock while nothing has arrived.
    engine.tick(Date.now());
    const server = await startWebServer(engine, { host: '127.0.0.1', port: 0, token: '' });
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      const page = await ctx.newPage();
      await page.goto(server.loginUrl);
      await page.waitForSelector('#conn.on');
      expect(await page.textContent('#conn')).toBe('live');
      await page.waitForFunction(() => (document.getElementById('capture')?.textContent ?? '') !== '');
      expect(await page.textContent('#errors')).toBe('0 / 12');
      expect(await page.textContent('#capture')).toBe('of 200,000 received, 99.99% captured');
      expect(await page.textContent('#uptime')).toBe('waiting for the first packet');
      expect(await page.textContent('#pps')).toBe('0 pkt/s');
    } finally {
      await ctx.close();
      await server.close();
    }
  }, 30_000);
});
