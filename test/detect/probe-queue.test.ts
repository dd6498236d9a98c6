// The probe tracker's queue of waiting probes: expiry order, a full queue, wrap-around, and the warm-up entry it queues once.
import { describe, expect, it } from 'vitest';
import type { Packet } from '../../src/decode/index.js';
import { O_UNANSWERED, ProbeTracker, type ProbeRecords } from '../../src/detect/probes.js';
import { at } from '../helpers/packet-time.js';
import { rawSyn, rawUdp } from '../helpers/raw-packets.js';

/** A raw-scanner SYN (no options) from 10.0.0.1 to 10.0.0.2:port. */
const syn = (port: number): Packet => rawSyn(port);

/** A UDP datagram to a broadcast address: no probe, and no record touched. */
const broadcast = (): Packet => rawUdp([10, 0, 0, 255], 9);

function tracker(cap: number): { t: ProbeTracker; seen: string[] } {
  const seen: string[] = [];
  const t = new ProbeTracker(
    { onOutcome: (r: ProbeRecords, slot: number, o: number, d: number) => seen.push(`${r.port(slot)}:${o}/${d}@${r.now}`) },
    { timeoutMs: 5000, cap },
  );
  return { t, seen };
}

describe('probe queue', () => {
  it('expires each probe once, in order, across the warm-up packet and many wrap-arounds', () => {
    const { t, seen } = tracker(64);
    const want: string[] = [];
    for (let i = 0; i < 300; i++) {
      t.onPacket(at(syn(1000 + i), i * 1000));
      // Probe j waits from j s and expires at the first packet 5 s later (j + 5 = i).
      if (i >= 5) want.push(`${1000 + i - 5}:${O_UNANSWERED}/1@${i * 1000}`);
      // The waiting probes alone, never the warm-up entry.
      expect(t.pending()).toBe(Math.min(i + 1, 5));
    }
    expect(seen).toEqual(want);
  });

  it('queues no warm-up entry into a full queue (the newest probe still expires)', () => {
    // cap 4: at the warm-up packet (the 64th) the queue holds 4 probes, the oldest dropped each time;
    // the last 4 probes, the one before the warm-up packet included, are the ones left to expire.
    const { t, seen } = tracker(4);
    for (let i = 0; i < 66; i++) t.onPacket(at(syn(2000 + i), i * 10));
    expect(t.pending()).toBe(4);
    t.expire(66 * 10 + 5000);
    expect(seen).toEqual([2062, 2063, 2064, 2065].map((p) => `${p}:${O_UNANSWERED}/1@5660`));
    expect(t.pending()).toBe(0);
  });

  it('leaves a pending probe in slot 0 alone when the warm-up entry passes', () => {
    // A port whose probe record takes slot 0 (the warm-up entry's slot, with sequence number 0).
    let port = 1;
    while (port < 65536) {
      const { t } = tracker(64);
      t.onPacket(at(syn(port), 0));
      if (t.recs.find(0x0a000001, '', 0x0a000002, '', (6 << 16) | port) === 0) break;
      port++;
    }
    const { t, seen } = tracker(64);
    t.onPacket(at(syn(port), 0));
    expect(t.recs.find(0x0a000001, '', 0x0a000002, '', (6 << 16) | port)).toBe(0);
    for (let i = 1; i <= 100; i++) t.onPacket(at(broadcast(), i));
    expect(seen).toEqual([]);
    expect(t.pending()).toBe(1);
    t.onPacket(at(broadcast(), 5000));
    expect(seen).toEqual([`${port}:${O_UNANSWERED}/1@5000`]);
  });
});
