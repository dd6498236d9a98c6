// The EVE-to-Redis hand-off queue: a bounded memory queue, then a bounded spool file, sent oldest first
// when the server is back; what fits in neither is dropped and counted. The server here is a function that
// takes lines (or refuses them), so every interleaving is driven by the test.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SpoolQueue } from '../../src/alert/sinks/spool-queue.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-spool-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A server that is up or down at the test's word and keeps what it took, in order. */
function fakeServer() {
  const s = {
    up: true,
    got: [] as string[],
    sends: 0,
    /** Fail this many sends even while up (a connection that drops mid-batch). */
    failNext: 0,
    async send(lines: string[]): Promise<void> {
      s.sends++;
      await new Promise((r) => setImmediate(r));
      if (!s.up) throw new Error('connection closed');
      if (s.failNext > 0) {
        s.failNext--;
        throw new Error('connection reset');
      }
      s.got.push(...lines);
    },
  };
  return s;
}

const line = (i: number): string => JSON.stringify({ n: i, pad: 'x'.repeat(20) });
const lines = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, k) => line(from + k));

function queue(server: ReturnType<typeof fakeServer>, o: { maxQueue?: number; spoolMaxBytes?: number; batch?: number; log?: (m: string) => void } = {}) {
  return new SpoolQueue({
    maxQueue: o.maxQueue ?? 100,
    spoolFile: path.join(dir, 'eve.spool'),
    spoolMaxBytes: o.spoolMaxBytes ?? 1 << 20,
    batch: o.batch ?? 10,
    send: (l) => server.send(l),
    isUp: () => server.up,
    log: o.log,
  });
}

/** Pushes lines in chunks, letting the queue's loops finish between them (as packets arrive between batches). */
async function pushAll(q: SpoolQueue, all: string[], chunk = 5): Promise<void> {
  for (let i = 0; i < all.length; i += chunk) {
    for (const l of all.slice(i, i + chunk)) q.push(l);
    await q.settled();
  }
}

describe('SpoolQueue', () => {
  it('sends every line in order while the server is up, in batches of `batch`', async () => {
    const srv = fakeServer();
    const q = queue(srv, { batch: 10 });
    await pushAll(q, lines(0, 95));
    await vi.waitFor(() => expect(srv.got).toHaveLength(95));
    expect(srv.got).toEqual(lines(0, 95));
    expect(q.stats).toMatchObject({ sent: 95, spooled: 0, dropped: 0, queued: 0, spoolBytes: 0 });
    expect(existsSync(path.join(dir, 'eve.spool'))).toBe(false);
  });

  it('holds up to half the memory queue while the server is down, then spools the oldest; all go in order when it is back', async () => {
    const srv = fakeServer();
    const said: string[] = [];
    const q = queue(srv, { maxQueue: 40, log: (m) => said.push(m) });
    srv.up = false;
    await pushAll(q, lines(0, 300));
    await vi.waitFor(() => expect(q.stats.spooled).toBeGreaterThan(0));
    const st = q.stats;
    expect(st.queued).toBeLessThanOrEqual(40);
    expect(st.spooled + st.queued).toBe(300);
    expect(st.dropped).toBe(0);
    // The spool holds the oldest lines, in order, one per line.
    const spool = readFileSync(path.join(dir, 'eve.spool'), 'utf8').trimEnd().split('\n');
    expect(spool).toEqual(lines(0, spool.length));
    expect(said.some((m) => m.startsWith('server unreachable'))).toBe(true);

    srv.up = true;
    q.schedule();
    await vi.waitFor(() => expect(srv.got).toHaveLength(300));
    expect(srv.got).toEqual(lines(0, 300));
    expect(q.stats).toMatchObject({ sent: 300, dropped: 0, queued: 0, spoolBytes: 0 });
    // Sent spool is emptied, not left to be sent twice.
    expect(statSync(path.join(dir, 'eve.spool')).size).toBe(0);
    expect(said.some((m) => m.startsWith('server reachable again'))).toBe(true);
  });

  it('drops and counts what fits in neither memory nor the spool, keeping the oldest, and says so', async () => {
    const srv = fakeServer();
    const said: string[] = [];
    const per = Buffer.byteLength(line(100)) + 1;
    // Room for exactly 50 lines of the spool (all test lines from 100 up have the same length).
    const q = queue(srv, { maxQueue: 20, spoolMaxBytes: per * 50, log: (m) => said.push(m) });
    srv.up = false;
    const all = lines(100, 400);
    await pushAll(q, all, 2);
    await vi.waitFor(() => expect(q.stats.spooled).toBe(50));
    const st = q.stats;
    expect(st.queued).toBe(20);
    expect(st.dropped).toBe(300 - 50 - 20);
    expect(said.filter((m) => m.includes('are full: dropping new records'))).toHaveLength(1);

    srv.up = true;
    q.schedule();
    await vi.waitFor(() => expect(srv.got).toHaveLength(70));
    // The oldest 70 arrive, in order; the newest 230 are the dropped ones.
    expect(srv.got).toEqual(all.slice(0, 70));
    expect(q.stats).toMatchObject({ sent: 70, dropped: 230 });
    expect(said.some((m) => m.includes('230 records were dropped while it was away'))).toBe(true);
  });

  it('drops new lines when memory is full even with the server up, and counts them (push never waits)', async () => {
    const srv = fakeServer();
    const q = queue(srv, { maxQueue: 10 });
    // One synchronous burst: the loop cannot run in between.
    for (const l of lines(0, 25)) q.push(l);
    expect(q.stats).toMatchObject({ queued: 10, dropped: 15 });
    await vi.waitFor(() => expect(srv.got).toHaveLength(10));
    expect(srv.got).toEqual(lines(0, 10));
  });

  it('keeps spilling while a send hangs (the server went away mid-send), and the hung batch is resent first', async () => {
    const srv = fakeServer();
    let release: (() => void) | null = null;
    let hung = true;
    const got: string[] = [];
    const q = new SpoolQueue({
      maxQueue: 20,
      spoolFile: path.join(dir, 'eve.spool'),
      spoolMaxBytes: 1 << 20,
      batch: 5,
      isUp: () => srv.up,
      send: async (l) => {
        if (hung) {
          hung = false;
          await new Promise<void>((r) => (release = r));
          throw new Error('command timed out');
        }
        got.push(...l);
      },
    });
    q.push(line(0));
    await vi.waitFor(() => expect(release).not.toBeNull());
    srv.up = false;
    // Memory (20) would overflow without the spill making room while the first send hangs.
    for (let i = 1; i < 200; i += 5) {
      for (const l of lines(i, Math.min(i + 5, 200))) q.push(l);
      await vi.waitFor(() => expect(q.stats.queued).toBeLessThan(15));
    }
    expect(q.stats.spooled).toBeGreaterThan(180);
    expect(q.stats.dropped).toBe(0);
    (release as unknown as () => void)();
    srv.up = true;
    await new Promise((r) => setTimeout(r, 10));
    q.schedule();
    await vi.waitFor(() => expect(got).toHaveLength(200));
    expect(got).toEqual(lines(0, 200));
  });

  it('resends a batch that failed, from its first line, and nothing twice', async () => {
    const srv = fakeServer();
    const q = queue(srv, { batch: 7 });
    srv.failNext = 2;
    await pushAll(q, lines(0, 30));
    await vi.waitFor(() => expect(srv.got).toHaveLength(30));
    expect(srv.got).toEqual(lines(0, 30));
    expect(srv.sends).toBeGreaterThan(Math.ceil(30 / 7));
  });

  it('resends from the first unsent spool line when the server drops while the spool is sent', async () => {
    const srv = fakeServer();
    const q = queue(srv, { maxQueue: 10, batch: 4 });
    srv.up = false;
    await pushAll(q, lines(0, 60), 1);
    await vi.waitFor(() => expect(q.stats.spooled).toBeGreaterThanOrEqual(50));
    srv.up = true;
    srv.failNext = 1;
    q.schedule();
    // The failure marks it down; the connection's next "ready" schedules the loop again.
    await new Promise((r) => setTimeout(r, 20));
    q.schedule();
    await vi.waitFor(() => expect(srv.got).toHaveLength(60));
    expect(srv.got).toEqual(lines(0, 60));
  });

  it('drain() with the server away moves memory to the spool; the next run sends that spool first', async () => {
    const srv = fakeServer();
    const said: string[] = [];
    const q1 = queue(srv, { maxQueue: 1000 });
    srv.up = false;
    await pushAll(q1, lines(0, 30));
    const st = await q1.drain(Date.now() + 200);
    expect(st).toMatchObject({ queued: 0, dropped: 0, spooled: 30 });
    expect(st.spoolBytes).toBe(statSync(path.join(dir, 'eve.spool')).size);

    srv.up = true;
    const q2 = queue(srv, { maxQueue: 1000, log: (m) => said.push(m) });
    q2.push(line(30));
    await vi.waitFor(() => expect(srv.got).toHaveLength(31));
    expect(srv.got).toEqual(lines(0, 31));
    expect(said[0]).toMatch(/bytes spooled by an earlier run will be sent first$/);
  });

  it('drain() sends everything while the server is up and reports the totals', async () => {
    const srv = fakeServer();
    const q = queue(srv);
    for (const l of lines(0, 50)) q.push(l);
    const st = await q.drain(Date.now() + 5000);
    expect(st).toMatchObject({ sent: 50, queued: 0, dropped: 0, spoolBytes: 0 });
    expect(srv.got).toEqual(lines(0, 50));
  });

  it('a torn last spool line (a run killed mid-append) is not sent; the whole lines before it are', async () => {
    const srv = fakeServer();
    writeFileSync(path.join(dir, 'eve.spool'), `${line(0)}\n${line(1)}\n{"n":2,"pa`);
    const q = queue(srv);
    q.push(line(3));
    await vi.waitFor(() => expect(srv.got).toHaveLength(3));
    expect(srv.got).toEqual([line(0), line(1), line(3)]);
  });
});
