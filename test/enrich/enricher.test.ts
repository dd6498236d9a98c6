// The enrichment queue against a local VirusTotal stand-in: cache hits, the rate limit under a burst,
// 429 and 401 handling, private ranges never sent, no alert lost on errors, the key never written,
// and onAlert never waiting for the network.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Enricher, type EnricherOptions } from '../../src/enrich/enricher.js';
import { defaultSettings } from '../../src/config/schema.js';
import type { Alert } from '../../src/alert/types.js';
import { ipObject, startVtServer, vtError, type VtServer } from './vt-server.js';
import { NON_PUBLIC, PUBLIC } from './addresses.js';
import { tempDirs } from '../helpers/temp-dir.js';

const tempDir = tempDirs('ng-enrich-');

const KEY = 'vt-test-KEY-0123456789abcdef0123456789abcdef';
const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);

let dir: string;
let server: VtServer | null = null;
let enrichers: Enricher[] = [];
let clock = T0;
let logs: string[] = [];

function alert(src: string, n = 1): Alert {
  return {
    id: `${T0}-${n}`,
    timestamp: new Date(T0).toISOString(),
    type: 'SYN_SCAN',
    severity: 'HIGH',
    message: `SYN scan from ${src}`,
    src_ip: src,
    dst_ip: '10.0.0.5',
    proto: 'TCP',
    details: { ports: 120 },
    count: 1,
    last_seen: new Date(T0).toISOString(),
  };
}

function settings(over: Partial<ReturnType<typeof defaultSettings>['enrichment']> = {}): ReturnType<typeof defaultSettings>['enrichment'] {
  return {
    ...defaultSettings().enrichment,
    api_url: server?.url ?? 'http://127.0.0.1:9',
    env_file: path.join(dir, '.env'),
    output_file: path.join(dir, 'alerts_enriched.jsonl'),
    cache_file: path.join(dir, 'vt_cache.json'),
    ...over,
  };
}

function make(over: Partial<ReturnType<typeof defaultSettings>['enrichment']> = {}, opts: EnricherOptions = {}): Enricher {
  const e = new Enricher(settings(over), { now: () => clock, env: { VT_API_KEY: KEY }, log: (m) => logs.push(m), ...opts });
  enrichers.push(e);
  return e;
}

/** Lets the worker run until nothing is in flight and nothing more can start at the current clock. */
async function settle(e: Enricher): Promise<void> {
  for (let i = 0; i < 50; i++) {
    e.tick();
    await e.whenIdle();
    await new Promise((r) => setImmediate(r));
    if (e.stats().inFlight === 0) {
      const before = server?.requests.length ?? 0;
      e.tick();
      await e.whenIdle();
      if ((server?.requests.length ?? 0) === before && e.stats().inFlight === 0) return;
    }
  }
}

function lines(): Array<Alert & { enrichment: Record<string, unknown> }> {
  const f = path.join(dir, 'alerts_enriched.jsonl');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as Alert & { enrichment: Record<string, unknown> });
}

beforeEach(() => {
  dir = tempDir();
  clock = T0;
  logs = [];
});

afterEach(async () => {
  for (const e of enrichers) await e.close();
  enrichers = [];
  await server?.close();
  server = null;
});

describe('Enricher', () => {
  it('enriches a public source with last_analysis_stats, reputation, country and AS owner', async () => {
    server = await startVtServer((r) => ({ status: 200, body: ipObject(r.ip, { malicious: 7, suspicious: 1, harmless: 50, undetected: 20 }) }));
    const verdicts: Array<[string, number, number]> = [];
    const e = make({}, { onVerdict: (ip, stats, points) => verdicts.push([ip, stats.malicious, points]) });
    e.onAlert(alert('45.33.32.156'));
    await settle(e);
    await e.flush();
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].path).toBe('/api/v3/ip_addresses/45.33.32.156');
    expect(server.requests[0].apiKey).toBe(KEY);
    const [rec] = lines();
    expect(rec.type).toBe('SYN_SCAN');
    expect(rec.enrichment).toMatchObject({
      status: 'ok',
      source: 'virustotal',
      ip: '45.33.32.156',
      cached: false,
      malicious: 7,
      suspicious: 1,
      harmless: 50,
      undetected: 20,
      reputation: -7,
      country: 'NL',
      as_owner: 'EXAMPLE-AS',
    });
    // malicious 7 >= malicious_threshold 3: the reputation hook fires with reputation_points.
    expect(verdicts).toEqual([['45.33.32.156', 7, 50]]);
  });

  it('does not raise reputation for a harmless verdict', async () => {
    server = await startVtServer();
    const verdicts: string[] = [];
    const e = make({}, { onVerdict: (ip) => verdicts.push(ip) });
    e.onAlert(alert('8.8.8.8'));
    await settle(e);
    expect(server.requests).toHaveLength(1);
    expect(verdicts).toEqual([]);
  });

  it('looks each address up once: concurrent alerts coalesce, later ones hit the cache, across restarts', async () => {
    server = await startVtServer((r) => ({ status: 200, body: ipObject(r.ip), delayMs: 50 }));
    const e = make();
    for (let i = 0; i < 5; i++) e.onAlert(alert('1.1.1.1', i));
    await settle(e);
    e.onAlert(alert('1.1.1.1', 9));
    await settle(e);
    expect(server.requests).toHaveLength(1);
    expect(e.stats().cacheHits).toBe(1);
    await e.close();
    const recs = lines();
    expect(recs).toHaveLength(6);
    expect(recs.every((r) => r.enrichment.status === 'ok')).toBe(true);
    expect(recs.filter((r) => r.enrichment.cached === true)).toHaveLength(1);

    // The cache file was written atomically (no temp file left) and a restart uses it.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const again = make();
    again.onAlert(alert('1.1.1.1', 10));
    await settle(again);
    expect(server.requests).toHaveLength(1);
    // After the TTL the address is looked up again.
    clock += 86_400_000;
    again.onAlert(alert('1.1.1.1', 11));
    await settle(again);
    expect(server.requests).toHaveLength(2);
  });

  it('holds 4/minute and the daily limit under a burst of 100 alerts from 100 public addresses', async () => {
    server = await startVtServer();
    const e = make({ requests_per_minute: 4, requests_per_day: 10 });
    for (let i = 0; i < 100; i++) e.onAlert(alert(`11.0.${i >> 8}.${(i & 255) + 1}`, i));
    await settle(e);
    expect(server.requests).toHaveLength(4);
    clock += 14_000;
    await settle(e);
    expect(server.requests).toHaveLength(4);
    clock += 1_000; // 15 s: one more token
    await settle(e);
    expect(server.requests).toHaveLength(5);
    clock += 60_000;
    await settle(e);
    expect(server.requests).toHaveLength(9);
    clock += 10 * 60_000; // minute quota would allow 40 more; the day quota (10) stops at 10
    await settle(e);
    expect(server.requests).toHaveLength(10);
    clock += 3_600_000;
    await settle(e);
    expect(server.requests).toHaveLength(10);
    // Nothing sent twice, and every waiting alert is still pending, not dropped.
    expect(new Set(server.requests.map((r) => r.ip)).size).toBe(10);
    expect(e.stats().pending).toBe(90);
    await e.close();
    const recs = lines();
    expect(recs).toHaveLength(100);
    expect(recs.filter((r) => r.enrichment.status === 'ok')).toHaveLength(10);
    expect(recs.filter((r) => r.enrichment.status === 'unavailable' && String(r.enrichment.reason).startsWith('shutdown'))).toHaveLength(90);

    // The daily quota is remembered across a restart.
    const again = make({ requests_per_minute: 4, requests_per_day: 10 });
    again.onAlert(alert('12.0.0.1'));
    await settle(again);
    expect(server.requests).toHaveLength(10);
  });

  it('backs off on 429 for Retry-After seconds, then retries the same address', async () => {
    server = await startVtServer((r, n) =>
      n === 1 ? { status: 429, headers: { 'retry-after': '30' }, body: vtError('QuotaExceededError', 'Quota exceeded') } : { status: 200, body: ipObject(r.ip) },
    );
    const e = make();
    e.onAlert(alert('9.9.9.9'));
    e.onAlert(alert('1.0.0.1'));
    await settle(e);
    // Concurrency 2: both may have gone out before the 429 came back; after it nothing more goes.
    const afterFirst = server.requests.length;
    expect(e.stats().pausedUntil).toBe(T0 + 30_000);
    expect(logs.some((l) => l.includes('HTTP 429 QuotaExceededError') && l.includes('30 s'))).toBe(true);
    clock += 29_000;
    await settle(e);
    expect(server.requests.length).toBe(afterFirst);
    clock += 1_000;
    await settle(e);
    await e.close();
    const recs = lines();
    expect(recs.map((r) => r.enrichment.status).sort()).toEqual(['ok', 'ok']);
    expect(server.requests.filter((r) => r.ip === '9.9.9.9').length + server.requests.filter((r) => r.ip === '1.0.0.1').length).toBe(server.requests.length);
  });

  it('without Retry-After, a 429 pauses for a minute', async () => {
    server = await startVtServer((r, n) => (n === 1 ? { status: 429, body: vtError('TooManyRequestsError', 'slow down') } : { status: 200, body: ipObject(r.ip) }));
    const e = make({}, { concurrency: 1 });
    e.onAlert(alert('9.9.9.9'));
    await settle(e);
    expect(e.stats().pausedUntil).toBe(T0 + 60_000);
    clock += 60_000;
    await settle(e);
    expect(server.requests).toHaveLength(2);
  });

  it('disables itself on 401 with a clear message and writes the waiting alerts as unavailable', async () => {
    server = await startVtServer(() => ({ status: 401, body: vtError('WrongCredentialsError', 'Wrong API key') }));
    const e = make({}, { concurrency: 1 });
    e.onAlert(alert('8.8.4.4'));
    e.onAlert(alert('9.9.9.10'));
    e.onAlert(alert('9.9.9.10', 2));
    await settle(e);
    expect(server.requests).toHaveLength(1);
    expect(e.stats().active).toBe(false);
    expect(logs.filter((l) => l.includes('rejected the API key'))).toHaveLength(1);
    expect(logs.find((l) => l.includes('rejected'))).toContain('HTTP 401 WrongCredentialsError');
    e.onAlert(alert('8.8.8.8'));
    clock += 3_600_000;
    await settle(e);
    expect(server.requests).toHaveLength(1);
    await e.close();
    const recs = lines();
    expect(recs).toHaveLength(4);
    for (const r of recs) {
      expect(r.enrichment.status).toBe('unavailable');
      expect(String(r.enrichment.reason)).toContain('HTTP 401');
    }
  });

  it('403 disables too', async () => {
    server = await startVtServer(() => ({ status: 403, body: vtError('ForbiddenError', 'not allowed') }));
    const e = make();
    e.onAlert(alert('8.8.4.4'));
    await settle(e);
    expect(e.stats().active).toBe(false);
    expect(e.stats().offReason).toContain('HTTP 403 ForbiddenError');
  });

  it('never sends private, loopback, link-local, CGNAT, multicast, reserved or documentation addresses', async () => {
    server = await startVtServer();
    const e = make();
    NON_PUBLIC.forEach((ip, i) => e.onAlert(alert(ip, i)));
    await settle(e);
    expect(server.requests).toEqual([]);
    PUBLIC.forEach((ip, i) => e.onAlert(alert(ip, 100 + i)));
    clock += 3_600_000 * 24;
    for (let i = 0; i < 10; i++) {
      clock += 60_000;
      await settle(e);
    }
    expect(server.requests.map((r) => r.ip).sort()).toEqual([...PUBLIC].sort());
    await e.close();
    const recs = lines();
    const skipped = recs.filter((r) => r.enrichment.status === 'skipped');
    expect(skipped).toHaveLength(NON_PUBLIC.length);
    expect(skipped.find((r) => r.src_ip === '172.20.1.1')?.enrichment.reason).toContain('172.16.0.0/12');
  });

  it('retries server errors and dropped connections with backoff, and writes the alert even when it gives up', async () => {
    let fails = 0;
    server = await startVtServer((r) => {
      if (r.ip === '2.2.2.2') return { destroy: true };
      if (r.ip === '3.3.3.3' && fails++ < 2) return { status: 503, body: vtError('TransientError', 'try again') };
      return { status: 200, body: ipObject(r.ip) };
    });
    const e = make({ max_retries: 2, retry_backoff: 10, requests_per_minute: 60 });
    e.onAlert(alert('2.2.2.2'));
    e.onAlert(alert('3.3.3.3'));
    await settle(e);
    expect(server.requests).toHaveLength(2);
    clock += 9_000;
    await settle(e);
    expect(server.requests).toHaveLength(2); // backoff 10 s not over
    clock += 1_000;
    await settle(e);
    expect(server.requests).toHaveLength(4);
    clock += 20_000; // second backoff doubles to 20 s
    await settle(e);
    expect(server.requests).toHaveLength(6);
    await e.flush();
    const recs = lines();
    const byIp = Object.fromEntries(recs.map((r) => [r.src_ip, r.enrichment]));
    expect(byIp['3.3.3.3']).toMatchObject({ status: 'ok' });
    expect(byIp['2.2.2.2']).toMatchObject({ status: 'unavailable' });
    expect(String(byIp['2.2.2.2'].reason)).toMatch(/network error .*gave up after 3 attempts/);
  });

  it('treats a timeout as retryable and flushes a waiting alert at shutdown', async () => {
    server = await startVtServer(() => ({ status: 200, body: ipObject('4.4.4.4'), delayMs: 2_000 }));
    const e = make({ timeout: 0.1 });
    e.onAlert(alert('4.4.4.4'));
    await settle(e);
    expect(server.requests).toHaveLength(1);
    await e.close();
    const [rec] = lines();
    expect(rec.enrichment.status).toBe('unavailable');
    expect(String(rec.enrichment.reason)).toContain('shutdown before the lookup finished (last error: timeout');
  });

  it('with no key: says so once, sends nothing, still writes every alert', async () => {
    server = await startVtServer();
    const e = make({}, { env: {} });
    e.onAlert(alert('8.8.8.8'));
    e.onAlert(alert('1.1.1.1'));
    await settle(e);
    await e.close();
    expect(server.requests).toEqual([]);
    expect(logs.filter((l) => l.includes('enrichment is off: no VT_API_KEY'))).toHaveLength(1);
    expect(lines().map((r) => r.enrichment)).toEqual([
      { status: 'unavailable', reason: 'no VT_API_KEY' },
      { status: 'unavailable', reason: 'no VT_API_KEY' },
    ]);
  });

  it('reads the key from the .env file and never writes it to any file or message', async () => {
    server = await startVtServer((r, n) => (n === 2 ? { status: 401, body: vtError('WrongCredentialsError', 'Wrong API key') } : { status: 200, body: ipObject(r.ip, { malicious: 5 }) }));
    writeFileSync(path.join(dir, '.env'), `VT_API_KEY="${KEY}"\n`);
    const e = make({}, { env: {}, concurrency: 1 });
    e.onAlert(alert('8.8.8.8'));
    await settle(e);
    e.onAlert(alert('1.1.1.1'));
    await settle(e);
    e.onAlert(alert('9.9.9.9'));
    await e.close();
    expect(server.requests.map((r) => r.apiKey)).toEqual([KEY, KEY]);
    expect(logs.some((l) => l.includes('.env'))).toBe(true);
    for (const f of readdirSync(dir)) {
      if (f === '.env') continue;
      expect(readFileSync(path.join(dir, f), 'utf8')).not.toContain(KEY.slice(8));
    }
    expect(logs.join('\n')).not.toContain(KEY.slice(8));
    expect(lines()).toHaveLength(3);
  });

  it('onAlert returns at once while lookups take 5 seconds (100 alerts, 100 addresses)', async () => {
    server = await startVtServer((r) => ({ status: 200, body: ipObject(r.ip), delayMs: 5_000 }));
    const e = make({ requests_per_minute: 1000 }, { concurrency: 4 });
    e.onAlert(alert('8.8.8.8', 0)); // warm up the code path
    const times: number[] = [];
    for (let i = 1; i <= 100; i++) {
      const a = alert(`13.0.0.${i}`, i);
      const t = performance.now();
      e.onAlert(a);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const median = times[50];
    const p99 = times[98];
    // Well under a millisecond each: the call only files the alert.
    expect(median).toBeLessThan(0.1);
    expect(p99).toBeLessThan(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(e.stats().inFlight).toBe(4); // the lookups are running behind the caller's back
    expect(e.stats().pending).toBe(101);
    await e.close();
    expect(lines()).toHaveLength(101);
  });
});
