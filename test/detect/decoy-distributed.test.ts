// DecoyScanDetector and DistributedScanDetector with hand-built packets, through createDetectors and the
// funnel as the engine runs them: lockstep decoys are one DECOY_SCAN with the real source named, and
// no per-source scan alert or SYN_FLOOD; many sources covering one target's ports are one DISTRIBUTED_SCAN.
import { describe, expect, it } from 'vitest';
import { createDetectors } from '../../src/detect/index.js';
import type { Detection } from '../../src/alert/types.js';
import { settingsWith } from './pipeline.js';
import { FIN, RSTACK, SYN, SYNACK, RST, tcp } from './packets.js';
import { at } from '../helpers/packet-time.js';

const V = '10.0.0.2';
const T0 = 1_700_000_000_000;

function detectors(only: Array<'decoy-scan' | 'scan' | 'syn-flood' | 'distributed-scan'> = ['decoy-scan', 'scan', 'syn-flood', 'distributed-scan']) {
  const got: Detection[] = [];
  const dets = createDetectors(settingsWith(), (d) => got.push(d), { only });
  const feed = (p: ReturnType<typeof tcp>, now: number, ttl = 50, ipId = 0): void => {
    p.ipTtl = ttl;
    p.ipId = ipId;
    p.ts = now;
    for (const d of dets) d.onPacket(at(p, now));
  };
  const tick = (now: number): void => {
    for (const d of dets) d.onTick?.(now);
  };
  return { got, feed, tick, dets };
}

/** nmap -D: every port probed once per source back to back (same source port and IP ID); only `real` is answered. */
function decoyScan(h: ReturnType<typeof detectors>, sources: string[], real: string | null, ports: number, opts: { flags?: number; ttl?: (src: string, i: number) => number; target?: string; start?: number } = {}): number {
  let t = opts.start ?? T0;
  const target = opts.target ?? V;
  for (let port = 1; port <= ports; port++) {
    for (const src of sources) {
      h.feed(tcp(src, 40000, target, port, opts.flags ?? SYN), t, opts.ttl ? opts.ttl(src, port) : 37 + ((port * 7 + src.length) % 22), port);
      t += 0.01;
    }
    if (real !== null && (opts.flags ?? SYN) === SYN) {
      if (port === 80) {
        h.feed(tcp(target, port, real, 40000, SYNACK), t);
        h.feed(tcp(real, 40000, target, port, RST), t + 0.05, 64);
      } else {
        h.feed(tcp(target, port, real, 40000, RSTACK), t, 64);
      }
    }
    t += 1;
  }
  return t;
}

describe('DecoyScanDetector', () => {
  const SOURCES = ['10.0.0.21', '10.0.0.22', '10.0.0.1', '10.0.0.23'];

  it('nmap -D: one DECOY_SCAN naming every source and the answered one as real; no SYN_SCAN, no SYN_FLOOD', () => {
    const h = detectors();
    const t = decoyScan(h, SOURCES, '10.0.0.1', 300);
    h.tick(t + 10_000);
    const decoy = h.got.filter((d) => d.type === 'DECOY_SCAN');
    expect(decoy.length).toBeGreaterThanOrEqual(1);
    expect(new Set(decoy.map((d) => d.key))).toEqual(new Set([V]));
    expect([...(decoy[0].details.sources as string[])].sort()).toEqual([...SOURCES].sort());
    expect(decoy[0].src_ip).toBe('10.0.0.1');
    expect(decoy.at(-1)!.details.ports_seen).toBe(300);
    expect(decoy.at(-1)!.details.likely_real_reason).toMatch(/RST|answered/);
    expect(decoy[0].details.same_ip_id).toBe(true);
    expect(h.got.filter((d) => /_SCAN$/.test(d.type) && d.type !== 'DECOY_SCAN')).toEqual([]);
    expect(h.got.filter((d) => d.type === 'SYN_FLOOD')).toEqual([]);
  });

  it('decoys with identical TTLs: the real source is still told by its kernel RST and the answers', () => {
    const h = detectors();
    decoyScan(h, SOURCES, '10.0.0.1', 120, { ttl: () => 48 });
    const decoy = h.got.filter((d) => d.type === 'DECOY_SCAN');
    expect(decoy.at(-1)!.src_ip).toBe('10.0.0.1');
    expect(decoy.at(-1)!.details.likely_real_reason).not.toMatch(/TTL/);
  });

  it('when nothing sets a source apart the alert says so instead of guessing', () => {
    const h = detectors();
    decoyScan(h, SOURCES, null, 60, { ttl: () => 48 });
    const decoy = h.got.filter((d) => d.type === 'DECOY_SCAN');
    expect(decoy).not.toHaveLength(0);
    expect(decoy.at(-1)!.src_ip).toBeUndefined();
    expect(decoy.at(-1)!.details.likely_real_source).toBeNull();
  });

  it('IPv6 FIN decoys are one DECOY_SCAN and no FIN_SCAN', () => {
    const h = detectors();
    decoyScan(h, ['fd00::21', 'fd00::1', 'fd00::22'], null, 100, { flags: FIN, target: 'fd00::2' });
    expect(h.got.filter((d) => d.type === 'DECOY_SCAN').map((d) => d.dst_ip)[0]).toBe('fd00::2');
    expect(h.got.filter((d) => d.type === 'FIN_SCAN')).toEqual([]);
  });

  it('a scan interleaved with benign connections to the same ports is still a plain SYN_SCAN, not a decoy scan', () => {
    const h = detectors();
    let t = T0;
    for (let port = 1; port <= 200; port++) {
      h.feed(tcp('10.0.0.9', 40000, V, port, SYN), t);
      h.feed(tcp(V, port, '10.0.0.9', 40000, RSTACK), t + 0.1);
      // OS connect() SYNs from clients to the same port right after: they cannot be forged decoys.
      h.feed(tcp(`10.0.1.${port % 50}`, 50000 + port, V, port, SYN, { os: true }), t + 0.2);
      t += 2;
    }
    expect(h.got.filter((d) => d.type === 'DECOY_SCAN')).toEqual([]);
    expect(h.got.filter((d) => d.type === 'SYN_SCAN').map((d) => d.src_ip)).toContain('10.0.0.9');
  });

  it('two scanners probing the same ports in their own orders are not decoys', () => {
    const h = detectors(['decoy-scan']);
    let t = T0;
    for (let i = 0; i < 500; i++) {
      h.feed(tcp('10.0.0.31', 40000, V, 1 + ((i * 37) % 500), SYN), t);
      h.feed(tcp('10.0.0.32', 40001, V, 1 + ((i * 211) % 500), SYN), t + 0.3);
      t += 1;
    }
    expect(h.got).toEqual([]);
  });

  it('state stays within its caps under many lockstep sources and targets', () => {
    const h = detectors(['decoy-scan']);
    let t = T0;
    // Pairs of sources copying each other on many ports of 600 targets: more than the tables hold.
    for (let i = 0; i < 20_000; i++) {
      const target = `172.16.${(i >> 5) % 600 >> 8}.${((i >> 5) % 600) & 255}`;
      for (const k of [0, 1]) h.feed(tcp(`10.${(i >> 8) & 255}.${i & 255}.${k + 1}`, 1000, target, 1 + (i % 32), SYN), t);
      t += 0.05;
    }
    const st = h.dets[0].status!() as { targets: number; pairs: number };
    expect(st.targets).toBeLessThanOrEqual(256);
    expect(st.pairs).toBeLessThanOrEqual(2048);
  });

  it('a spoofed SYN flood (random sources, one port) is still SYN_FLOOD and no DECOY_SCAN', () => {
    const h = detectors();
    let t = T0;
    for (let i = 0; i < 3000; i++) {
      h.feed(tcp(`10.${(i >> 8) & 255}.${i & 255}.9`, 1024 + i, V, 80, SYN), t);
      t += 0.2;
    }
    expect(h.got.filter((d) => d.type === 'SYN_FLOOD')).not.toHaveLength(0);
    expect(h.got.filter((d) => d.type === 'DECOY_SCAN')).toEqual([]);
  });
});

describe('DistributedScanDetector', () => {
  it('three sources each probing a third of ports 1-900 are one DISTRIBUTED_SCAN with the union', () => {
    const h = detectors(['distributed-scan']);
    let t = T0;
    const srcs = ['10.0.0.31', '10.0.0.32', '10.0.0.33'];
    for (let i = 0; i < 300; i++) {
      for (let k = 0; k < 3; k++) {
        const port = 1 + k * 300 + i;
        h.feed(tcp(srcs[k], 40000, V, port, SYN), t);
        h.feed(tcp(V, port, srcs[k], 40000, RSTACK), t + 0.1);
        t += 1;
      }
    }
    h.tick(t + 2000);
    const d = h.got.filter((x) => x.type === 'DISTRIBUTED_SCAN');
    expect(new Set(d.map((x) => x.key))).toEqual(new Set([V]));
    expect([...(d.at(-1)!.details.sources as string[])].sort()).toEqual(srcs);
    expect(d.at(-1)!.details.ports_seen).toBe(900);
    expect(d.at(-1)!.details.port_ranges).toBe('1-900');
  });

  it('one scanner with a few stray probes from elsewhere is not distributed', () => {
    const h = detectors(['distributed-scan']);
    let t = T0;
    for (let port = 1; port <= 400; port++) {
      h.feed(tcp('10.0.0.9', 40000, V, port, SYN), t);
      h.feed(tcp(V, port, '10.0.0.9', 40000, RSTACK), t + 0.1);
      if (port % 40 === 0) {
        for (const s of ['10.0.0.40', '10.0.0.41']) {
          h.feed(tcp(s, 40000, V, 1000 + port, SYN), t + 0.2);
          h.feed(tcp(V, 1000 + port, s, 40000, RSTACK), t + 0.3);
        }
      }
      t += 1;
    }
    h.tick(t + 2000);
    expect(h.got).toEqual([]);
  });
});
