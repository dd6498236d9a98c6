// SYN flood, connection flood, port and ICMP sweep detectors with hand-built packets.
import { describe, expect, it } from 'vitest';
import {
  createConnectionFloodDetector,
  createPortSweepDetector,
  createSynFloodDetector,
} from '../../src/detect/index.js';
import { settingsWith } from './pipeline.js';
import { ACK, FIN, Harness, PSH, RSTACK, SYN, SYNACK, echo, tcp } from './packets.js';
import { at } from '../helpers/packet-time.js';

const T0 = 1_700_000_000_000;
const V = '10.0.0.2';

describe('SYNFloodDetector', () => {
  it('a single-source flood of one port is one SYN_FLOOD alert keyed by the victim, severity by rate', () => {
    const h = new Harness((r) => createSynFloodDetector(settingsWith(), r));
    // 500 SYN/s for 3 s: 5x the threshold -> HIGH.
    for (let i = 0; i < 1500; i++) h.feed(tcp('10.0.0.1', 1024 + i, V, 80, SYN), T0 + i * 2);
    const d = h.of('SYN_FLOOD');
    expect(d.length).toBeGreaterThan(0);
    expect(new Set(d.map((x) => x.key))).toEqual(new Set([`dst:${V}`]));
    expect(new Set(d.map((x) => x.severity))).toEqual(new Set(['HIGH']));
    expect(d[0].src_ip).toBe('10.0.0.1');
    expect(d[0].dst_port).toBe(80);
  });

  it('scales severity WARNING / HIGH / CRITICAL with the multiple of the threshold', () => {
    const sev = (perSec: number): string => {
      const h = new Harness((r) => createSynFloodDetector(settingsWith(), r));
      for (let i = 0; i < perSec * 2; i++) h.feed(tcp('10.0.0.1', 1024 + (i % 60000), V, 443, SYN), T0 + (i * 1000) / perSec);
      return h.of('SYN_FLOOD')[0]?.severity ?? 'none';
    };
    expect(sev(50)).toBe('none');
    expect(sev(150)).toBe('WARNING');
    expect(sev(500)).toBe('HIGH');
    expect(sev(2000)).toBe('CRITICAL');
  });

  it('names the one source and counts the sources right for IPv4 from 128.0.0.0 up and for IPv6', () => {
    for (const [src, victim] of [
      ['203.0.113.9', '198.51.100.7'],
      ['2001:db8::9', '2001:db8::7'],
    ]) {
      const h = new Harness((r) => createSynFloodDetector(settingsWith(), r));
      for (let i = 0; i < 1500; i++) h.feed(tcp(src, 1024 + i, victim, 80, SYN), T0 + i * 2);
      const d = h.of('SYN_FLOOD');
      expect(d.length).toBeGreaterThan(0);
      expect([d[0].key, d[0].src_ip, d[0].dst_ip, d[0].details.sources, d[0].details.spoofed_sources]).toEqual([`dst:${victim}`, src, victim, 1, false]);
    }
    // Two sources, one below and one above 128.0.0.0, are two (no address counted twice or merged).
    const h = new Harness((r) => createSynFloodDetector(settingsWith(), r));
    for (let i = 0; i < 1500; i++) h.feed(tcp(i % 2 ? '10.0.0.1' : '203.0.113.9', 1024 + i, '198.51.100.7', 80, SYN), T0 + i * 2);
    const d = h.of('SYN_FLOOD');
    expect([d[0].src_ip, d[0].details.sources]).toEqual([undefined, 2]);
  });

  it('catches a flood from random spoofed sources (hping3 --rand-source) by destination', () => {
    const h = new Harness((r) => createSynFloodDetector(settingsWith(), r));
    for (let i = 0; i < 3000; i++) h.feed(tcp(`172.${16 + (i % 16)}.${(i >> 8) & 255}.${i & 255}`, 3000 + i, V, 80, SYN), T0 + i);
    const d = h.of('SYN_FLOOD');
    expect(d.length).toBeGreaterThan(0);
    expect(d[0].key).toBe(`dst:${V}`);
    expect(d[0].src_ip).toBeUndefined();
    expect(d[0].details.spoofed_sources).toBe(true);
  });

  it('many quick successful connections (a crawler) are not a flood', () => {
    const h = new Harness((r) => createSynFloodDetector(settingsWith(), r));
    for (let i = 0; i < 3000; i++) {
      const t = T0 + i * 2; // 500 connections per second
      h.feed(tcp('10.0.0.1', 20000 + i, V, 80, SYN, { os: true }), t);
      h.feed(tcp(V, 80, '10.0.0.1', 20000 + i, SYNACK), t + 0.1);
      h.feed(tcp('10.0.0.1', 20000 + i, V, 80, ACK), t + 0.2);
    }
    expect(h.detections).toEqual([]);
  });

  it('an nmap SYN scan (one SYN per port, many ports) is not a flood', () => {
    const h = new Harness((r) => createSynFloodDetector(settingsWith(), r));
    for (let port = 1; port <= 1000; port++) {
      h.feed(tcp('10.0.0.1', 50000, V, port, SYN), T0 + port * 0.5);
      h.feed(tcp(V, port, '10.0.0.1', 50000, RSTACK), T0 + port * 0.5 + 0.1);
    }
    expect(h.detections).toEqual([]);
  });

  it('a state made from one swept away starts empty: another victim\'s flood counts only its own sources, ports and SYNs', () => {
    const h = new Harness((r) => createSynFloodDetector(settingsWith(), r));
    // 300 spoofed sources flood A:80 for 2 s (and one source sends enough to get a state of its own).
    for (let i = 0; i < 1000; i++) h.feed(tcp(`10.1.${(i % 300) >> 8}.${i % 300 & 255}`, 1024 + i, '10.0.0.5', 80, SYN), T0 + i * 2);
    expect(h.of('SYN_FLOOD').at(-1)?.details.sources).toBe(300);
    // Quiet long enough for the sweep to take every state out, then one source floods B:443.
    const t1 = T0 + 60_000;
    h.tick(t1);
    h.detections.length = 0;
    for (let i = 0; i < 600; i++) h.feed(tcp('10.9.9.9', 2000 + i, '10.0.0.6', 443, SYN), t1 + 1 + i * 2);
    const d = h.of('SYN_FLOOD');
    expect(d.length).toBeGreaterThan(0);
    expect([d[0].key, d[0].src_ip, d[0].dst_port]).toEqual(['dst:10.0.0.6', '10.9.9.9', 443]);
    expect(d[0].details).toMatchObject({ sources: 1, ports: [443], first_seen: new Date(t1 + 1).toISOString() });
    expect(d[0].details.syns).toBe(d[0].details.half_open_in_window);
  });

  it('keeps bounded state for a million spoofed sources', () => {
    const det = createSynFloodDetector(settingsWith(), () => {});
    const p = tcp('1.1.1.1', 1, V, 80, SYN);
    for (let i = 0; i < 1_000_000; i++) {
      p.ipSrc = (0x0b000000 + i * 7919) >>> 0;
      p.srcPort = 1024 + (i & 0x7fff);
      det.onPacket(at(p, T0 + i / 50));
    }
    const st = det.status!();
    expect(st.sources).toBe(0);
    expect(st.pendingSyns as number).toBeLessThanOrEqual(65536);
  });

  it('finds per-source state again after thousands of other sources were evicted and swept', () => {
    const busySources = 10_000;
    // A source flooding many hosts on one port (a per-source SYN_FLOOD), starting at time t.
    const flood = (h: Harness, t: number): void => {
      for (let i = 0; i < 400; i++) h.feed(tcp('10.9.9.9', 2000 + i, `10.1.${i >> 8}.${i & 255}`, 80, SYN), t + i * 5);
    };
    const alone = new Harness((r) => createSynFloodDetector(settingsWith(), r));
    flood(alone, T0);
    const expected = alone.of('SYN_FLOOD').map((d) => ({ key: d.key, message: d.message, severity: d.severity }));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected[0].key).toBe('src:10.9.9.9');

    const h = new Harness((r) => createSynFloodDetector(settingsWith(), r));
    // Each busy source sends 26 SYNs within a second (past the gate of a quarter of syn_flood), to hosts of
    // its own (source ports of its own too, so no SYN looks like a decoy's copy of another): more
    // per-source states than the map's 8,192, so the oldest are evicted; 10.9.9.9 among them.
    let t = T0;
    for (let s = 0; s < busySources; s++) {
      const src = s === 1234 ? '10.9.9.9' : `172.${16 + (s >> 16)}.${(s >> 8) & 255}.${s & 255}`;
      for (let i = 0; i < 26; i++) h.feed(tcp(src, 1024 + ((s * 26 + i) % 60000), `192.168.${s & 255}.${i}`, 443, SYN), t + i * 0.01);
      t += 0.3;
    }
    const full = h.det.status!();
    expect(full.sources as number).toBeGreaterThan(4096);
    expect(full.sources as number).toBeLessThanOrEqual(8192);
    // Quiet for longer than the state lives: the sweep drops every source.
    h.feed(tcp('10.0.0.77', 1, V, 80, ACK), t + 25_000);
    expect(h.det.status!().sources).toBe(0);
    h.detections.length = 0;
    flood(h, t + 30_000);
    const got = h.of('SYN_FLOOD').map((d) => ({ key: d.key, message: d.message, severity: d.severity }));
    expect(got).toEqual(expected);
  });
});

describe('ConnectionFloodDetector', () => {
  const connect = (h: Harness, n: number, spacingMs: number): void => {
    for (let i = 0; i < n; i++) {
      const t = T0 + i * spacingMs;
      h.feed(tcp('10.0.0.1', 30000 + i, V, 8080, SYN, { os: true }), t);
      h.feed(tcp(V, 8080, '10.0.0.1', 30000 + i, SYNACK), t + 0.1);
      h.feed(tcp('10.0.0.1', 30000 + i, V, 8080, ACK), t + 0.2);
      h.feed(tcp('10.0.0.1', 30000 + i, V, 8080, ACK | PSH, { payload: 'GET / HTTP/1.1\r\n\r\n' }), t + 0.3);
      h.feed(tcp('10.0.0.1', 30000 + i, V, 8080, FIN | ACK), t + 1);
    }
  };
  it('50 completed connections within 10 s from one source raise one CONNECTION_FLOOD episode', () => {
    const h = new Harness((r) => createConnectionFloodDetector(settingsWith(), r));
    connect(h, 120, 50);
    const d = h.of('CONNECTION_FLOOD');
    expect(d.length).toBeGreaterThan(0);
    expect(new Set(d.map((x) => x.key))).toEqual(new Set(['10.0.0.1']));
    expect(d[0].details.connections_in_window).toBe(50);
    expect(d[0].dst_port).toBe(8080);
  });
  it('names the source and the one target for IPv4 from 128.0.0.0 up and for IPv6', () => {
    for (const [src, dst] of [
      ['203.0.113.9', '198.51.100.7'],
      ['2001:db8::9', '2001:db8::7'],
    ]) {
      const h = new Harness((r) => createConnectionFloodDetector(settingsWith(), r));
      for (let i = 0; i < 60; i++) {
        const t = T0 + i * 100;
        h.feed(tcp(src, 30000 + i, dst, 8080, SYN, { os: true }), t);
        h.feed(tcp(dst, 8080, src, 30000 + i, SYNACK, { os: true }), t + 0.1);
        h.feed(tcp(src, 30000 + i, dst, 8080, ACK), t + 0.2);
      }
      const d = h.of('CONNECTION_FLOOD');
      expect(d.length).toBeGreaterThan(0);
      expect([d[0].key, d[0].src_ip, d[0].dst_ip, d[0].details.targets]).toEqual([src, src, dst, 1]);
    }
  });
  it('a source\'s first connection counts in full once a second comes (its counts are made then), and at threshold 1 it raises alone', () => {
    // Completed handshakes from one source to two targets and two ports, the first at T0 + 0.2.
    const feed = (h: Harness, i: number, dst: string, port: number, t: number): void => {
      h.feed(tcp('10.0.0.1', 30000 + i, dst, port, SYN, { os: true }), t);
      h.feed(tcp(dst, port, '10.0.0.1', 30000 + i, SYNACK, { os: true }), t + 0.1);
      h.feed(tcp('10.0.0.1', 30000 + i, dst, port, ACK), t + 0.2);
    };
    const two = new Harness((r) => createConnectionFloodDetector(settingsWith({ connection_flood: 2 }), r));
    feed(two, 0, '10.0.0.7', 22, T0);
    expect(two.detections).toEqual([]);
    feed(two, 1, '10.0.0.8', 443, T0 + 3000);
    const d = two.of('CONNECTION_FLOOD');
    expect(d.length).toBe(1);
    expect(d[0].details).toMatchObject({ connections_in_window: 2, connections: 2, ports: [22, 443], targets: 2, first_seen: new Date(T0 + 0.2).toISOString() });
    expect([d[0].dst_ip, d[0].dst_port]).toEqual([undefined, undefined]);
    // The first connection's bucket leaves the 10 s window: a third connection 11 s later counts 2, not 3.
    feed(two, 2, '10.0.0.7', 22, T0 + 11_000);
    expect(two.of('CONNECTION_FLOOD').at(-1)?.details).toMatchObject({ connections_in_window: 2, connections: 3, ports: [22, 443], targets: 2 });
    const one = new Harness((r) => createConnectionFloodDetector(settingsWith({ connection_flood: 1 }), r));
    feed(one, 0, '10.0.0.7', 22, T0);
    expect(one.of('CONNECTION_FLOOD').map((x) => [x.src_ip, x.dst_ip, x.dst_port, x.details.connections_in_window, x.details.targets])).toEqual([['10.0.0.1', '10.0.0.7', 22, 1, 1]]);
  });
  it('a source state made from one swept away starts empty: 49 connections of another source do not count', () => {
    const h = new Harness((r) => createConnectionFloodDetector(settingsWith(), r));
    const feed = (src: string, i: number, t: number): void => {
      h.feed(tcp(src, 30000 + i, V, 22, SYN, { os: true }), t);
      h.feed(tcp(V, 22, src, 30000 + i, SYNACK, { os: true }), t + 0.1);
      h.feed(tcp(src, 30000 + i, V, 22, ACK), t + 0.2);
    };
    for (let i = 0; i < 49; i++) feed('10.0.0.1', i, T0 + i * 100);
    // 10.0.0.1 idle past the window: swept; 10.0.0.3 connects 49 times, then once more.
    const t1 = T0 + 30_000;
    h.tick(t1);
    for (let i = 0; i < 49; i++) feed('10.0.0.3', i, t1 + i * 100);
    expect(h.detections).toEqual([]);
    feed('10.0.0.3', 49, t1 + 4900);
    const d = h.of('CONNECTION_FLOOD');
    expect(d.length).toBe(1);
    expect([d[0].src_ip, d[0].dst_ip, d[0].dst_port]).toEqual(['10.0.0.3', V, 22]);
    expect(d[0].details).toMatchObject({ connections_in_window: 50, connections: 50, targets: 1, first_seen: new Date(t1 + 0.2).toISOString() });
  });
  it('40 connections in 10 s, or 200 spread over 10 minutes, are not', () => {
    const a = new Harness((r) => createConnectionFloodDetector(settingsWith(), r));
    connect(a, 40, 200);
    const b = new Harness((r) => createConnectionFloodDetector(settingsWith(), r));
    connect(b, 200, 3000);
    expect([...a.detections, ...b.detections]).toEqual([]);
  });
  it('SYNs that never complete (a SYN flood) are not connections', () => {
    const h = new Harness((r) => createConnectionFloodDetector(settingsWith(), r));
    for (let i = 0; i < 500; i++) {
      h.feed(tcp('10.0.0.1', 1000 + i, V, 80, SYN), T0 + i);
      h.feed(tcp(V, 80, '10.0.0.1', 1000 + i, SYNACK), T0 + i + 0.1);
    }
    expect(h.detections).toEqual([]);
  });
});

describe('PortSweepDetector', () => {
  it('one port probed on 5+ hosts that refuse it is a PORT_SWEEP', () => {
    const h = new Harness((r) => createPortSweepDetector(settingsWith(), r));
    for (let i = 10; i < 30; i++) {
      h.feed(tcp('10.0.0.1', 45000, `10.0.0.${i}`, 22, SYN), T0 + i * 10);
      h.feed(tcp(`10.0.0.${i}`, 22, '10.0.0.1', 45000, RSTACK), T0 + i * 10 + 1);
    }
    const d = h.of('PORT_SWEEP');
    expect(d.length).toBeGreaterThan(0);
    expect(d[0].details.hosts_seen).toBe(5);
    expect(d[0].dst_port).toBe(22);
    expect(d[0].key).toBe('10.0.0.1');
    // Later evidence is throttled to one update a second and flushed on the tick.
    h.tick(T0 + 5000);
    expect(h.of('PORT_SWEEP').at(-1)!.details.hosts_seen).toBe(20);
  });
  it('browsing many web servers on 443 (successful conversations) is not a sweep', () => {
    const h = new Harness((r) => createPortSweepDetector(settingsWith(), r));
    for (let i = 1; i < 60; i++) {
      const s = `93.184.${i}.1`;
      const t = T0 + i * 500;
      h.feed(tcp('10.0.0.1', 40000 + i, s, 443, SYN, { os: true }), t);
      h.feed(tcp(s, 443, '10.0.0.1', 40000 + i, SYNACK), t + 20);
      h.feed(tcp('10.0.0.1', 40000 + i, s, 443, ACK), t + 21);
      h.feed(tcp('10.0.0.1', 40000 + i, s, 443, ACK | PSH, { payload: 300 }), t + 22);
      h.feed(tcp(s, 443, '10.0.0.1', 40000 + i, ACK | PSH, { payload: 3000 }), t + 50);
    }
    h.tick(T0 + 120_000);
    expect(h.detections).toEqual([]);
  });
  it('echo requests to 10+ hosts are an ICMP_SWEEP; pinging one host many times is not', () => {
    const h = new Harness((r) => createPortSweepDetector(settingsWith(), r));
    for (let i = 0; i < 100; i++) h.feed(echo('10.0.0.1', V), T0 + i * 1000);
    expect(h.detections).toEqual([]);
    for (let i = 1; i <= 12; i++) h.feed(echo('10.0.0.1', `10.0.1.${i}`), T0 + 200_000 + i);
    expect(h.types()).toEqual(['ICMP_SWEEP']);
    expect(h.detections[0].details.hosts_seen).toBe(10);
  });
});
