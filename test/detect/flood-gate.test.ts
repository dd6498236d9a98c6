// The connection tracker's handshake gate (ConnectionTracker.synMayPend, given to the SYN-flood and
// connection-flood detectors by Detector.followFlows): its answers for a handshake, and the detectors'
// results with it equal to their results without it, under random traffic that evicts, expires and
// reuses flows between a SYN and its ACK.
import { describe, expect, it } from 'vitest';
import { createConnectionFloodDetector, createSynFloodDetector } from '../../src/detect/index.js';
import type { Detector } from '../../src/detect/types.js';
import type { Detection } from '../../src/alert/types.js';
import { ConnectionTracker } from '../../src/flow/index.js';
import type { Packet } from '../../src/decode/index.js';
import { settingsWith } from './pipeline.js';
import { ACK, FIN, PSH, RST, SYN, SYNACK, tcp } from './packets.js';
import { rng } from '../helpers/seeded-random.js';
import { at } from '../helpers/packet-time.js';

const T0 = 1_700_000_000_000;
const C = '10.0.0.1';
const S = '10.0.0.2';

/** Feeds one packet to the tracker as the engine does (numbered), and answers synMayPend for it. */
function gateOf(t: ConnectionTracker, p: Packet, n: number, now: number): boolean {
  p.n = n;
  t.onPacket(at(p, now));
  return t.synMayPend(p);
}

describe('ConnectionTracker.synMayPend', () => {
  it('is false only for a side whose pure ACK came after its last SYN, within the life of the flow', () => {
    const t = new ConnectionTracker();
    let n = 0;
    const g = (p: Packet, dt: number): boolean => gateOf(t, p, ++n, T0 + dt);
    expect(g(tcp(C, 40000, S, 80, SYN), 0)).toBe(true);
    expect(g(tcp(S, 80, C, 40000, SYNACK), 1)).toBe(true);
    // The initiator's first ACK looks its SYN up; later ones need not.
    expect(g(tcp(C, 40000, S, 80, ACK), 2)).toBe(true);
    expect(g(tcp(C, 40000, S, 80, ACK | PSH, { payload: 'GET /' }), 3)).toBe(false);
    // The responder sent no SYN in this life of the flow, but one from an earlier life may wait: its
    // first pure ACK is looked up too.
    expect(g(tcp(S, 80, C, 40000, ACK | PSH, { payload: 'HTTP/1.1 200' }), 4)).toBe(true);
    expect(g(tcp(S, 80, C, 40000, ACK), 5)).toBe(false);
    // A SYN again (retransmitted, or a new attempt) opens the initiator side again, until its next pure
    // ACK (the SYN's own answer is what held before it: the detectors ask only for ACKs).
    g(tcp(C, 40000, S, 80, SYN), 6);
    expect(g(tcp(C, 40000, S, 80, FIN | ACK), 7)).toBe(true);
    expect(g(tcp(C, 40000, S, 80, FIN | ACK), 8)).toBe(true);
    expect(g(tcp(C, 40000, S, 80, ACK), 9)).toBe(true);
    expect(g(tcp(C, 40000, S, 80, ACK), 10)).toBe(false);
    // Only the packet the tracker handled last gets an answer other than true.
    const other = tcp(C, 40000, S, 80, ACK);
    other.n = n - 1;
    expect(t.synMayPend(other)).toBe(true);
  });

  it('starts over when the flow is evicted, expires, or its 4-tuple is reused after a close', () => {
    // Evicted: a table of one flow, pushed out by another between two ACKs.
    const t = new ConnectionTracker({ maxConnections: 1 });
    let n = 0;
    expect(gateOf(t, tcp(C, 40000, S, 80, ACK), ++n, T0)).toBe(true);
    expect(gateOf(t, tcp(C, 40000, S, 80, ACK), ++n, T0 + 1)).toBe(false);
    gateOf(t, tcp(C, 40001, S, 80, SYN), ++n, T0 + 2);
    expect(t.counters().evicted).toBe(1);
    expect(gateOf(t, tcp(C, 40000, S, 80, ACK), ++n, T0 + 3)).toBe(true);
    // Expired: an idle half-open flow leaves after 30 s.
    const e = new ConnectionTracker();
    expect(gateOf(e, tcp(C, 40000, S, 80, ACK), ++n, T0)).toBe(true);
    expect(gateOf(e, tcp(C, 40000, S, 80, ACK), ++n, T0 + 1)).toBe(false);
    gateOf(e, tcp(S, 81, C, 40000, SYN), ++n, T0 + 400_000);
    expect(e.counters().expired).toBe(1);
    expect(gateOf(e, tcp(C, 40000, S, 80, ACK), ++n, T0 + 400_001)).toBe(true);
    // Reused: a SYN on the 4-tuple of a reset flow starts a new one with both sides unknown.
    const r = new ConnectionTracker();
    gateOf(r, tcp(C, 40000, S, 80, SYN), ++n, T0);
    gateOf(r, tcp(S, 80, C, 40000, SYNACK), ++n, T0 + 1);
    gateOf(r, tcp(C, 40000, S, 80, ACK), ++n, T0 + 2);
    expect(gateOf(r, tcp(S, 80, C, 40000, ACK), ++n, T0 + 3)).toBe(true);
    expect(gateOf(r, tcp(S, 80, C, 40000, ACK), ++n, T0 + 4)).toBe(false);
    gateOf(r, tcp(C, 40000, S, 80, RST), ++n, T0 + 5);
    gateOf(r, tcp(C, 40000, S, 80, SYN), ++n, T0 + 6);
    expect(r.counters().created).toBe(2);
    expect(gateOf(r, tcp(S, 80, C, 40000, ACK), ++n, T0 + 7)).toBe(true);
  });

  it('answers true for a packet the tracker returned no flow for (a RST of an unknown connection)', () => {
    const t = new ConnectionTracker();
    expect(gateOf(t, tcp(C, 40000, S, 80, ACK), 1, T0)).toBe(true);
    expect(gateOf(t, tcp(C, 40000, S, 80, ACK), 2, T0 + 1)).toBe(false);
    const rst = tcp(C, 40001, S, 80, RST | ACK);
    rst.n = 3;
    expect(t.onPacket(at(rst, T0 + 2))).toBeNull();
    expect(t.synMayPend(rst)).toBe(true);
  });
});

describe('SYN-flood and connection-flood with the gate', () => {
  /** Both detectors, with thresholds low enough that completions and floods happen in a short run. */
  function detectors(out: Detection[]): Detector[] {
    const s = settingsWith({ syn_flood: 8, connection_flood: 4, connection_flood_window: 2 });
    const raise = (d: Detection): void => {
      out.push(d);
    };
    return [createSynFloodDetector(s, raise), createConnectionFloodDetector(s, raise)];
  }

  it('raise and hold exactly what they do without it, as flows are evicted, expire and are reused', () => {
    for (const [seed, cap, hosts] of [
      [1, 4, 3],
      [2, 16, 6],
      [3, 2, 2],
      [4, 64, 5],
    ] as const) {
      const r = rng(seed);
      const tracker = new ConnectionTracker({ maxConnections: cap, tcpHalfOpenMs: 3000, closedLingerMs: 1000 });
      const gated: Detection[] = [];
      const plain: Detection[] = [];
      const a = detectors(gated);
      const b = detectors(plain);
      for (const d of a) d.followFlows?.(tracker);
      const addr = (i: number): string => (i % 4 === 3 ? `2001:db8::${i}` : `10.0.${i >> 4}.${(i & 15) + 1}`);
      let now = T0;
      let skipped = 0;
      for (let n = 1; n <= 15_000; n++) {
        now += r() < 0.01 ? 2500 : r() * 3;
        // Few ends and ports, so 4-tuples come back: after a close (reuse), an eviction, an expiry.
        const ci = Math.floor(r() * hosts);
        let si = Math.floor(r() * hosts);
        if (addr(ci).includes(':') !== addr(si).includes(':')) si = ci;
        const cport = 40000 + Math.floor(r() * 3);
        const sport = 80 + Math.floor(r() * 2);
        const x = r();
        const flags =
          x < 0.25 ? SYN : x < 0.4 ? SYNACK : x < 0.75 ? ACK : x < 0.82 ? ACK | PSH : x < 0.9 ? FIN | ACK : x < 0.95 ? RST : x < 0.97 ? SYN | FIN : RST | ACK;
        // Mostly client -> server, the SYN/ACK mostly server -> client; sometimes the other way.
        const toServer = flags === SYNACK ? r() < 0.1 : r() < 0.8;
        const p = toServer ? tcp(addr(ci), cport, addr(si), sport, flags) : tcp(addr(si), sport, addr(ci), cport, flags);
        p.tcpSeq = Math.floor(r() * 2 ** 32);
        p.n = n;
        tracker.onPacket(at(p, now));
        if (!tracker.synMayPend(p)) skipped++;
        for (const d of a) d.onPacket(at(p, now));
        for (const d of b) d.onPacket(at(p, now));
        if (n % 97 === 0) {
          for (const d of a) d.onTick?.(now);
          for (const d of b) d.onTick?.(now);
        }
        expect(a.map((d) => d.status?.())).toEqual(b.map((d) => d.status?.()));
      }
      expect(gated).toEqual(plain);
      // The run did exercise what it checks: completions and alerts, evictions and reuse, skipped lookups.
      expect(plain.length).toBeGreaterThan(0);
      const c = tracker.counters();
      expect(c.evicted + c.expired).toBeGreaterThan(0);
      expect(skipped).toBeGreaterThan(300);
    }
  });
});
