// Offline detection on captures: real attacks recorded in namespaces (test/fixtures/detect, see
// record.ts there), public corpus captures, slow scans made by stretching a real scan's timestamps, and
// a traffic surge after a quiet baseline. Each capture goes through decode, detectors and funnel.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS, ROOT } from '../helpers/netguard.js';
import type { RawPacket } from '../../src/capture/types.js';
import { describe as show, ofType, readPackets, runPackets, runPcap, types } from './pipeline.js';

const FX = path.join(ROOT, 'test/fixtures/detect');
const fx = (n: string) => path.join(FX, `${n}.pcap`);
const BEHAVIOUR = ['SYN_SCAN', 'CONNECT_SCAN', 'FIN_SCAN', 'XMAS_SCAN', 'NULL_SCAN', 'ACK_SCAN', 'MAIMON_SCAN', 'UDP_SCAN', 'SYN_FLOOD', 'PORT_SWEEP', 'ICMP_SWEEP', 'CONNECTION_FLOOD', 'SQL_INJECTION', 'DIRECTORY_TRAVERSAL'];
/** Alert types a scan also legitimately raises alongside its own (ports 21/22/23/445/3389 are in range). */
const SIDE = new Set(['SUSPICIOUS_PORT']);

describe('recorded nmap scans: the right type, one alert per scan', () => {
  it.each([
    ['nmap-sS', 'SYN_SCAN'],
    ['nmap-sT', 'CONNECT_SCAN'],
    ['nmap-sF', 'FIN_SCAN'],
    ['nmap-sX', 'XMAS_SCAN'],
    ['nmap-sN', 'NULL_SCAN'],
    ['nmap-sA', 'ACK_SCAN'],
    ['nmap-sM', 'MAIMON_SCAN'],
    ['nmap-sU', 'UDP_SCAN'],
    ['nmap-6-sS', 'SYN_SCAN'],
    ['nmap-f-sS', 'SYN_SCAN'],
  ])('%s raises %s', async (file, type) => {
    const r = await runPcap(fx(file));
    const mine = ofType(r.alerts, type as never);
    expect(mine, show(r.alerts)).toHaveLength(1);
    expect(r.alerts.filter((a) => a.type !== type && !SIDE.has(a.type)), show(r.alerts)).toEqual([]);
    expect(mine[0].details.ports_seen as number).toBeGreaterThanOrEqual(25);
  });

  it('the IPv6 scan names IPv6 addresses', async () => {
    const r = await runPcap(fx('nmap-6-sS'));
    expect(ofType(r.alerts, 'SYN_SCAN')[0].src_ip).toMatch(/^fd00:/);
  });
});

describe('recorded sweeps, floods and web attacks', () => {
  it('nmap -p 22 across 20 addresses is one PORT_SWEEP, not a port scan', async () => {
    const r = await runPcap(fx('nmap-sweep-22'));
    expect(ofType(r.alerts, 'PORT_SWEEP'), show(r.alerts)).toHaveLength(1);
    expect(ofType(r.alerts, 'PORT_SWEEP')[0].details.hosts_seen as number).toBeGreaterThanOrEqual(15);
    expect(types(r.alerts).filter((t) => t.endsWith('_SCAN'))).toEqual([]);
  });

  it('hping3 -S --flood from one source is SYN_FLOOD against the victim (one episode, no scan)', async () => {
    const r = await runPcap(fx('hping3-flood'));
    const f = ofType(r.alerts, 'SYN_FLOOD');
    expect(f.length, show(r.alerts)).toBeGreaterThanOrEqual(1);
    expect(new Set(f.map((a) => a.dst_ip)).size).toBe(1);
    expect(f[0].src_ip).toBe('10.219.0.1');
    expect(f.at(-1)!.severity).toBe('CRITICAL');
    expect(types(r.alerts).filter((t) => t.endsWith('_SCAN') || t === 'CONNECTION_FLOOD')).toEqual([]);
  });

  it('hping3 --rand-source is SYN_FLOOD by destination, with many sources', async () => {
    const r = await runPcap(fx('hping3-flood-rand-source'));
    const f = ofType(r.alerts, 'SYN_FLOOD');
    expect(f.length, show(r.alerts)).toBeGreaterThanOrEqual(1);
    expect(f[0].dst_ip).toBe('10.219.0.2');
    expect(f[0].details.sources as number).toBeGreaterThan(50);
  });

  it('80 quick curl requests are a CONNECTION_FLOOD, not a SYN flood or scan', async () => {
    const r = await runPcap(fx('http-burst'));
    expect(ofType(r.alerts, 'CONNECTION_FLOOD'), show(r.alerts)).toHaveLength(1);
    expect(types(r.alerts).filter((t) => t === 'SYN_FLOOD' || t.endsWith('_SCAN'))).toEqual([]);
  });

  it('curl SQL injection and traversal requests raise one alert per request connection', async () => {
    const r = await runPcap(fx('http-attacks'));
    expect([...new Set(types(r.alerts))].sort(), show(r.alerts)).toEqual(['DIRECTORY_TRAVERSAL', 'SQL_INJECTION']);
    // curl opens a connection per request: each attack is an alert of its own, with its own flow.
    for (const t of ['SQL_INJECTION', 'DIRECTORY_TRAVERSAL'] as const) {
      const mine = ofType(r.alerts, t);
      expect(mine.length, show(r.alerts)).toBeGreaterThanOrEqual(3);
      expect(new Set(mine.map((a) => a.src_port)).size).toBe(mine.length);
    }
  });

  it('benign page loads, DNS lookups and ping raise no behaviour alert', async () => {
    const r = await runPcap(fx('benign'));
    expect(r.packets).toBeGreaterThan(50);
    expect(r.alerts.filter((a) => BEHAVIOUR.includes(a.type)), show(r.alerts)).toEqual([]);
  });
});

describe('slow scans on packet time (a real scan capture stretched)', () => {
  /** The nmap -sS capture with its probes spaced `gapMs` apart (answers keep their small delay). */
  async function stretched(gapMs: number, ports: number): Promise<RawPacket[]> {
    const pk = await readPackets(fx('nmap-sS'));
    const t0 = pk[0].ts;
    let probe = -1;
    let last = 0;
    const out: RawPacket[] = [];
    for (const p of pk) {
      // Probes are the attacker's frames (from 10.219.0.1); a probe opens a new slot.
      const fromAttacker = p.data[26] === 10 && p.data[27] === 219 && p.data[29] === 1;
      if (fromAttacker && p.data[47] === 0x02) probe++;
      if (probe >= ports) break;
      const ts = t0 + Math.max(0, probe) * gapMs + (p.ts - last > 0 && !fromAttacker ? 1 : 0);
      last = p.ts;
      out.push({ ...p, ts });
    }
    return out;
  }

  it.each([
    ['nmap -T2 (0.4 s)', 400],
    ['nmap -T1 (15 s)', 15_000],
    ['nmap -T0 (5 min)', 300_000],
  ])('%s: caught once ~25 closed ports are touched, one alert', async (_name, gap) => {
    const r = runPackets(await stretched(gap, 40));
    const s = ofType(r.alerts, 'SYN_SCAN');
    expect(s, show(r.alerts)).toHaveLength(1);
    expect(s[0].details.ports_seen as number).toBeGreaterThanOrEqual(38);
    const firstDetection = r.detections.find((d) => d.type === 'SYN_SCAN')!;
    expect((firstDetection.ts - r.detections[0].ts) / gap).toBeLessThan(30);
  });

  it('20 probes 5 minutes apart stay below the threshold', async () => {
    const r = runPackets(await stretched(300_000, 20));
    expect(ofType(r.alerts, 'SYN_SCAN')).toEqual([]);
  });
});

describe('corpus captures', () => {
  it('nmap SYN scan of scanme (synscan.pcap): one SYN_SCAN, 1000 ports', async () => {
    const r = await runPcap(path.join(CORPUS, 'ndpi/synscan.pcap'));
    const s = ofType(r.alerts, 'SYN_SCAN');
    expect(s).toHaveLength(1);
    expect(s[0].src_ip).toBe('172.16.0.8');
    expect(s[0].details.ports_seen).toBe(1000);
    expect(ofType(r.alerts, 'SYN_FLOOD')).toEqual([]);
  });

  it('the tcp_scan sampler has one probe of each kind: each is classified as its type', async () => {
    const r = await runPcap(path.join(CORPUS, 'ndpi/tcp_scan.pcapng'), { thresholds: { slow_scan_ports: 1 } });
    expect(types(r.alerts).filter((t) => t.endsWith('_SCAN'))).toEqual(['CONNECT_SCAN', 'FIN_SCAN', 'NULL_SCAN', 'SYN_SCAN', 'XMAS_SCAN']);
    const byDefault = await runPcap(path.join(CORPUS, 'ndpi/tcp_scan.pcapng'));
    expect(types(byDefault.alerts).filter((t) => t.endsWith('_SCAN'))).toEqual([]);
  });

  it('spoofed SYN floods (StopDDoS) are CRITICAL SYN_FLOOD against 10.10.10.10', async () => {
    for (const f of ['stopddos/pkt.TCP.synflood.spoofed.pcap', 'stopddos/pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng']) {
      const r = await runPcap(path.join(CORPUS, f), { only: ['syn-flood', 'scan', 'connection-flood'] });
      const fl = ofType(r.alerts, 'SYN_FLOOD');
      expect(fl.length, f).toBe(1);
      expect(fl[0].severity).toBe('CRITICAL');
      expect(fl[0].dst_ip).toBe('10.10.10.10');
      expect(r.alerts.filter((a) => a.type !== 'SYN_FLOOD')).toEqual([]);
    }
  });

  it('nmap-vsn: a TCP/80 sweep across the LAN is a PORT_SWEEP', async () => {
    const r = await runPcap(path.join(CORPUS, 'zeek/nmap-vsn.pcap'));
    expect(types(r.alerts)).toEqual(['PORT_SWEEP']);
  });

  it.each([
    ['ndpi/WebattackSQLinj.pcap', 'SQL_INJECTION'],
    ['ndpi/sql_injection.pcap', 'SQL_INJECTION'],
    ['chrissanders-packets/http_dvwa_sqlinjection.pcapng', 'SQL_INJECTION'],
    ['zeek/http/cooper-grill-dvwa.pcapng', 'SQL_INJECTION'],
    ['chrissanders-packets/http_dvwa_directorytraversal.pcapng', 'DIRECTORY_TRAVERSAL'],
    ['ndpi/WebattackRCE.pcap', 'DIRECTORY_TRAVERSAL'],
    ['suricata-verify/tcp-fastopen-01/tfo.pcap', 'DIRECTORY_TRAVERSAL'],
  ])('%s raises %s, one alert per attacking connection', async (file, type) => {
    const r = await runPcap(path.join(CORPUS, file));
    const mine = ofType(r.alerts, type as never);
    expect(mine.length, show(r.alerts)).toBeGreaterThanOrEqual(1);
    // Never two alerts for one connection: each names its own.
    const flows = mine.map((a) => `${a.src_ip}:${a.src_port} ${a.dst_ip}:${a.dst_port}`);
    expect(new Set(flows).size, show(r.alerts)).toBe(mine.length);
  });

  it('benign NuGet URIs with %27 quotes (lua-transform-10-bug-8173) and ordinary HTTP sessions raise nothing', async () => {
    for (const f of ['suricata-verify/lua/lua-transform-10-bug-8173/suri-crash-13.107.253.70-only.pcap', 'suricata-verify/http-all-headers/input.pcap', 'tcpdump/print-flags.pcap', 'ndpi/log4j-webapp-exploit.pcap']) {
      const r = await runPcap(path.join(CORPUS, f));
      expect(r.alerts.filter((a) => BEHAVIOUR.includes(a.type)), `${f}\n${show(r.alerts)}`).toEqual([]);
    }
  });
});

describe('traffic surge after a quiet baseline', () => {
  it('benign traffic replayed quietly for 6 minutes, then the hping3 flood: TRAFFIC_SURGE and TCP_SURGE', async () => {
    const benign = await readPackets(fx('benign'));
    const flood = await readPackets(fx('hping3-flood'));
    const quiet: RawPacket[] = [];
    const T = 1_700_000_000_000;
    // About 3 packets a second of real benign frames for 360 s.
    for (let i = 0; i < 1080; i++) quiet.push({ ...benign[i % benign.length], ts: T + i * 333 + (i % 7) * 20 });
    const start = T + 360_000;
    const burst = flood.map((p) => ({ ...p, ts: start + (p.ts - flood[0].ts) }));
    const r = runPackets([...quiet, ...burst], { only: ['traffic-baseline'] });
    expect(types(r.alerts)).toEqual(['TCP_SURGE', 'TRAFFIC_SURGE']);
    const surge = ofType(r.alerts, 'TRAFFIC_SURGE')[0];
    expect(Date.parse(surge.timestamp)).toBeLessThan(start + 1000);
    expect(surge.details.baseline_mean as number).toBeLessThan(10);
    const quietOnly = runPackets(quiet, { only: ['traffic-baseline'] });
    expect(quietOnly.alerts).toEqual([]);
  });
});
