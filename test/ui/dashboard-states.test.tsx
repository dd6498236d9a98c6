// Component tests for what the dashboard shows at the edges of a run: before the first packet, after a
// file's end or a stopped capture, the kernel's capture counters, big talker counts at every width,
// alert lines that do not repeat their address, and exports that never overwrite a file.
process.env.TZ = 'UTC';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/engine/types.js';
import { capturedShare } from '../../src/ui/StatsPanel.js';
import { exportPattern, nextExportPath } from '../../src/ui/export-name.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { alert, FakeControl, makeSnapshot, T0 } from './fixtures.js';
import { dashboardTests, type Rendered, type Show } from './helpers.js';

const draw = dashboardTests();
const tempDir = tempDirs('ng-export-');

async function show(snap: Snapshot, size?: Parameters<Show>[1], extra?: Parameters<Show>[2]): Promise<{ v: Rendered; c: FakeControl }> {
  const c = new FakeControl(snap);
  return { v: await draw(c, size, extra), c };
}

/** A snapshot with the statistics changed. */
function withStats(over: Partial<Snapshot['stats']>, rest: Partial<Snapshot> = {}): Snapshot {
  const s = makeSnapshot(rest);
  return { ...s, stats: { ...s.stats, ...over } };
}

const header = (t: string): string => t.split('\n')[0];

describe('before the first packet', () => {
  it('a live capture waiting for traffic says so instead of an uptime since 1970', async () => {
    // The engine's clock is the wall clock (its tick timer) while no packet has come: startedAt is 0.
    const now = Date.UTC(2026, 11, 5, 17, 0, 0);
    const { v } = await show(withStats({ packets: 0, bytes: 0, pps: 0, bps: 0, rateHistory: [], protocols: {}, startedAt: 0, now }, { ts: now }));
    const t = v.text();
    expect(t).toContain('Uptime waiting for the first packet');
    expect(t).not.toMatch(/Uptime \d+d/);
    expect(t).toContain('Packets 0');
  });

  it('a file with no packet yet shows an uptime of 0s', async () => {
    const { v } = await show(withStats({ live: false, source: '/tmp/x.pcap', packets: 0, bytes: 0, startedAt: 0, now: 0, pps: 0, bps: 0 }));
    expect(v.text()).toContain('Uptime 0s');
  });
});

describe('after the source ends', () => {
  it('a file read to its end: the header and the rate line say end of file, with the run average', async () => {
    // 48,213 packets and 30 MiB over 01:02:03 (3,723 s): 13 pkt/s and 68 kbit/s on average.
    const { v } = await show(withStats({ live: false, ended: true, source: '/tmp/synscan.pcap' }));
    const t = v.text();
    expect(header(t)).toContain('end of file /tmp/synscan.pcap');
    expect(header(t)).not.toMatch(/│ file /);
    expect(t).toMatch(/Rate end of file, average 13 pkt\/s {2}68 kbit\/s/);
    // The last second's rate is not left on screen as if traffic were still flowing.
    expect(t).not.toContain('1,250 pkt/s');
    expect(t).toContain('Uptime 01:02:03');
  });

  it('80x24: the end of file and the average packet rate fit the narrow panel', async () => {
    const { v } = await show(withStats({ live: false, ended: true, source: '/tmp/synscan.pcap' }), { columns: 80, rows: 24 });
    expect(v.text()).toMatch(/Rate end of file, avg 13 pkt\/s /);
  });

  it('a stopped live capture says capture stopped', async () => {
    const { v } = await show(withStats({ ended: true }));
    const t = v.text();
    expect(header(t)).toContain('capture stopped');
    expect(t).toMatch(/Rate capture stopped, average 13 pkt\/s/);
  });

  it('while a file is still read the rate is the current one and the header says file', async () => {
    const { v } = await show(withStats({ live: false, ended: false, source: '/tmp/synscan.pcap' }));
    const t = v.text();
    expect(header(t)).toContain('file /tmp/synscan.pcap');
    expect(t).toMatch(/Rate 1,250 pkt\/s {2}9\.8 Mbit\/s/);
    expect(t).not.toContain('end of file');
  });

  it('a file of packets that all share one timestamp ends without an average', async () => {
    const { v } = await show(withStats({ live: false, ended: true, startedAt: T0, now: T0, packets: 3 }));
    expect(v.text()).toMatch(/Rate end of file ▁/);
  });
});

describe('kernel capture counters beside the drops', () => {
  const capture = { kernel_packets: 200_000, kernel_drops: 12, kernel_ifdrops: 0 };

  it('wide: received count and the share captured', async () => {
    const { v } = await show(withStats({ drops: 12 }, { capture }), { columns: 160, rows: 40 });
    expect(v.text()).toContain('Errors 3 decode  Drops 12 of 200,000 received (99.99% captured)');
  });

  it('no drops: 100% captured; drops by the interface are named', async () => {
    const { v } = await show(withStats({ drops: 0 }, { capture: { kernel_packets: 5_000, kernel_drops: 0, kernel_ifdrops: 7 } }), { columns: 160, rows: 40 });
    expect(v.text()).toContain('Drops 0 of 5,000 received (100% captured) +7 by iface');
  });

  it('narrow (80x24): the short form still shows the share', async () => {
    const { v } = await show(withStats({ drops: 12 }, { capture }), { columns: 80, rows: 24 });
    expect(v.text()).toContain('Errors 3  Drops 12/200,000 99.99%');
  });

  it('a file (no counters) keeps Drops n/a with no received count', async () => {
    const { v } = await show(withStats({ live: false, drops: null }, { capture: null }));
    const t = v.text();
    expect(t).toContain('Drops n/a');
    expect(t).not.toContain('received');
  });

  it('the share is never rounded up to 100% while anything was dropped', () => {
    expect(capturedShare({ kernel_packets: 200_000, kernel_drops: 1, kernel_ifdrops: 0 })).toBe('99.99%');
    expect(capturedShare({ kernel_packets: 3, kernel_drops: 1, kernel_ifdrops: 0 })).toBe('66.66%');
    expect(capturedShare({ kernel_packets: 10, kernel_drops: 0, kernel_ifdrops: 0 })).toBe('100%');
    expect(capturedShare({ kernel_packets: 0, kernel_drops: 0, kernel_ifdrops: 0 })).toBe('-');
  });
});

describe('top talkers with big counts', () => {
  const big = [
    { ip: '2001:db8:4006:812::200e', packets: 12_345_678, bytes: 9_876_543_210 },
    { ip: '203.0.113.9', packets: 1_234_567, bytes: 123_456_789 },
  ];
  for (const [columns, rows] of [
    [160, 40],
    [200, 50],
    [120, 40],
    [80, 24],
  ]) {
    it(`${columns}x${rows}: every packet count is shown whole`, async () => {
      const { v } = await show(makeSnapshot({ topByBytes: big, topByPackets: big }), { columns, rows });
      const t = v.text();
      expect(t).toMatch(/ 12,345,678 pk(\s|$)/m);
      expect(t).toMatch(/ 1,234,567 pk(\s|$)/m);
      expect(t).toMatch(/9\.2 GB/);
      // No talker count after a bar is cut.
      expect(t).not.toMatch(/[█░] *[\d,.]+…/);
    });
  }
});

describe('alert lines', () => {
  it('MALICIOUS_IP does not show its address twice', async () => {
    const a = alert({ type: 'MALICIOUS_IP', severity: 'HIGH', message: '10.99.0.1 promoted to malicious: suspicion score 55 reached 50', src_ip: '10.99.0.1' });
    const { v } = await show(makeSnapshot({ alerts: [a], alertCounts: { LOW: 0, WARNING: 0, HIGH: 1, CRITICAL: 0 } }));
    const t = v.text();
    expect(t).toContain('HIGH     MALICIOUS_IP 10.99.0.1 promoted to malicious: suspicion score 55 reached 50');
    expect(t).not.toContain('10.99.0.1 10.99.0.1');
  });

  it('a message that names the address elsewhere is left whole', async () => {
    const a = alert({ type: 'CONNECTION_FLOOD', severity: 'HIGH', message: 'Connection flood from 10.99.0.1: 120 connections in 10s', src_ip: '10.99.0.1' });
    const { v } = await show(makeSnapshot({ alerts: [a], alertCounts: { LOW: 0, WARNING: 0, HIGH: 1, CRITICAL: 0 } }));
    expect(v.text()).toContain('CONNECTION_FLOOD 10.99.0.1 Connection flood from 10.99.0.1: 120 connections in 10s');
  });
});

describe('export file names', () => {
  it('each export is a new file: the time in the name, then -2, -3 when taken', async () => {
    const dir = tempDir();
    const base = path.join(dir, 'capture.pcap');
    // A file already there keeps its content: the export takes the next name.
    writeFileSync(path.join(dir, 'capture-20240305-140709.pcap'), 'earlier export');
    const { v, c } = await show(makeSnapshot(), undefined, { exportPath: base, clock: () => new Date(T0) });
    // The fake writes the file, as the engine's export does.
    c.exportPcap = async (p: string) => {
      c.exports.push(p);
      writeFileSync(p, 'pcap');
      return { count: 6, path: p };
    };
    await v.press('e');
    await v.until((t) => t.includes('Exported'), 'the first export');
    await v.press('e');
    await v.until((t) => t.includes('capture-20240305-140709-3.pcap'), 'the second export');
    expect(c.exports).toEqual([path.join(dir, 'capture-20240305-140709-2.pcap'), path.join(dir, 'capture-20240305-140709-3.pcap')]);
    expect(readFileSync(path.join(dir, 'capture-20240305-140709.pcap'), 'utf8')).toBe('earlier export');
    expect(existsSync(base)).toBe(false);
  });

  it('names keep the directory and extension of the base, and the help shows the pattern', () => {
    const when = new Date(Date.UTC(2026, 11, 5, 7, 4, 1));
    expect(nextExportPath('/var/log/netguard/dump.pcapng', when, () => false)).toBe('/var/log/netguard/dump-20261205-070401.pcapng');
    expect(nextExportPath('/tmp/noext', when, () => false)).toBe('/tmp/noext-20261205-070401.pcap');
    expect(nextExportPath('capture.pcap', when, () => false)).toBe(path.resolve('capture-20261205-070401.pcap'));
    expect(exportPattern('/tmp/capture.pcap')).toBe('/tmp/capture-YYYYmmdd-HHMMSS.pcap');
  });
});
