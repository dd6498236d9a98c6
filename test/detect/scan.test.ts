// ScanDetector unit tests with hand-built packets: every probe type, response awareness, slow scans, bounds.
import { describe, expect, it } from 'vitest';
import { createScanDetector } from '../../src/detect/index.js';
import { AlertFunnel } from '../../src/alert/funnel.js';
import { settingsWith } from './pipeline.js';
import { ACK, FIN, Harness, RST, RSTACK, SYN, SYNACK, XMAS, icmpError, portUnreachable, tcp, udp } from './packets.js';
import { at } from '../helpers/packet-time.js';

const A = '10.0.0.1';
const V = '10.0.0.2';
const T0 = 1_700_000_000_000;

function scanner(th: Record<string, unknown> = {}): Harness {
  return new Harness((r) => createScanDetector(settingsWith(th), r));
}

/** Probes ports 1..n of V from A with `flags`, the victim answering each with `answer` (or silence). */
function probe(h: Harness, n: number, flags: number, opts: { answer?: number; os?: boolean; gapMs?: number; start?: number; src?: string; dst?: string } = {}): number {
  const gap = opts.gapMs ?? 1;
  let t = opts.start ?? T0;
  const src = opts.src ?? A;
  const dst = opts.dst ?? V;
  for (let port = 1; port <= n; port++) {
    h.feed(tcp(src, 50000, dst, port, flags, { os: opts.os }), t);
    if (opts.answer !== undefined) h.feed(tcp(dst, port, src, 50000, opts.answer), t + 0.2);
    t += gap;
  }
  return t;
}

describe('ScanDetector', () => {
  it('reports the union of closed and recently probed ports, its 100 lowest ascending, whatever the probe order', () => {
    let seed = 99;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const count of [30, 150, 700, 3000]) {
      const h = scanner({ slow_scan_ports: 20 });
      const probed = new Set<number>();
      let t = T0;
      for (let i = 0; i < count; i++) {
        // Ports anywhere in 1..65535, some probed twice; about half answered by RST (closed evidence).
        const port = 1 + Math.floor(rnd() * 65535);
        probed.add(port);
        h.feed(tcp(A, 50000, V, port, SYN), t);
        if (rnd() < 0.5) h.feed(tcp(V, port, A, 50000, RSTACK), t + 0.2);
        t += 5;
      }
      // Past probe_timeout: the unanswered probes are evidence too.
      h.tick(t + 10_000);
      const last = h.detections.at(-1)!;
      expect(last.type).toBe('SYN_SCAN');
      // What a Set of every port and a numeric sort give (the detector remembers at most 2,048 per set).
      const want = [...probed].sort((a, b) => a - b);
      if (count <= 2048) expect(last.details.ports_seen).toBe(want.length);
      else expect(last.details.ports_seen as number).toBeGreaterThanOrEqual(2048);
      const ports = last.details.ports as number[];
      expect(ports.length).toBe(Math.min(100, last.details.ports_seen as number));
      expect(ports).toEqual([...ports].sort((a, b) => a - b));
      if (count <= 2048) expect(ports).toEqual(want.slice(0, 100));
      for (const p of ports) expect(probed.has(p)).toBe(true);
      // Every report of the scan, not only the last, has its ports ascending and distinct.
      for (const d of h.of('SYN_SCAN')) {
        const ps = d.details.ports as number[];
        expect(new Set(ps).size).toBe(ps.length);
        expect(ps).toEqual([...ps].sort((a, b) => a - b));
      }
    }
  });

  it('raw SYNs answered by RST are a SYN_SCAN, raised as the slow threshold (25 closed ports) is crossed', () => {
    const h = scanner();
    probe(h, 24, SYN, { answer: RSTACK });
    expect(h.detections).toHaveLength(0);
    probe(h, 25, SYN, { answer: RSTACK, start: T0 + 100 });
    expect(h.types()).toEqual(['SYN_SCAN']);
    const d = h.detections[0];
    expect(d.src_ip).toBe(A);
    expect(d.dst_ip).toBe(V);
    expect(d.key).toBe(A);
    expect(d.details.ports_seen).toBe(25);
    expect(d.details.closed).toBeGreaterThanOrEqual(25);
  });

  it('100 distinct ports within scan_window are a scan even when the ports are open (half-open SYN scan)', () => {
    const h = scanner({ slow_scan_ports: 1000 });
    let t = T0;
    for (let port = 1; port <= 100; port++) {
      h.feed(tcp(A, 50000, V, port, SYN), t);
      h.feed(tcp(V, port, A, 50000, SYNACK), t + 0.1);
      h.feed(tcp(A, 50000, V, port, RST), t + 0.2);
      t += 1;
    }
    expect(h.types()).toEqual(['SYN_SCAN']);
    expect(h.detections[0].details.ports_seen).toBe(100);
    // Raised on the 100th probe, before its teardown; the next evidence update has all 100.
    expect(h.detections[0].details.open_no_data).toBe(99);
    h.tick(t + 2000);
    expect(h.detections.at(-1)!.details.open_no_data).toBe(100);
  });

  it('OS connect() SYNs answered by RST are a CONNECT_SCAN', () => {
    const h = scanner();
    probe(h, 40, SYN, { answer: RSTACK, os: true });
    expect(h.types()).toEqual(['CONNECT_SCAN']);
  });

  it('completed handshakes torn down at once without data are a CONNECT_SCAN even with raw-looking SYNs', () => {
    const h = scanner();
    let t = T0;
    for (let port = 1000; port < 1030; port++) {
      h.feed(tcp(A, 40000 + port, V, port, SYN), t);
      h.feed(tcp(V, port, A, 40000 + port, SYNACK), t + 0.1);
      h.feed(tcp(A, 40000 + port, V, port, ACK), t + 0.2);
      h.feed(tcp(A, 40000 + port, V, port, RSTACK), t + 0.3);
      t += 2;
    }
    expect(h.types()).toEqual(['CONNECT_SCAN']);
  });

  it('successful data-carrying connections to many ports are not a scan', () => {
    const h = scanner({ port_scan: 20 });
    let t = T0;
    for (let port = 2000; port < 2100; port++) {
      h.feed(tcp(A, 40000 + port, V, port, SYN, { os: true }), t);
      h.feed(tcp(V, port, A, 40000 + port, SYNACK), t + 0.1);
      h.feed(tcp(A, 40000 + port, V, port, ACK), t + 0.2);
      h.feed(tcp(A, 40000 + port, V, port, ACK | 8, { payload: 'GET / HTTP/1.1\r\n\r\n' }), t + 0.3);
      h.feed(tcp(A, 40000 + port, V, port, FIN | ACK), t + 0.5);
      t += 10;
    }
    h.tick(t + 10_000);
    expect(h.detections).toEqual([]);
  });

  it('FIN, XMAS and NULL probes are stealth scans even when open ports stay silent', () => {
    for (const [flags, type] of [
      [FIN, 'FIN_SCAN'],
      [XMAS, 'XMAS_SCAN'],
      [0, 'NULL_SCAN'],
    ] as const) {
      const h = scanner();
      probe(h, 30, flags);
      expect(h.types()).toEqual([type]);
    }
  });

  it('ACK and FIN/ACK (Maimon) probes count only when the target answers RST', () => {
    const silent = scanner();
    probe(silent, 60, ACK);
    silent.tick(T0 + 60_000);
    expect(silent.detections).toEqual([]);

    const ack = scanner();
    probe(ack, 30, ACK, { answer: RST });
    expect(ack.types()).toEqual(['ACK_SCAN']);

    const maimon = scanner();
    probe(maimon, 30, FIN | ACK, { answer: RST });
    expect(maimon.types()).toEqual(['MAIMON_SCAN']);
  });

  it('UDP probes answered by ICMP port unreachable (tied back through the quoted header) are a UDP_SCAN', () => {
    const h = scanner();
    let t = T0;
    for (let port = 1; port <= 30; port++) {
      const pr = udp(A, 53000, V, port);
      h.feed(pr, t);
      h.feed(portUnreachable(V, A, pr), t + 0.5);
      t += 1;
    }
    expect(h.types()).toEqual(['UDP_SCAN']);
    expect(h.detections[0].details.closed).toBe(25);
    expect(h.detections[0].proto).toBe('UDP');
  });

  it('UDP datagrams that get replies (DNS, NTP) are not a scan; traceroute time-exceeded is not either', () => {
    const h = scanner();
    let t = T0;
    for (let i = 0; i < 200; i++) {
      h.feed(udp(A, 30000 + i, V, 53, 40), t);
      h.feed(udp(V, 53, A, 30000 + i, 120), t + 2);
      t += 10;
    }
    for (let port = 33434; port < 33524; port++) {
      const pr = udp(A, 40000, '192.0.2.99', port);
      h.feed(pr, t);
      h.feed(icmpError('10.0.0.254', A, 11, 0, pr), t + 1);
      t += 5;
    }
    h.tick(t + 60_000);
    expect(h.detections).toEqual([]);
  });

  it('unanswered (filtered) SYN probes count once probe_timeout has passed', () => {
    const h = scanner();
    const end = probe(h, 30, SYN, { gapMs: 10 });
    expect(h.detections).toHaveLength(0);
    h.tick(end + 5000);
    expect(h.types()).toEqual(['SYN_SCAN']);
    expect(h.detections.at(-1)!.details.unanswered).toBe(30);
  });

  it('works for IPv6 and ICMPv6 port unreachables', () => {
    const h = scanner();
    probe(h, 30, SYN, { answer: RSTACK, src: 'fd00:1::1', dst: 'fd00:1::2' });
    expect(h.types()).toEqual(['SYN_SCAN']);
    expect(h.detections[0].src_ip).toBe('fd00:1::1');
    const u = scanner();
    for (let port = 1; port <= 30; port++) {
      const pr = udp('fd00:1::1', 5000, 'fd00:1::2', port);
      u.feed(pr, T0 + port * 10);
      u.feed(portUnreachable('fd00:1::2', 'fd00:1::1', pr), T0 + port * 10 + 1);
    }
    expect(u.types()).toEqual(['UDP_SCAN']);
  });

  it('a slow scan (one probe every 5 minutes, nmap -T0) is caught at 25 ports and stays one alert', () => {
    const settings = settingsWith();
    const funnel = new AlertFunnel({ suppressionMs: () => 60_000 });
    const det = createScanDetector(settings, (d) => funnel.raise(d));
    let t = T0;
    for (let port = 1; port <= 40; port++) {
      const p = tcp(A, 50000, V, port, SYN);
      det.onPacket(at(p, t));
      det.onPacket(at(tcp(V, port, A, 50000, RSTACK), t + 1));
      det.onTick?.(t + 60_000);
      funnel.onTick(t + 60_000);
      if (port === 24) expect(funnel.summary().total).toBe(0);
      if (port === 25) expect(funnel.summary().total).toBe(1);
      t += 300_000;
    }
    const alerts = funnel.recent();
    expect(alerts).toHaveLength(1);
    expect(alerts[0].type).toBe('SYN_SCAN');
    expect(alerts[0].details.slow).toBe(true);
    expect(alerts[0].details.ports_seen).toBe(40);
  });

  it('forgets slow evidence after slow_scan_idle without probes', () => {
    const h = scanner({ slow_scan_idle: 600 });
    let t = T0;
    for (let port = 1; port <= 30; port++) {
      h.feed(tcp(A, 50000, V, port, SYN), t);
      h.feed(tcp(V, port, A, 50000, RSTACK), t + 1);
      t += 700_000; // longer than the idle limit between probes
    }
    expect(h.detections).toEqual([]);
  });

  it('a second scan after the first one ended is a new detection episode', () => {
    const h = scanner();
    probe(h, 30, SYN, { answer: RSTACK });
    const first = h.detections.length;
    probe(h, 30, SYN, { answer: RSTACK, start: T0 + 600_000 });
    expect(h.detections.length).toBeGreaterThan(first);
    expect(h.detections.at(-1)!.details.first_seen).toBe(new Date(T0 + 600_000).toISOString());
  });

  // An episode's first two ports are kept inline and move into its port sets at the third: they must leave the
  // scan window as a Map's entries would, oldest probe first.
  it('the first two ports leave scan_window by their last probe, also once a third port arrives', () => {
    const th = { port_scan: 3, slow_scan_ports: 1000 };
    const probeAt = (h: Harness, sport: number, port: number, dt: number): number => {
      h.feed(tcp(A, sport, V, port, SYN), T0 + dt);
      return h.detections.length;
    };
    // Port 1000, then 2000, then 1000 again as a new probe (resolved, 20 s later): 2000 is now the older.
    // Port 3000 at 60.15 s pushes 2000 (probed at 0.1 s) out of the 60 s window, not 1000: two recent ports,
    // no scan. A fourth port makes three. (Both unanswered first probes stay slow evidence: four ports seen.)
    const h = scanner(th);
    probeAt(h, 40001, 1000, 0);
    probeAt(h, 40002, 2000, 100);
    h.tick(T0 + 5600);
    probeAt(h, 40003, 1000, 20_000);
    expect(probeAt(h, 40004, 3000, 60_150)).toBe(0);
    expect(probeAt(h, 40005, 4000, 60_160)).toBe(1);
    expect(h.types()).toEqual(['SYN_SCAN']);
    expect(h.detections[0].details.ports).toEqual([1000, 2000, 3000, 4000]);
    // Two inline ports alone (a scan at two): the second, probed 61 s after the first, drops the first from
    // the window, and so does the first probed again, 61 s after the second.
    const g = scanner({ port_scan: 2, slow_scan_ports: 1000 });
    probeAt(g, 40001, 1000, 0);
    expect(probeAt(g, 40002, 2000, 61_000)).toBe(0);
    g.tick(T0 + 67_000);
    expect(probeAt(g, 40003, 1000, 122_000)).toBe(0);
    expect(probeAt(g, 40004, 3000, 122_100)).toBe(1);
    expect(g.detections[0].details.ports).toEqual([1000, 2000, 3000]);
  });

  it('keeps bounded state under a flood of distinct spoofed sources', () => {
    const det = createScanDetector(settingsWith(), () => {});
    const p = tcp(A, 1234, V, 80, SYN);
    for (let i = 0; i < 100_000; i++) {
      p.ipSrc = (0x0b000000 + i * 7919) >>> 0;
      det.onPacket(at(p, T0 + i / 100));
    }
    const st = det.status();
    expect(st.pairs).toBeLessThanOrEqual(4096);
    expect(st.pendingProbes).toBeLessThanOrEqual(65536);
  });
});
