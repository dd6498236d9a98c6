// The lookback without bytes (a file source): the ring evicts exactly what a ring with bytes evicts, and
// an alert's evidence read back from the file is the evidence the copied frames gave, byte for byte.
import { closeSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertFunnel } from '../../src/alert/funnel.js';
import { openFile, type RawPacket } from '../../src/capture/index.js';
import { defaultSettings } from '../../src/config/schema.js';
import { createDetectors } from '../../src/detect/index.js';
import { Engine } from '../../src/engine/index.js';
import { EvidenceStore, FrameRing, type EvidenceOptions, type FrameReader } from '../../src/evidence/index.js';
import { ATTACK, generateMixed } from '../../bench/traffic-gen.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-lookback-file-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function options(file: string, o: Partial<EvidenceOptions> = {}): EvidenceOptions {
  return {
    lookbackPackets: 3000,
    lookbackBytes: 512 << 10,
    lookbackMs: 120_000,
    perAlertPackets: 200,
    perAlertBytes: 256 << 10,
    totalBytes: 4 << 20,
    maxAlerts: 500,
    fileIndexPerAlert: 1000,
    fileIndexTotal: 100_000,
    flowsPerAlert: 50,
    holdMs: () => 60_000,
    sourceFile: file,
    ...o,
  };
}

/** What an alert's evidence is, as views and the history see it: counts, flows and every kept packet. */
interface Seen {
  id: string;
  seen: number;
  kept: number;
  fromLookback: number;
  indexed: number;
  flows: string;
  packets: Array<{ n: number; ts: number; caplen: number; len: number; fileOffset: number | undefined; bytes: number[] }>;
}

async function evidenceOf(file: string, readFrame: FrameReader | null, o: Partial<EvidenceOptions> = {}, afterRun?: () => void): Promise<Seen[]> {
  const store = new EvidenceStore({ ...options(file, o), readFrame });
  const s = defaultSettings();
  const funnel = new AlertFunnel({ suppressionMs: () => 60_000 });
  const e = new Engine({ source: file, live: false, filter: '', historySize: 0, funnel, detectors: (r) => createDetectors(s, r), evidence: store });
  await openFile(file).run((r) => e.handle(r));
  store.closeAll();
  afterRun?.();
  const out: Seen[] = [];
  for (const a of funnel.recent(100_000)) {
    const ev = store.get(a.id);
    if (!ev) continue;
    out.push({
      id: a.id,
      seen: ev.seen,
      kept: ev.kept,
      fromLookback: ev.fromLookback,
      indexed: ev.indexed,
      flows: JSON.stringify(store.flowIds(ev)),
      packets: store.packets(a.id).map(({ n, raw }) => ({ n, ts: raw.ts, caplen: raw.caplen, len: raw.len, fileOffset: raw.fileOffset, bytes: Array.from(raw.data.subarray(raw.off, raw.off + raw.caplen)) })),
    });
  }
  return out;
}

/** A FrameReader over a file (what the CLI gives the store), counting its reads. */
function fileReader(file: string): { read: FrameReader; reads: () => number; close: () => void } {
  const fd = openSync(file, 'r');
  let reads = 0;
  return {
    read: (offset, into, length) => {
      reads++;
      return readSync(fd, into, 0, length, offset);
    },
    reads: () => reads,
    close: () => closeSync(fd),
  };
}

describe('FrameRing without bytes', () => {
  it('keeps the same records and evicts the same frames as a ring with bytes, across many wrap-arounds', () => {
    for (const [arena, records] of [
      [10_000, 64],
      [4096, 8],
      [100_000, 40],
      [1500, 1000],
    ]) {
      const evictedA: number[] = [];
      const evictedB: number[] = [];
      const a = new FrameRing(arena, records, (owner, caplen) => evictedA.push(owner, caplen));
      const b = new FrameRing(arena, records, (owner, caplen) => evictedB.push(owner, caplen), false);
      expect(b.holdsBytes).toBe(false);
      expect(b.arena.length).toBe(1);
      expect(b.arenaSize).toBe(a.arenaSize);
      expect(b.arenaBytes).toBe(1);
      expect(a.arenaBytes).toBe(arena);
      let seed = 11;
      const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
      for (let i = 0; i < 5000; i++) {
        // Some frames larger than the whole arena (kept cut to it).
        const len = 1 + Math.floor(rnd() * (i % 50 === 0 ? 2 * arena : 1500));
        const bytes = new Uint8Array(len).fill(i & 0xff);
        const raw: RawPacket = { ts: 1000 + i, caplen: len, len: len + 4, linkType: 1, data: bytes, off: 0, ifIndex: 0, fileOffset: 24 + i * 2000 };
        const ra = a.add(raw, i + 1, i, i * 3, i * 5);
        const rb = b.add(raw, i + 1, i, i * 3, i * 5);
        expect(rb).toBe(ra);
        expect(b.size).toBe(a.size);
        expect(b.bytesHeld).toBe(a.bytesHeld);
        expect(b.evictions).toBe(a.evictions);
      }
      expect(evictedB).toEqual(evictedA);
      expect(a.evictions).toBeGreaterThan(1000);
      for (let i = 0; i < a.size; i++) {
        const r = a.at(i);
        expect(b.at(i)).toBe(r);
        for (const f of ['off', 'caplen', 'len', 'owner', 'srcKey', 'dstKey', 'n', 'ts', 'fileOffset'] as const) expect(b[f][r]).toBe(a[f][r]);
        // What the copy holds is what the record around the original bytes gives.
        const copy = a.rawOf(r, false);
        const around = b.recordAround(r, copy.data);
        expect({ ...around, data: null }).toEqual({ ...copy, data: null });
      }
      expect(() => b.rawOf(b.at(0), true)).toThrow(/keeps no bytes/);
    }
  });
});

describe('EvidenceStore with a lookback read back from the file', () => {
  it('gives every alert of an attack mix the same packets, flows and counts as copied frames, reading only what alerts take', async () => {
    const file = path.join(dir, 'attack.pcap');
    generateMixed(file, 30_000, 5, ATTACK);
    const copied = await evidenceOf(file, null);
    const r = fileReader(file);
    let readsInRun = -1;
    const read = await evidenceOf(file, r.read, {}, () => (readsInRun = r.reads()));
    r.close();
    expect(copied.length).toBeGreaterThan(10);
    const taken = copied.reduce((s, e) => s + e.fromLookback, 0);
    expect(taken).toBeGreaterThan(20);
    expect(read).toEqual(copied);
    // During the run the file is read only for alerts' earlier IPv6 packets (an IPv4 packet's flow is known
    // without its bytes), a window of it at a time; the views' packets() then read the kept frames back, a
    // window at a time too (not once per frame, nor per packet).
    expect(readsInRun).toBeGreaterThanOrEqual(0);
    expect(readsInRun).toBeLessThan(taken / 4);
    expect(r.reads() - readsInRun).toBeGreaterThan(0);
    expect(r.reads() - readsInRun).toBeLessThan(copied.reduce((s, e) => s + e.packets.length, 0));
  }, 120_000);

  it('gives the same evidence on corpus captures, pcap and pcapng, with small rings that wrap', async () => {
    const root = '/work/shared/corpus';
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = path.join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(pcap|pcapng|cap)$/.test(name)) files.push(p);
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(50);
    let alerts = 0;
    let taken = 0;
    for (const file of files.sort()) {
      let copied: Seen[];
      try {
        copied = await evidenceOf(file, null, { lookbackPackets: 50, lookbackBytes: 20_000 });
      } catch {
        continue; // a capture the reader refuses (the corpus has some on purpose) refuses both ways
      }
      const r = fileReader(file);
      const read = await evidenceOf(file, r.read, { lookbackPackets: 50, lookbackBytes: 20_000 });
      r.close();
      expect(read, file).toEqual(copied);
      alerts += copied.length;
      taken += copied.reduce((s, e) => s + e.fromLookback, 0);
    }
    expect(alerts).toBeGreaterThan(20);
    expect(taken).toBeGreaterThan(20);
  }, 300_000);

  it('leaves out of the packets a frame the file no longer gives back; the counts and flows are what the engine saw', async () => {
    const file = path.join(dir, 'attack-small.pcap');
    generateMixed(file, 10_000, 6, ATTACK);
    const copied = await evidenceOf(file, null);
    const none = await evidenceOf(file, () => 0);
    expect(none.length).toBe(copied.length);
    expect(copied.reduce((s, e) => s + e.fromLookback, 0)).toBeGreaterThan(0);
    // An IPv4 frame (no fragment) from before the alert is taken from the engine's decode of it (ports, protocol,
    // addresses), not from the file: counted, indexed and in the flows as before. An IPv6 one needs its bytes
    // (its address texts) and is left out, as one evicted would be. No packet is given back.
    const v6 = (e: Seen): boolean => /"src":"[0-9a-f]*:/.test(e.flows);
    for (let i = 0; i < copied.length; i++) {
      expect(none[i].packets).toEqual([]);
      if (!v6(copied[i])) expect({ ...none[i], packets: [] }).toEqual({ ...copied[i], packets: [] });
      else expect(none[i].seen).toBeLessThanOrEqual(copied[i].seen);
    }
    expect(none.filter((e) => !v6(e)).length).toBeGreaterThan(0);
  }, 120_000);
});
