// The scan, distributed-scan and port-sweep detectors of one set share one probe tracker: they must
// raise exactly the detections, in exactly the order, that three trackers of their own gave, on
// recorded nmap scans and sweeps and on a generated attack mix (SYN flood from spoofed sources, scans,
// SSH attempts) whose bursts of expiring probes and replaced records the replay must carry over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/netguard.js';
import { rawSyn } from '../helpers/raw-packets.js';
import { openFile } from '../../src/capture/index.js';
import { Packet, Reassembler, decodePacket } from '../../src/decode/index.js';
import { createDetectors } from '../../src/detect/index.js';
import { createScanDetector } from '../../src/detect/scan.js';
import { createDistributedScanDetector } from '../../src/detect/distributed-scan.js';
import { createPortSweepDetector } from '../../src/detect/port-sweep.js';
import { probeSource } from '../../src/detect/shared-probes.js';
import { ProbeTracker, type ProbeRecords } from '../../src/detect/probes.js';
import type { Detector } from '../../src/detect/types.js';
import type { Detection } from '../../src/alert/types.js';
import { defaultSettings } from '../../src/config/schema.js';
import { ATTACK, generateMixed } from '../../bench/traffic-gen.js';
import { at } from '../helpers/packet-time.js';

const FX = path.join(ROOT, 'test/fixtures/detect');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ng-shared-probes-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Feeds a capture through detectors as the engine does (a tick per second of packet time, ten after the end). */
async function run(file: string, dets: Detector[]): Promise<void> {
  const pkt = new Packet();
  const reasm = new Reassembler();
  let n = 0;
  let last = 0;
  let nextTick = 0;
  await openFile(file).run((raw) => {
    const p = decodePacket(raw, ++n, pkt, reasm);
    last = Math.max(last, p.ts);
    for (const d of dets) d.onPacket(at(p, last));
    if (last >= nextTick) {
      nextTick = last + 1000;
      for (const d of dets) d.onTick?.(last);
    }
  });
  for (let t = last + 1000; t <= last + 10_000; t += 1000) for (const d of dets) d.onTick?.(t);
}

async function both(file: string): Promise<{ shared: string[]; own: string[] }> {
  const settings = defaultSettings();
  const shared: Detection[] = [];
  const own: Detection[] = [];
  await run(file, createDetectors(settings, (d) => shared.push(structuredClone(d)), { only: ['scan', 'distributed-scan', 'port-sweep'] }));
  const raise = (d: Detection): void => {
    own.push(structuredClone(d));
  };
  await run(file, [createScanDetector(settings, raise), createDistributedScanDetector(settings, raise), createPortSweepDetector(settings, raise)]);
  const line = (d: Detection): string => JSON.stringify(d);
  return { shared: shared.map(line), own: own.map(line) };
}

describe('one probe tracker shared by the scan, distributed-scan and port-sweep detectors', () => {
  it.each(['nmap-sS', 'nmap-sT', 'nmap-sF', 'nmap-sA', 'nmap-sU', 'nmap-6-sS', 'nmap-sweep-22'])('%s: the same detections, in the same order, as a tracker each', async (name) => {
    const r = await both(path.join(FX, `${name}.pcap`));
    expect(r.own.length).toBeGreaterThan(0);
    expect(r.shared).toEqual(r.own);
  });

  it('a generated attack mix (scans, a spoofed SYN flood, SSH attempts): the same detections', async () => {
    const file = path.join(tmp, 'attack.pcap');
    generateMixed(file, 120_000, 5, ATTACK);
    const r = await both(file);
    expect(r.own.length).toBeGreaterThan(10);
    expect(r.shared).toEqual(r.own);
  }, 120_000);

  it('members joined with other options get a tracker of their own', () => {
    const ctx = {};
    const seen: string[] = [];
    const ev = (who: string) => ({ onProbe: (t: ProbeRecords, slot: number) => seen.push(`${who}:${t.port(slot)}`) });
    const a = probeSource(ctx, ev('a'), { timeoutMs: 5000 });
    const b = probeSource(ctx, ev('b'), { timeoutMs: 5000, idleMs: 600_000 });
    const c = probeSource(ctx, ev('c'), { timeoutMs: 9000 });
    // One SYN probe: a drives the shared tracker, b replays it when its turn comes, c has its own.
    const syn = synPacket();
    a.onPacket(at(syn, 1000));
    expect(seen).toEqual(['a:80']);
    b.onPacket(at(syn, 1000));
    expect(seen).toEqual(['a:80', 'b:80']);
    c.onPacket(at(syn, 1000));
    expect(seen).toEqual(['a:80', 'b:80', 'c:80']);
    // Sizes are the shared tracker's (one record), and c's own.
    expect([a.size(), b.size(), c.size()]).toEqual([1, 1, 1]);
    // The next packet: b sees only the new event, not the first one again.
    const syn2 = synPacket(81);
    a.onPacket(at(syn2, 1100));
    b.onPacket(at(syn2, 1100));
    expect(seen.filter((s) => s.startsWith('b:'))).toEqual(['b:80', 'b:81']);
    expect([a.size(), b.size(), c.size()]).toEqual([2, 2, 1]);
  });

  it('a member that missed packets gets every event with its own time, past the log\'s first 64 slots', () => {
    const ctx = {};
    const seen: string[] = [];
    const ev = (who: string) => ({ onProbe: (t: ProbeRecords, slot: number) => seen.push(`${who}:${t.port(slot)}@${t.now}`) });
    const a = probeSource(ctx, ev('a'), { timeoutMs: 5000 });
    const b = probeSource(ctx, ev('b'), { timeoutMs: 5000 });
    // 100 probes at fractional times b is not given (as when the engine's dispatch skips it), then one it is.
    for (let i = 0; i < 100; i++) a.onPacket(at(synPacket(1000 + i), 1000.125 + i * 10));
    b.onPacket(at(synPacket(2000), 5000));
    const want = Array.from({ length: 100 }, (_, i) => `${1000 + i}@${1000.125 + i * 10}`);
    expect(seen.filter((x) => x.startsWith('b:')).map((x) => x.slice(2))).toEqual(want);
    expect(seen.filter((x) => x.startsWith('a:')).map((x) => x.slice(2))).toEqual(want);
  });

  it('outcomes that change no evidence are not copied for members that ask only for evidence changes', () => {
    const ctx = {};
    const seen: string[] = [];
    const ev = (who: string, evidenceOnly: boolean) => ({
      evidenceOnly,
      onProbe: (t: ProbeRecords, slot: number) => seen.push(`${who}:probe:${t.port(slot)}`),
      onOutcome: (t: ProbeRecords, slot: number, o: number, delta: number) => seen.push(`${who}:${o}/${delta}:${t.port(slot)}`),
    });
    const a = probeSource(ctx, ev('a', false), { timeoutMs: 5000 });
    const b = probeSource(ctx, ev('b', true), { timeoutMs: 5000 });
    const steps: Array<[Packet, number]> = [
      [synPacket(80), 1000],
      // Data from the target: a conversation (success, delta 0 for a probe never counted).
      [tcpPacket([10, 0, 0, 2], 80, [10, 0, 0, 1], 40000, 0x18, 10), 1010],
      [synPacket(81), 1020],
      // RST from the target: port 81 closed (delta +1); then data after all (success, delta -1).
      [tcpPacket([10, 0, 0, 2], 81, [10, 0, 0, 1], 40000, 0x14, 0), 1030],
      [tcpPacket([10, 0, 0, 1], 40000, [10, 0, 0, 2], 81, 0x18, 10), 1040],
    ];
    for (const [p, now] of steps) {
      a.onPacket(at(p, now));
      b.onPacket(at(p, now));
    }
    expect(seen.filter((x) => x.startsWith('a:'))).toEqual(['a:probe:80', 'a:4/0:80', 'a:probe:81', 'a:0/1:81', 'a:4/-1:81']);
    // b still gets the new probes (it handles them) and the evidence changes, in order; not the 4/0.
    expect(seen.filter((x) => x.startsWith('b:'))).toEqual(['b:probe:80', 'b:probe:81', 'b:0/1:81', 'b:4/-1:81']);
  });

  it('a second member that handles every outcome still gets the ones without evidence change', () => {
    const ctx = {};
    const seen: string[] = [];
    const a = probeSource(ctx, {}, { timeoutMs: 5000 });
    const b = probeSource(ctx, { evidenceOnly: true, onOutcome: (_t: ProbeRecords, _s: number, o: number, d: number) => seen.push(`b:${o}/${d}`) }, { timeoutMs: 5000 });
    const c = probeSource(ctx, { onOutcome: (_t: ProbeRecords, _s: number, o: number, d: number) => seen.push(`c:${o}/${d}`) }, { timeoutMs: 5000 });
    for (const [p, now] of [
      [synPacket(80), 1000],
      [tcpPacket([10, 0, 0, 2], 80, [10, 0, 0, 1], 40000, 0x18, 10), 1010],
    ] as Array<[Packet, number]>) {
      a.onPacket(at(p, now));
      b.onPacket(at(p, now));
      c.onPacket(at(p, now));
    }
    // The log is one for all: b is handed it too (its handler does nothing with delta 0, by its flag's contract).
    expect(seen.filter((x) => x.startsWith('c:'))).toEqual(['c:4/0']);
  });

  it('a detector made alone (no set) has a plain tracker', () => {
    expect(probeSource(undefined, {}, { timeoutMs: 5000 })).toBeInstanceOf(ProbeTracker);
  });
});

/** A raw-scanner SYN (no options) from 10.0.0.1 to 10.0.0.2:port at 1 s. */
const synPacket = (port = 80): Packet => rawSyn(port, 1000);

/** An IPv4 TCP segment with the given flags and payload length. */
function tcpPacket(src: number[], sport: number, dst: number[], dport: number, flags: number, payload: number): Packet {
  const n = 54 + payload;
  const b = new Uint8Array(n);
  const v = new DataView(b.buffer);
  v.setUint16(12, 0x0800);
  b[14] = 0x45;
  v.setUint16(16, 40 + payload);
  b[22] = 64;
  b[23] = 6;
  b.set(src, 26);
  b.set(dst, 30);
  v.setUint16(34, sport);
  v.setUint16(36, dport);
  b[46] = 0x50;
  b[47] = flags;
  return decodePacket({ ts: 1000, caplen: n, len: n, linkType: 1, data: b, off: 0, ifIndex: 0 }, 1, new Packet(), null);
}
