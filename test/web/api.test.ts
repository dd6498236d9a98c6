// Web dashboard API through fastify.inject against a real engine that processed hand-built traffic:
// the token (refused, Bearer, ?token= then cookie), security headers, /api/stats, /api/alerts filters
// over SQLite and over the engine's recent alerts, bad query values, the page's assets, and --web parsing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertFunnel } from '../../src/alert/funnel.js';
import type { Alert } from '../../src/alert/types.js';
import { defaultSettings } from '../../src/config/schema.js';
import { createDetectors } from '../../src/detect/index.js';
import { Engine } from '../../src/engine/index.js';
import { AlertHistory } from '../../src/history/index.js';
import { buildWebApp, parseWebAddress, startWebServer } from '../../src/web/index.js';
import { httpGet, synScan } from './frames.js';
import { createRequire } from 'node:module';

// Node 20 has no global WebSocket; ws is what @fastify/websocket itself runs on.
const WebSocket = createRequire(import.meta.url)('ws') as typeof globalThis.WebSocket;

const TOKEN = 'test-token-3f9a';
const T0 = Date.parse('2026-10-30T12:00:00Z');
const XSS_URI = '/../../etc/passwd?<script>window.__pwned=1</script>';
let dir: string;
let engine: Engine;
let history: AlertHistory;
let app: FastifyInstance;
let appNoHistory: FastifyInstance;

function makeEngine(): Engine {
  const s = defaultSettings();
  const funnel = new AlertFunnel({ suppressionMs: () => 60_000 });
  return new Engine({ source: 'test.pcap', live: false, filter: '', historySize: 10, funnel, detectors: (r) => createDetectors(s, r) });
}

function feed(e: Engine): void {
  const pkts = [...synScan(T0, '203.0.113.9', '192.0.2.10', 150), ...httpGet(T0 + 2000, '198.51.100.7', '192.0.2.10', XSS_URI)].sort((a, b) => a.ts - b.ts);
  for (const p of pkts) e.handle(p);
  e.tick(T0 + 10_000);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-web-api-'));
  engine = makeEngine();
  history = new AlertHistory(path.join(dir, 'h.db'), { log: () => undefined, flushMs: 10 });
  engine.funnel.addSink(history);
  feed(engine);
  await history.flush();
  app = await buildWebApp(engine, { token: TOKEN, history });
  const other = makeEngine();
  feed(other);
  appNoHistory = await buildWebApp(other, { token: TOKEN, history: null });
});

afterAll(async () => {
  await app.close();
  await appNoHistory.close();
  await history.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}` };

describe('access token', () => {
  it('refuses every route without the token (401), and with a wrong one', async () => {
    for (const url of ['/', '/app.js', '/app.css', '/api/stats', '/api/alerts', '/api/meta', '/ws']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(401);
      expect(r.body).not.toContain('SYN_SCAN');
    }
    expect((await app.inject({ url: '/api/stats', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/stats', headers: { cookie: 'netguard_token=wrong' } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/?token=wrong' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/stats', headers: { authorization: `Basic ${TOKEN}` } })).statusCode).toBe(401);
  });

  it('accepts Authorization: Bearer', async () => {
    const r = await app.inject({ url: '/api/stats', headers: auth });
    expect(r.statusCode).toBe(200);
  });

  it('?token= on the page sets an HttpOnly cookie and redirects to the clean URL; the cookie then works', async () => {
    const r = await app.inject({ url: `/?token=${TOKEN}` });
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toBe('/');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/^netguard_token=test-token-3f9a; HttpOnly; SameSite=Strict; Path=\//);
    const page = await app.inject({ url: '/', headers: { cookie: 'netguard_token=' + TOKEN } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const api = await app.inject({ url: '/api/alerts', headers: { cookie: `other=1; netguard_token=${TOKEN}` } });
    expect(api.statusCode).toBe(200);
  });

  it('?token= is not accepted on the API (tokens stay out of API URLs and logs)', async () => {
    expect((await app.inject({ url: `/api/stats?token=${TOKEN}` })).statusCode).toBe(401);
  });
});

describe('headers and assets', () => {
  it('sends CSP default-src self and the other security headers on every response', async () => {
    for (const [url, headers] of [['/', auth], ['/api/stats', auth], ['/api/stats', {}]] as const) {
      const r = await app.inject({ url, headers });
      expect(r.headers['content-security-policy']).toMatch(/^default-src 'self'; script-src 'self'; style-src 'self'/);
      expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('the page loads only its own script and stylesheet (no CDN, no inline script, no external fonts)', async () => {
    const html = (await app.inject({ url: '/', headers: auth })).body;
    expect(html).toContain('<script type="module" src="/app.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>(?!<)/);
    const js = (await app.inject({ url: '/app.js', headers: auth })).body;
    const css = (await app.inject({ url: '/app.css', headers: auth })).body;
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    expect(css).not.toMatch(/@import|url\(/);
    expect((await app.inject({ url: '/app.js', headers: auth })).headers['content-type']).toMatch(/javascript/);
    expect((await app.inject({ url: '/../package.json', headers: auth })).statusCode).toBe(404);
  });
});

describe('/api/stats', () => {
  it('is the engine snapshot: totals, rates, protocols, connections, talkers, alerts', async () => {
    const s = (await app.inject({ url: '/api/stats', headers: auth })).json();
    const snap = engine.snapshot();
    expect(s.stats.packets).toBe(snap.stats.packets);
    expect(s.stats.packets).toBe(154);
    expect(s.stats.bytes).toBe(snap.stats.bytes);
    expect(s.stats.protocols.TCP.packets).toBe(154);
    expect(s.stats.rateHistory).toEqual(snap.stats.rateHistory);
    expect(s.topByBytes[0]).toEqual(snap.topByBytes[0]);
    expect(s.connections.length).toBe(Math.min(50, snap.connections.length));
    expect(s.alertCounts).toEqual(snap.alertCounts);
    expect(s.alerts.map((a: Alert) => a.type)).toContain('SYN_SCAN');
    expect(s.packets).toEqual(snap.packets.slice(-30));
  });
});

describe('/api/alerts', () => {
  const get = async (a: FastifyInstance, qs: string): Promise<{ source: string; alerts: Alert[] }> => {
    const r = await a.inject({ url: `/api/alerts${qs}`, headers: auth });
    expect(r.statusCode, qs).toBe(200);
    return r.json();
  };

  it('serves SQLite history when it has it, the engine\'s recent alerts otherwise', async () => {
    expect((await get(app, '')).source).toBe('history');
    expect((await get(appNoHistory, '')).source).toBe('recent');
  });

  for (const which of ['history', 'recent'] as const) {
    it(`filters by ip, type, severity, text and limit (${which})`, async () => {
      const a = which === 'history' ? app : appNoHistory;
      const all = (await get(a, '')).alerts;
      expect(all.length).toBeGreaterThanOrEqual(3);
      expect(new Set(all.map((x) => x.type))).toEqual(new Set(['SYN_SCAN', 'SUSPICIOUS_PORT', 'DIRECTORY_TRAVERSAL']));
      const byIp = (await get(a, '?ip=198.51.100.7')).alerts;
      expect(byIp.map((x) => x.type)).toEqual(['DIRECTORY_TRAVERSAL']);
      const byDst = (await get(a, '?ip=192.0.2.10')).alerts;
      expect(byDst).toHaveLength(all.length);
      expect((await get(a, '?type=SYN_SCAN')).alerts.map((x) => x.src_ip)).toEqual(['203.0.113.9']);
      expect((await get(a, '?type=syn_scan')).alerts).toHaveLength(1);
      const high = (await get(a, '?severity=HIGH')).alerts;
      expect(high.map((x) => x.type).sort()).toEqual(['DIRECTORY_TRAVERSAL', 'SYN_SCAN']);
      const q = (await get(a, '?q=passwd')).alerts;
      expect(q).toHaveLength(1);
      expect(q[0].message).toContain('<script>window.__pwned=1</script>');
      expect((await get(a, '?q=%3Cscript%3E')).alerts).toHaveLength(1);
      expect((await get(a, '?limit=1')).alerts).toHaveLength(1);
      expect((await get(a, '?type=SYN_SCAN&ip=198.51.100.7')).alerts).toEqual([]);
      expect((await get(a, '?since=2026-10-30T12:00:01Z')).alerts.map((x) => x.type)).toEqual(['DIRECTORY_TRAVERSAL']);
    });
  }

  it('bad values: 400 with a message', async () => {
    for (const [qs, msg] of [
      ['?severity=BAD', /severity/],
      ['?type=NOPE', /type/],
      ['?limit=0', /limit/],
      ['?limit=abc', /limit/],
      ['?ip=%3Cx%3E', /ip/],
      ['?since=yesterday', /since/],
    ] as const) {
      const r = await app.inject({ url: `/api/alerts${qs}`, headers: auth });
      expect(r.statusCode, qs).toBe(400);
      expect(r.json().error).toMatch(msg);
    }
  });
});

describe('/api/meta and /api/summary', () => {
  it('lists the types for the search form and summarises the history', async () => {
    const m = (await app.inject({ url: '/api/meta', headers: auth })).json();
    expect(m.types).toContain('SYN_FLOOD');
    expect(m.history).toBe(true);
    const s = (await app.inject({ url: '/api/summary', headers: auth })).json();
    expect(s.byType.map((r: { key: string }) => r.key)).toContain('SYN_SCAN');
    expect((await appNoHistory.inject({ url: '/api/summary', headers: auth })).statusCode).toBe(404);
  });
});

describe('the live WebSocket', () => {
  it('refuses the upgrade without the token and pushes stats and new alerts with it', async () => {
    const e = makeEngine();
    const srv = await startWebServer(e, { host: '127.0.0.1', port: 0, token: TOKEN, statsMs: 100 });
    try {
      const wsUrl = srv.url.replace('http', 'ws') + 'ws';
      const refused = await new Promise<string>((resolve) => {
        const ws = new WebSocket(wsUrl);
        ws.onopen = () => resolve('open');
        ws.onerror = () => resolve('error');
      });
      expect(refused).toBe('error');
      const msgs: Array<{ kind: string; alerts?: Alert[]; data?: { stats: { packets: number } } }> = [];
      const ws = new WebSocket(`${wsUrl}?token=${TOKEN}`);
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error('ws failed'));
      });
      ws.onmessage = (m) => msgs.push(JSON.parse(String(m.data)));
      feed(e);
      await new Promise((r) => setTimeout(r, 600));
      ws.close();
      const alerts = msgs.filter((m) => m.kind === 'alerts').flatMap((m) => m.alerts ?? []);
      expect(alerts.map((a) => a.type).sort()).toEqual(e.funnel.recent().map((a) => a.type).sort());
      const stats = msgs.filter((m) => m.kind === 'stats');
      expect(stats.at(-1)?.data?.stats.packets).toBe(154);
    } finally {
      await srv.close();
    }
  });

  it('startWebServer makes a random token when none is set, and reports a port in use in one line', async () => {
    const e = makeEngine();
    const a = await startWebServer(e, { host: '127.0.0.1', port: 0, token: '' });
    try {
      expect(a.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(a.loginUrl).toBe(`${a.url}?token=${a.token}`);
      expect((await fetch(a.url + 'api/stats')).status).toBe(401);
      expect((await fetch(a.url + 'api/stats', { headers: { authorization: `Bearer ${a.token}` } })).status).toBe(200);
      const port = Number(new URL(a.url).port);
      await expect(startWebServer(e, { host: '127.0.0.1', port, token: 'x' })).rejects.toThrow(`web dashboard: cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      await a.close();
    }
    const b = await startWebServer(e, { host: '127.0.0.1', port: 0, token: '' });
    expect(b.token).not.toBe(a.token);
    await b.close();
  });
});

describe('--web values', () => {
  it('defaults to 127.0.0.1:8080 and takes host:port, :port, port, host, [v6]:port', () => {
    expect(parseWebAddress(true)).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseWebAddress(undefined)).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseWebAddress('127.0.0.1:9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseWebAddress(':9001')).toEqual({ host: '127.0.0.1', port: 9001 });
    expect(parseWebAddress('9002')).toEqual({ host: '127.0.0.1', port: 9002 });
    expect(parseWebAddress('0.0.0.0:80')).toEqual({ host: '0.0.0.0', port: 80 });
    expect(parseWebAddress('[::1]:9003')).toEqual({ host: '::1', port: 9003 });
    expect(parseWebAddress('localhost')).toEqual({ host: 'localhost', port: 8080 });
    expect(parseWebAddress(true, { host: '10.1.1.1', port: 81 })).toEqual({ host: '10.1.1.1', port: 81 });
    expect(() => parseWebAddress('1.2.3.4:99999')).toThrow(/port must be 0..65535/);
    expect(() => parseWebAddress('::1:80')).toThrow(/IPv6 as \[addr\]:port/);
  });
});
