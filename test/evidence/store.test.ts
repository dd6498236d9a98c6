// The evidence store: the frame ring keeps exact bytes and evicts oldest first within its arena; an
// alert gets the packets of its episode (from before it was raised too) and its flows; and under a
// 1 M-source SYN flood every budget holds (per alert, in total, number of alerts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertFunnel } from '../../src/alert/funnel.js';
import { openFile, type RawPacket } from '../../src/capture/index.js';
import { defaultSettings } from '../../src/config/schema.js';
import { createDetectors } from '../../src/detect/index.js';
import { Engine } from '../../src/engine/index.js';
import { EvidenceStore, FrameRing, type EvidenceOptions } from '../../src/evidence/index.js';
import { LookbackIndex } from '../../src/evidence/lookback-index.js';
import { generateSynFlood } from '../../bench/traffic-gen.js';
import { httpGet, synScan, tcpFrame } from '../web/frames.js';
import type { Alert } from '../../src/alert/types.js';
import { decodePacket, Packet } from '../../src/decode/index.js';

const T0 = Date.parse('2026-10-30T12:00:00Z');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-evidence-store-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function raw(bytes: Uint8Array, ts: number): RawPacket {
  return { ts, caplen: bytes.length, len: bytes.length, linkType: 1, data: bytes, off: 0, ifIndex: 0 };
}

function options(o: Partial<EvidenceOptions> = {}): EvidenceOptions {
  return {
    lookbackPackets: 1000,
    lookbackBytes: 1 << 20,
    lookbackMs: 120_000,
    perAlertPackets: 1000,
    perAlertBytes: 1 << 20,
    totalBytes: 4 << 20,
    maxAlerts: 100,
    fileIndexPerAlert: 1000,
    fileIndexTotal: 10_000,
    flowsPerAlert: 100,
    holdMs: () => 60_000,
    sourceFile: null,
    ...o,
  };
}

function engineWith(store: EvidenceStore): Engine {
  const s = defaultSettings();
  const funnel = new AlertFunnel({ suppressionMs: () => 60_000 });
  return new Engine({ source: 'test', live: false, filter: '', historySize: 10, funnel, detectors: (r) => createDetectors(s, r), evidence: store });
}

describe('FrameRing', () => {
  it('holds exact copies, oldest evicted first, never more bytes than its arena', () => {
    const evicted: number[] = [];
    const ring = new FrameRing(10_000, 64, (owner) => evicted.push(owner));
    let seed = 7;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const all: Uint8Array[] = [];
    for (let i = 0; i < 2000; i++) {
      const len = 1 + Math.floor(rnd() * (i % 10 === 0 ? 1500 : 200));
      const b = new Uint8Array(len).map(() => Math.floor(rnd() * 256));
      all.push(b);
      ring.add(raw(b, i), i + 1, i, 0, 0);
      expect(ring.bytesHeld).toBeLessThanOrEqual(10_000);
      expect(ring.size).toBeLessThanOrEqual(64);
      // The held records are the newest ones, in order, byte for byte.
      const first = i + 1 - ring.size;
      for (let k = 0; k < ring.size; k++) {
        const r = ring.at(k);
        expect(ring.owner[r]).toBe(first + k);
        expect(Buffer.from(ring.arena.subarray(ring.off[r], ring.off[r] + ring.caplen[r])).equals(Buffer.from(all[first + k]))).toBe(true);
      }
    }
    // Evictions came oldest first.
    expect(evicted).toEqual(evicted.slice().sort((a, b) => a - b));
    expect(evicted.length + ring.size).toBe(2000);
  });

  it('grows its arena and record tables up to its sizes, keeping and evicting what its sizes say', () => {
    // 3 MiB and 20,000 records: more than a ring starts with of either. A model of the eviction rule,
    // which knows only the sizes, says which frames are held and where; the bytes must be the frames'.
    const arenaSize = 3 << 20;
    const capacity = 20_000;
    const ring = new FrameRing(arenaSize, capacity);
    expect(ring.arena.length).toBeLessThan(arenaSize);
    expect(ring.off.length).toBeLessThan(capacity);
    const model: { owner: number; off: number; cap: number }[] = [];
    let write = 0;
    let seed = 11;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pool = new Uint8Array(1 << 16).map(() => Math.floor(rnd() * 256));
    const all: Uint8Array[] = [];
    let grewArena = 0;
    let grewRecords = 0;
    for (let i = 0; i < 60_000; i++) {
      // Mostly small frames (the record table fills first), then runs of large ones (the arena does).
      const len = 1 + Math.floor(rnd() * ((i >> 12) % 2 === 0 ? 120 : 1514));
      const at = Math.floor(rnd() * (pool.length - len));
      const b = pool.subarray(at, at + len);
      all.push(b);
      const arenaBefore = ring.arena.length;
      const recordsBefore = ring.off.length;
      const r = ring.add(raw(b, i), i + 1, i, 0, 0);
      if (ring.arena.length !== arenaBefore) grewArena++;
      if (ring.off.length !== recordsBefore) grewRecords++;
      if (model.length === capacity) model.shift();
      let w = write;
      let tail = arenaSize + 1;
      if (w + len > arenaSize) {
        tail = w;
        w = 0;
      }
      while (model.length > 0 && (model[0].off >= tail || (model[0].off < w + len && model[0].off + model[0].cap > w))) model.shift();
      model.push({ owner: i, off: w, cap: len });
      write = w + len;
      if (ring.off[r] !== w || ring.size !== model.length) expect([i, ring.off[r], ring.size]).toEqual([i, w, model.length]);
      if (i % 4999 === 0 || i === 59_999) {
        let wrong = 0;
        for (let k = 0; k < ring.size; k++) {
          const rk = ring.at(k);
          const m = model[k];
          const bytes = ring.arena.subarray(ring.off[rk], ring.off[rk] + ring.caplen[rk]);
          if (ring.owner[rk] !== m.owner || ring.off[rk] !== m.off || !Buffer.from(bytes).equals(Buffer.from(all[m.owner]))) wrong++;
        }
        expect(wrong, `after frame ${i}`).toBe(0);
      }
    }
    expect(grewArena).toBeGreaterThan(0);
    expect(grewRecords).toBeGreaterThan(0);
    expect(ring.arena.length).toBe(arenaSize);
    expect(ring.off.length).toBe(capacity);
    expect(ring.evictions + ring.size).toBe(60_000);
  });

  it('copies every 64-bit NaN pattern exactly, from any offset of two alternating buffers, across wrap-arounds', () => {
    // The copy moves 8 bytes at a time as float64 words: signalling and quiet NaNs with payloads, both
    // signs, infinities and -0 must come out bit for bit, at every alignment, cold and once optimized.
    const patterns = [0x7ff0000000000001n, 0x7ff4000000000000n, 0xfff0000000000001n, 0x7ff8000000000001n, 0xfff8000000000000n, 0x7fffffffffffffffn, 0xffffffffffffffffn, 0x7ff0000000000000n, 0x8000000000000000n, 1n];
    const buffers = [new Uint8Array(4096), new Uint8Array(3000)];
    for (const b of buffers) {
      const dv = new DataView(b.buffer);
      for (let i = 0; i + 8 <= b.length; i += 8) dv.setBigUint64(i, patterns[(i >> 3) % patterns.length], i % 16 === 0);
      for (let i = 5; i < b.length; i += 13) b[i] ^= 0xa5;
    }
    const ring = new FrameRing(5000, 4096);
    let copies = 0;
    for (let round = 0; round < 40; round++) {
      for (let off = 0; off < 16; off++) {
        for (const len of [1, 7, 8, 15, 16, 17, 31, 33, 64, 255, 1514]) {
          const src = buffers[(round + off) % 2];
          const r = ring.add({ ts: 1, caplen: len, len, linkType: 1, data: src, off: off + round, ifIndex: 0 }, 1, 0, 0, 0);
          const got = ring.arena.subarray(ring.off[r], ring.off[r] + len);
          expect(Buffer.from(got).equals(Buffer.from(src.subarray(off + round, off + round + len))), `round ${round} off ${off} len ${len}`).toBe(true);
          copies++;
        }
      }
    }
    // The arena (5,000 bytes) wrapped many times over the 7,040 copies.
    expect(copies).toBe(40 * 16 * 11);
    expect(ring.evictions).toBeGreaterThan(6000);
  });

  it('gives back frame numbers, times and file offsets as stored, small or beyond 32 bits', () => {
    const ring = new FrameRing(4096, 8);
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const cases = [
      { n: 1, tsSec: 1_700_000_000, tsNsec: 123_456_000, fileOffset: 24 },
      { n: 2 ** 31 + 5, tsSec: 2 ** 32 + 1, tsNsec: 999_999_999, fileOffset: 5 * 2 ** 30 },
    ];
    for (const c of cases) {
      const ts = c.tsSec * 1000 + c.tsNsec / 1e6;
      const r = ring.add({ ...raw(bytes, ts), tsSec: c.tsSec, tsNsec: c.tsNsec, fileOffset: c.fileOffset }, c.n, 0, 0, 0);
      expect(ring.frameNumber(r)).toBe(c.n);
      const back = ring.rawOf(r, false);
      expect([back.ts, back.tsSec, back.tsNsec, back.fileOffset]).toEqual([ts, c.tsSec, c.tsNsec, c.fileOffset]);
      expect(Array.from(back.data)).toEqual([1, 2, 3, 4]);
    }
  });
});

describe('EvidenceStore', () => {
  it("a scan's alert gets its probes from before it was raised and the answers after, and its flows", () => {
    const store = new EvidenceStore(options());
    const e = engineWith(store);
    const frames = synScan(T0, '203.0.113.9', '192.0.2.10', 150);
    // Unrelated traffic in between must not be kept.
    const other = httpGet(T0 + 1, '198.51.100.7', '192.0.2.20', '/index.html');
    for (const p of [...frames, ...other].sort((a, b) => a.ts - b.ts)) e.handle(p);
    const scan = e.funnel.recent().find((a) => a.type === 'SYN_SCAN');
    expect(scan).toBeDefined();
    const v = e.alertEvidence(scan!.id)!;
    expect(v.fromLookback).toBeGreaterThan(0);
    expect(v.seen).toBe(frames.length);
    expect(v.kept).toBe(frames.length);
    expect(v.packets.every((l) => [l.src, l.dst].sort().join() === ['192.0.2.10', '203.0.113.9'].sort().join())).toBe(true);
    // In capture order.
    expect(v.packets.map((l) => l.n)).toEqual(v.packets.map((l) => l.n).slice().sort((a, b) => a - b));
    // 150 probed ports are 150 flows; flows_per_alert (100 here) bounds the list.
    expect(v.flows.length).toBe(100);
    expect(v.flowsDropped).toBe(50);
    const f = v.flows[0];
    expect(f.src).toBe('203.0.113.9');
    expect(f.proto).toBe('TCP');
    expect(f.community_id).toMatch(/^1:/);
    expect(f.flow_id).toBeGreaterThan(0);
  });

  it('per-alert budget keeps the first packets; the episode closes after its hold time', () => {
    const closed: string[] = [];
    const store = new EvidenceStore(options({ perAlertPackets: 10, onClose: (ev) => closed.push(ev.id) }));
    const e = engineWith(store);
    for (const p of synScan(T0, '203.0.113.9', '192.0.2.10', 150)) e.handle(p);
    const scan = e.funnel.recent().find((a) => a.type === 'SYN_SCAN')!;
    const v = e.alertEvidence(scan.id)!;
    expect(v.kept).toBe(10);
    expect(v.overBudget).toBe(v.seen - 10);
    expect(v.packets[0].n).toBe(1);
    expect(v.open).toBe(true);
    e.tick(T0 + 200_000);
    expect(e.alertEvidence(scan.id)!.open).toBe(false);
    expect(closed).toContain(scan.id);
  });

  it('under a 1 M-source SYN flood every budget holds', async () => {
    const file = path.join(dir, 'flood.pcap');
    const gen = generateSynFlood(file, 1_000_000);
    const total = 2 << 20;
    const perAlert = 500;
    const store = new EvidenceStore(options({ totalBytes: total, perAlertPackets: perAlert, perAlertBytes: 64 << 10, maxAlerts: 50, lookbackBytes: 1 << 20, lookbackPackets: 5000, fileIndexPerAlert: 100_000, fileIndexTotal: 200_000, sourceFile: file }));
    const e = engineWith(store);
    let maxKept = 0;
    let n = 0;
    await openFile(file).run((r) => {
      e.handle(r);
      if (++n % 100_000 === 0) maxKept = Math.max(maxKept, store.bytesKept);
    });
    expect(n).toBe(gen.packets);
    maxKept = Math.max(maxKept, store.bytesKept);
    expect(maxKept).toBeLessThanOrEqual(total);
    expect(store.alertCount).toBeLessThanOrEqual(50);
    const flood = e.funnel.recent().find((a) => a.type === 'SYN_FLOOD');
    expect(flood).toBeDefined();
    const v = e.alertEvidence(flood!.id);
    expect(v).not.toBeNull();
    // A sample: the alert's own budget, though it saw far more.
    expect(v!.kept + v!.evicted).toBeLessThanOrEqual(perAlert);
    expect(v!.bytes).toBeLessThanOrEqual(64 << 10);
    expect(v!.seen).toBeGreaterThan(1_000_000);
    expect(v!.indexed).toBeLessThanOrEqual(100_000);
    expect(v!.complete).toBe(false);
    for (const a of e.funnel.recent()) {
      const ev = e.alertEvidence(a.id);
      if (ev) expect(ev.kept + ev.evicted).toBeLessThanOrEqual(perAlert);
    }
    // The arenas were sized once: what the store holds is fixed however many sources came.
    expect(store.arenaBytes).toBe(total + (1 << 20));
  }, 300_000);
});

describe('EvidenceStore lookback of alerts opened together', () => {
  /** Frames between many sources and one victim on ports 22, 23 and 80, 1 ms apart. */
  function frames(): RawPacket[] {
    const out: RawPacket[] = [];
    let ts = T0;
    for (let i = 0; i < 120; i++) {
      const src = `10.1.${i >> 8}.${i & 255}`;
      for (const dport of [22, 80, 23, 80]) {
        const payload = dport === 80 ? `GET /x${i}?id=1'%20OR%201=1-- HTTP/1.1\r\nHost: v\r\n\r\n` : undefined;
        out.push(raw(tcpFrame({ src, dst: '10.9.9.9', sport: 40000 + i, dport, flags: dport === 80 ? 0x18 : 0x02, payload }), ts++));
      }
    }
    return out;
  }

  const alert = (id: string, type: 'SQL_INJECTION' | 'DIRECTORY_TRAVERSAL' | 'SUSPICIOUS_PORT', port: number | undefined): Alert => {
    const t = new Date(T0 + 10_000).toISOString();
    return { id, timestamp: t, last_seen: t, type, severity: 'HIGH', message: '', details: {}, count: 1, dst_ip: '10.9.9.9', ...(port === undefined ? {} : { dst_port: port }) };
  };

  function evidence(together: boolean): unknown[] {
    const store = new EvidenceStore(options({ perAlertPackets: 5 }));
    const pkt = new Packet();
    let n = 0;
    for (const r of frames()) store.onPacket(r, decodePacket(r, ++n, pkt, null), n, null);
    const alerts = [alert('a', 'SQL_INJECTION', 80), alert('b', 'DIRECTORY_TRAVERSAL', 80), alert('c', 'SUSPICIOUS_PORT', 23), alert('d', 'SUSPICIOUS_PORT', undefined)];
    for (const a of alerts) {
      store.openAlert(a);
      // Apart: each alert's lookback is searched on its own (get() searches what is pending).
      if (!together) store.get(a.id);
    }
    return alerts.map((a) => {
      const ev = store.get(a.id)!;
      return { id: a.id, seen: ev.seen, kept: ev.kept, fromLookback: ev.fromLookback, overBudget: ev.overBudget, flows: JSON.stringify(store.flowIds(ev)), packets: store.packets(a.id).map((p) => p.n) };
    });
  }

  it('takes for each alert what it takes when searched alone (the ports of frames decoded for one alert serve the next)', () => {
    const apart = evidence(false);
    expect(evidence(true)).toEqual(apart);
    // Each alert about one service counted only its port's frames, past its own budget of 5.
    expect(apart.map((e) => (e as { seen: number }).seen)).toEqual([240, 240, 120, 480]);
    expect(apart.map((e) => (e as { kept: number }).kept)).toEqual([5, 5, 5, 5]);
  });
});

describe('EvidenceStore lookback shared by alerts of the same hosts', () => {
  /** 400 frames between two hosts on ports 80 and 23, 1 ms apart; `descent` puts one frame's time before its predecessor's. */
  function frames(descent: boolean): RawPacket[] {
    const out: RawPacket[] = [];
    for (let i = 0; i < 400; i++) {
      const dport = i % 3 === 0 ? 23 : 80;
      const ts = descent && i === 250 ? T0 + 100 : T0 + i;
      out.push(raw(tcpFrame({ src: '10.1.0.1', dst: '10.9.9.9', sport: 40000 + (i % 7), dport, flags: 0x02 }), ts));
    }
    return out;
  }

  const alert = (id: string, type: 'SQL_INJECTION' | 'SUSPICIOUS_PORT' | 'PORT_SCAN', at: number, port?: number): Alert => {
    const t = new Date(T0 + at).toISOString();
    return { id, timestamp: t, last_seen: t, type, severity: 'HIGH', message: '', details: {}, count: 1, dst_ip: '10.9.9.9', ...(port === undefined ? {} : { dst_port: port }) };
  };

  function evidence(together: boolean, descent: boolean, lookbackMs: number): unknown[] {
    const store = new EvidenceStore(options({ perAlertPackets: 20, lookbackMs }));
    const pkt = new Packet();
    let n = 0;
    for (const r of frames(descent)) store.onPacket(r, decodePacket(r, ++n, pkt, null), n, null);
    // The same host, looking back from later, earlier and equal times, some about one port.
    const alerts = [alert('a', 'PORT_SCAN', 300), alert('b', 'SQL_INJECTION', 350, 80), alert('c', 'PORT_SCAN', 200), alert('d', 'SUSPICIOUS_PORT', 200, 23), alert('e', 'PORT_SCAN', 390)];
    for (const a of alerts) {
      store.openAlert(a);
      if (!together) store.get(a.id);
    }
    return alerts.map((a) => {
      const ev = store.get(a.id)!;
      return { id: a.id, seen: ev.seen, kept: ev.kept, fromLookback: ev.fromLookback, flows: JSON.stringify(store.flowIds(ev)), packets: store.packets(a.id).map((p) => p.n) };
    });
  }

  it('takes for each alert what its own walk takes: later, earlier and equal lookback starts, times in order or not', () => {
    for (const descent of [false, true]) {
      for (const lookbackMs of [50, 120, 1_000_000]) {
        const apart = evidence(false, descent, lookbackMs);
        expect(evidence(true, descent, lookbackMs), `descent ${descent}, lookback ${lookbackMs} ms`).toEqual(apart);
        // The alerts see different numbers of earlier frames when the lookback cuts (else all 400).
        const seen = apart.map((e) => (e as { seen: number }).seen);
        if (lookbackMs === 50) expect(new Set(seen).size).toBeGreaterThan(2);
        if (lookbackMs === 1_000_000) expect(seen[0]).toBe(400);
      }
    }
  });
});

describe('EvidenceStore lookback ports of fragments', () => {
  it("judges an IP fragment's port by what its frame decodes to alone, also past the alert's budget", async () => {
    const F = await import('../decode/fixtures.js');
    const { bytes } = await import('../decode/helpers/fixture.js');
    const { Reassembler } = await import('../../src/decode/index.js');
    const frame = (data: Uint8Array, ts: number): RawPacket => raw(data, ts);
    // SYNs to port 22 around an nmap -f SYN to port 22, all 10.0.0.1 -> 10.0.0.2: the engine decodes the
    // datagram's last fragment with its TCP header (reassembled), the frame alone has no ports.
    const syn = (i: number): Uint8Array => tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 42000 + i, dport: 22, flags: 0x02 });
    const seq = [syn(0), syn(1), bytes(F.frag0.hex), bytes(F.frag1.hex), bytes(F.frag2.hex), syn(2), syn(3)];
    const count = (perAlertPackets: number): { seen: number; kept: number; overBudget: number } => {
      const store = new EvidenceStore(options({ perAlertPackets }));
      const reasm = new Reassembler();
      const pkt = new Packet();
      let n = 0;
      const dstPorts: number[] = [];
      for (const [i, data] of seq.entries()) {
        const r = frame(data, T0 + i);
        const p = decodePacket(r, ++n, pkt, reasm);
        dstPorts.push(p.dstPort);
        store.onPacket(r, p, n, null);
      }
      // The engine saw port 22 on the completing fragment.
      expect(dstPorts[4]).toBe(22);
      const t = new Date(T0 + 10_000).toISOString();
      store.openAlert({ id: 'sp', timestamp: t, last_seen: t, type: 'SUSPICIOUS_PORT', severity: 'WARNING', message: '', details: {}, count: 1, src_ip: '10.0.0.1', dst_ip: '10.0.0.2', src_port: 42000, dst_port: 22, proto: 'TCP' });
      const ev = store.get('sp')!;
      return { seen: ev.seen, kept: ev.kept, overBudget: ev.overBudget };
    };
    // Within its budget every frame is decoded; past it (budget 1) the ports come from the engine's decode,
    // except for fragments: the four SYNs either way, never the fragments.
    expect(count(100)).toEqual({ seen: 4, kept: 4, overBudget: 0 });
    expect(count(1)).toEqual({ seen: 4, kept: 1, overBudget: 3 });
  });
});

describe('EvidenceStore watched addresses', () => {
  it('keeps taking the packets of a host whose bucket another alert leaves, and none once its own alert closes', () => {
    // Two hosts whose keys share a bucket of the lookback index (onPacket looks a packet up only when its
    // bucket holds a watched key): the first alert closing must not hide the second one's packets.
    const buckets = new LookbackIndex(1000, 1000);
    const keyOf = (ip: string): number => ip.split('.').reduce((k, o) => (k << 8) | Number(o), 0);
    const x = '198.51.100.1';
    let y = '';
    for (let i = 2; i < 255 * 255 && y === ''; i++) {
      const c = `10.0.${i >> 8}.${i & 255}`;
      if (buckets.bucketOf(keyOf(c)) === buckets.bucketOf(keyOf(x))) y = c;
    }
    expect(y).not.toBe('');
    const store = new EvidenceStore(options({ holdMs: (type) => (type === 'SYN_SCAN' ? 1_000 : 1_000_000) }));
    const scratch = new Packet();
    let n = 0;
    const send = (src: string, ts: number): void => {
      const r = raw(tcpFrame({ src, dst: '192.0.2.10', sport: 40000, dport: 80, flags: 0x02 }), ts);
      n++;
      store.onPacket(r, decodePacket(r, n, scratch, null), n, null);
    };
    const alert = (id: string, type: string, src: string, ts: number): Alert => {
      const at = new Date(ts).toISOString();
      return { id, type, severity: 'MEDIUM', src_ip: src, timestamp: at, last_seen: at, description: '', count: 1 } as unknown as Alert;
    };
    store.openAlert(alert('ax', 'SYN_SCAN', x, T0));
    store.openAlert(alert('ay', 'PORT_SWEEP', y, T0));
    send(x, T0 + 1);
    send(y, T0 + 2);
    expect(store.get('ax')!.seen).toBe(1);
    expect(store.get('ay')!.seen).toBe(1);
    store.onTick(T0 + 5_000); // closes ax only
    expect(store.get('ax')!.open).toBe(false);
    send(x, T0 + 5_001);
    send(y, T0 + 5_002);
    expect(store.get('ax')!.seen).toBe(1);
    expect(store.get('ay')!.seen).toBe(2);
    store.openAlert(alert('ax2', 'SYN_SCAN', x, T0 + 5_003));
    send(x, T0 + 5_004);
    expect(store.get('ax2')!.seen).toBeGreaterThanOrEqual(1);
    expect(store.get('ax2')!.fromLookback).toBeGreaterThan(0);
    store.closeAll();
    send(y, T0 + 6_000);
    expect(store.get('ay')!.seen).toBe(2);
  });
});
