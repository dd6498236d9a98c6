// EVE lines through a real redis-server (Debian package, started by this test on 127.0.0.1 with its own
// port and directory): the four Suricata modes as Redis sees them, records held while Redis is away and
// sent in order when it is back, and the console's stream reader storing each entry once, acknowledging
// only what it stored, picking up its own unacknowledged entries after a crash.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { EveRedisTransport, type EveRedisSettings } from '../../src/alert/sinks/eve-redis.js';
import { defaultSettings } from '../../src/config/schema.js';
import { AlertHistory } from '../../src/history/index.js';
import { StreamReader, entryToRecord } from '../../src/console/index.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let dir: string;
let client: Redis;

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(path.join(tmpdir(), 'ng-redis-rt-'));
  client = new Redis({ port: redis.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: null });
  // While the test stops the server this client reconnects quietly.
  client.on('error', () => undefined);
  await client.connect();
}, 30_000);

afterAll(async () => {
  client?.disconnect();
  await redis?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cfg(over: Partial<EveRedisSettings>): EveRedisSettings {
  return { ...defaultSettings().outputs.eve.redis, server: '127.0.0.1', port: redis.port, spool_file: path.join(dir, `spool-${Math.random()}`), ...over };
}

const rec = (i: number, host = 's1'): string => JSON.stringify({ timestamp: '2026-12-05T16:00:00.000000+0000', event_type: 'flow', n: i, host });
const silent = (): void => undefined;

async function transport(c: EveRedisSettings, log: (m: string) => void = silent): Promise<EveRedisTransport> {
  const t = new EveRedisTransport(c, 's1', { log });
  await vi.waitFor(() => expect(t.client.status).toBe('ready'), { timeout: 5000 });
  return t;
}

describe('EVE into Redis (Suricata modes)', () => {
  it('list (LPUSH): newest at the head, so the list read backwards is the order written', async () => {
    const t = await transport(cfg({ mode: 'list', key: 'k-list' }));
    for (let i = 0; i < 20; i++) t.push(rec(i));
    const st = await t.close(silent);
    expect(st).toMatchObject({ sent: 20, dropped: 0 });
    expect((await client.lrange('k-list', 0, -1)).reverse()).toEqual(Array.from({ length: 20 }, (_, i) => rec(i)));
  });

  it('rpush: the list in order written', async () => {
    const t = await transport(cfg({ mode: 'rpush', key: 'k-rpush' }));
    for (let i = 0; i < 20; i++) t.push(rec(i));
    await t.close(silent);
    expect(await client.lrange('k-rpush', 0, -1)).toEqual(Array.from({ length: 20 }, (_, i) => rec(i)));
  });

  it('channel (PUBLISH): a subscriber gets every record in order', async () => {
    const sub = new Redis({ port: redis.port, host: '127.0.0.1' });
    const got: string[] = [];
    sub.on('message', (_ch: string, m: string) => got.push(m));
    await sub.subscribe('k-chan');
    const t = await transport(cfg({ mode: 'channel', key: 'k-chan' }));
    for (let i = 0; i < 20; i++) t.push(rec(i));
    await t.close(silent);
    await vi.waitFor(() => expect(got).toHaveLength(20));
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => rec(i)));
    sub.disconnect();
  });

  it('stream (XADD field "eve"), trimmed near stream_maxlen', async () => {
    const t = await transport(cfg({ mode: 'stream', key: 'k-stream', stream_maxlen: 0 }));
    for (let i = 0; i < 20; i++) t.push(rec(i));
    await t.close(silent);
    const entries = await client.xrange('k-stream', '-', '+');
    expect(entries.map(([, f]) => f)).toEqual(Array.from({ length: 20 }, (_, i) => ['eve', rec(i)]));
  });

  it('holds records while Redis is stopped and sends them, in order, when it is back', async () => {
    const said: string[] = [];
    const t0 = Date.now();
    const t = await transport(cfg({ mode: 'rpush', key: 'k-away', max_queue: 50 }), (m) => said.push(`${Date.now() - t0} ${m}`));
    for (let i = 0; i < 10; i++) t.push(rec(i));
    await vi.waitFor(() => expect(t.queue.stats.sent).toBe(10));
    await redis.stop();
    // Ten at a time, as packets come in batches; the queue's loops finish between batches.
    for (let i = 10; i < 400; i++) {
      t.push(rec(i));
      if (i % 10 === 0) await t.queue.settled();
    }
    await vi.waitFor(() => expect(t.queue.stats.spooled).toBeGreaterThan(0));
    await redis.start();
    await vi.waitFor(() => expect(t.queue.stats.sent).toBe(400), { timeout: 15_000 });
    expect(t.queue.stats.dropped).toBe(0);
    await t.close(silent);
    expect(await client.lrange('k-away', 0, -1)).toEqual(Array.from({ length: 400 }, (_, i) => rec(i)));
    expect(said.some((m) => m.includes('server unreachable: holding records'))).toBe(true);
    expect(said.some((m) => / server reachable again: sending \d+ queued records and \d+ spooled bytes in order$/.test(m)), said.join('\n')).toBe(true);
  }, 40_000);
});

describe('console stream reader', () => {
  it('stores every entry once, acknowledges them, and a restart after a crash finishes without duplicates', async () => {
    const key = 'k-reader';
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await client.xadd(key, '*', 'eve', rec(i, `s${i % 3}`))) as string);
    const db = path.join(dir, 'console.db');
    // A console that read 20 entries, stored the first 12 and died before acknowledging any.
    await client.xgroup('CREATE', key, 'g', '0');
    const first = (await client.xreadgroup('GROUP', 'g', 'c1', 'COUNT', 20, 'STREAMS', key, '>')) as [string, [string, string[]][]][];
    expect(first[0][1]).toHaveLength(20);
    const h1 = new AlertHistory(db, { log: silent });
    h1.storeRemote(first[0][1].slice(0, 12).map(([id, f]) => entryToRecord(key, id, f[1], 'unknown')));
    await h1.close();

    const h2 = new AlertHistory(db, { log: silent });
    const r = new StreamReader({ host: '127.0.0.1', port: redis.port, key }, h2, { group: 'g', consumer: 'c1', batch: 7, blockMs: 100, log: silent });
    await r.open();
    const running = r.run();
    await vi.waitFor(() => expect(r.stats.acked).toBe(30), { timeout: 10_000 });
    await r.stop();
    await running;
    expect(r.stats).toMatchObject({ stored: 18, duplicates: 12, acked: 30 });
    expect(h2.recordCounts()).toEqual([
      { sensor: 's0', event_type: 'flow', count: 10 },
      { sensor: 's1', event_type: 'flow', count: 10 },
      { sensor: 's2', event_type: 'flow', count: 10 },
    ]);
    await h2.close();
    const pending = (await client.xpending(key, 'g')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  }, 30_000);
});

describe('console stream reader opening while Redis is away', () => {
  it('waits for a Redis that is down at start (or a restart), says so once, then stores what the stream holds', async () => {
    const key = 'k-open-late';
    for (let i = 0; i < 5; i++) await client.xadd(key, '*', 'eve', rec(i, 's9'));
    await redis.stop();
    const said: string[] = [];
    const h = new AlertHistory(path.join(dir, 'late.db'), { log: silent });
    const r = new StreamReader({ host: '127.0.0.1', port: redis.port, key }, h, { group: 'g-late', consumer: 'c1', blockMs: 100, log: (m) => said.push(m) });
    const opening = r.open();
    // Still waiting after two seconds of a refused connection: it did not give up.
    const early = await Promise.race([opening.then(() => 'opened'), new Promise((res) => setTimeout(() => res('waiting'), 2000))]);
    expect(early).toBe('waiting');
    await redis.start();
    await opening;
    const running = r.run();
    await vi.waitFor(() => expect(r.stats.acked).toBe(5), { timeout: 15_000 });
    await r.stop();
    await running;
    expect(r.stats).toMatchObject({ stored: 5, duplicates: 0, acked: 5 });
    expect(said.filter((m) => m.includes('(retrying)')).length).toBeGreaterThanOrEqual(1);
    expect(said.some((m) => /ECONNREFUSED|Connection is closed/.test(m)), said.join('\n')).toBe(true);
    await h.close();
  }, 40_000);
});
