// Bounded detector state: 300,000 spoofed sources through every detector at once stay within each map's cap.
import { describe, expect, it } from 'vitest';
import { createDetectors } from '../../src/detect/index.js';
import type { Detection } from '../../src/alert/types.js';
import { settingsWith } from './pipeline.js';
import { ACK, RSTACK, SYN, SYNACK, echo, portUnreachable, tcp, udp } from './packets.js';
import { at } from '../helpers/packet-time.js';

const T0 = 1_700_000_000_000;
const SOURCES = 300_000;

/** Status fields that count held entries, and the cap each must stay at or under. */
const CAPS: Record<string, Record<string, number>> = {
  scan: { pairs: 4096, pendingProbes: 65536, probeRecords: 65536, storedPorts: 500_000 },
  'port-sweep': { sweeps: 8192, probes: 65536, pendingProbes: 65536 },
  'syn-flood': { destinations: 4096, sources: 8192, pendingSyns: 65536 },
  'connection-flood': { sources: 8192, pendingHandshakes: 65536 },
  'suspicious-port': { tracked: 8192 },
  'decode-anomaly': { tracked: 4096 },
};

describe('bounded detector state', () => {
  it('300,000 spoofed sources keep every status() map at or under its cap, and a real scan inside the flood is still caught', () => {
    const detections: Detection[] = [];
    const dets = createDetectors(settingsWith(), (d) => detections.push(d));
    const feed = (p: ReturnType<typeof tcp>, now: number): void => {
      p.ts = now;
      for (const d of dets) d.onPacket(at(p, now));
    };
    // One reusable packet per shape; only addresses and ports change (as the decoder reuses its Packet).
    const syn = tcp('1.0.0.1', 1024, '10.0.0.2', 22, SYN);
    const synAck = tcp('10.0.0.2', 22, '1.0.0.1', 1024, SYNACK);
    const ack = tcp('1.0.0.1', 1024, '10.0.0.2', 22, ACK);
    const ping = echo('1.0.0.1', '10.0.0.2');
    const probe = udp('1.0.0.1', 5353, '10.0.0.2', 1);
    const unreachable = portUnreachable('10.0.0.2', '1.0.0.1', probe);
    const scanSyn = tcp('192.0.2.66', 40000, '10.0.0.2', 1, SYN);
    const scanRst = tcp('10.0.0.2', 1, '192.0.2.66', 40000, RSTACK);
    let now = T0;
    let scanned = 0;
    for (let i = 0; i < SOURCES; i++) {
      // Distinct spoofed sources (an odd multiplier is a bijection), 100,000 packets a second.
      const src = (Math.imul(i + 1, 0x9e3779b1) | 0x01000000) >>> 0;
      const dst = (0x0a000000 | (i & 0xffff)) >>> 0;
      now += 0.01;
      syn.ipSrc = src;
      syn.ipDst = dst;
      syn.srcPort = 1024 + (i & 0x7fff);
      syn.dstPort = i % 3 === 0 ? 22 : 1 + (i % 1000);
      syn.events.length = 0;
      if (i % 5 === 0) syn.events.push('decode.ipv4.bad_checksum');
      feed(syn, now);
      if (i % 2 === 0) {
        // The victim answers; every other answered handshake completes (connection-flood state).
        synAck.ipSrc = dst;
        synAck.ipDst = src;
        synAck.srcPort = syn.dstPort;
        synAck.dstPort = syn.srcPort;
        feed(synAck, now + 0.001);
        if (i % 4 === 0) {
          ack.ipSrc = src;
          ack.ipDst = dst;
          ack.srcPort = syn.srcPort;
          ack.dstPort = syn.dstPort;
          feed(ack, now + 0.002);
        }
      }
      if (i % 7 === 0) {
        ping.ipSrc = src;
        ping.ipDst = (dst + 1) >>> 0;
        feed(ping, now + 0.003);
      }
      if (i % 11 === 0) {
        probe.ipSrc = src;
        probe.ipDst = dst;
        probe.dstPort = 1 + (i % 60000);
        feed(probe, now + 0.004);
        unreachable.ipSrc = dst;
        unreachable.ipDst = src;
        unreachable.icmpQuoted = { ...unreachable.icmpQuoted, src, dst, dstPort: probe.dstPort };
        feed(unreachable, now + 0.005);
      }
      // A real scanner, one closed port every 500 packets, in the middle of the flood.
      if (i % 500 === 0 && i > 100_000 && scanned < 150) {
        scanned++;
        scanSyn.dstPort = scanned;
        scanRst.srcPort = scanned;
        feed(scanSyn, now + 0.006);
        feed(scanRst, now + 0.007);
      }
      if (i % 100_000 === 0) for (const d of dets) d.onTick?.(now);
    }
    for (const d of dets) d.onTick?.(now + 1000);

    for (const d of dets) {
      const caps = CAPS[d.name];
      if (!caps) continue;
      const st = d.status!() as Record<string, number>;
      for (const [field, cap] of Object.entries(caps)) {
        expect(typeof st[field], `${d.name}.${field}`).toBe('number');
        expect(st[field], `${d.name}.${field} = ${st[field]} (cap ${cap})`).toBeLessThanOrEqual(cap);
      }
    }
    // The caps were reached (the flood really pressed on them) ...
    const status = Object.fromEntries(dets.map((d) => [d.name, d.status!() as Record<string, number>]));
    expect(status.scan.pairs).toBe(4096);
    expect(status.scan.evictedPairs).toBeGreaterThan(100_000);
    expect(status['suspicious-port'].tracked).toBe(8192);
    expect(status['decode-anomaly'].tracked).toBe(4096);
    expect(status['connection-flood'].sources).toBeGreaterThan(4000);
    // ... and detection still works under it: the scanner's 150 closed ports are one SYN_SCAN.
    const scans = detections.filter((d) => d.type === 'SYN_SCAN' && d.src_ip === '192.0.2.66');
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.at(-1)!.details.ports_seen).toBe(150);
  });
});
