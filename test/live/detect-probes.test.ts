// Live: nmap UDP, IPv6 and fragmented scans and a port sweep across the victim's addresses, NetGuard
// capturing with cap on the victim's veth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPair, requireRoot, type NetnsPair } from '../helpers/netns.js';
import { nmap, removeDir, summary, underNetguard, workDir } from '../detect/live-helpers.js';

let pair: NetnsPair;
let dir: string;

beforeAll(async () => {
  requireRoot();
  pair = await createPair('det2', 211, { extraVictimIps: 20 });
  // Without this the kernel sends one port unreachable a second and nmap -sU takes minutes; unanswered
  // probes are still evidence (test/detect/scan.test.ts), this only keeps the test short.
  await pair.exec(pair.victim, 'sysctl', ['-qw', 'net.ipv4.icmp_ratelimit=0', 'net.ipv6.icmp.ratelimit=0']);
  dir = workDir();
}, 30_000);

afterAll(async () => {
  await pair?.destroy();
  if (dir) removeDir(dir);
});

const scanTypes = (t: string) => /_SCAN$/.test(t);

describe('live UDP, IPv6, fragmented scans and sweeps', () => {
  it('nmap -sU raises UDP_SCAN once', async () => {
    const r = await underNetguard(pair, dir, () => nmap(pair, ['-Pn', '-sU', '--max-retries', '1', '-p', '1-100', pair.victimIp]), 1500);
    expect(r.alerts.filter((a) => a.type === 'UDP_SCAN'), summary(r.alerts)).toHaveLength(1);
    expect(r.alerts.filter((a) => scanTypes(a.type) && a.type !== 'UDP_SCAN'), summary(r.alerts)).toEqual([]);
  }, 60_000);

  it('nmap -6 -sS raises SYN_SCAN once, with IPv6 addresses', async () => {
    const r = await underNetguard(pair, dir, () => nmap(pair, ['-6', '-Pn', '-sS', '-p', '1-200', pair.victimIp6]), 1500);
    const s = r.alerts.filter((a) => a.type === 'SYN_SCAN');
    expect(s, summary(r.alerts)).toHaveLength(1);
    expect(s[0].src_ip).toBe(pair.attackerIp6);
    expect(s[0].dst_ip).toBe(pair.victimIp6);
  }, 40_000);

  it('nmap -f -sS (fragmented probes, reassembled by the decoder) raises SYN_SCAN once', async () => {
    const r = await underNetguard(pair, dir, () => nmap(pair, ['-Pn', '-f', '-sS', '-p', '1-200', pair.victimIp]), 1500);
    expect(r.alerts.filter((a) => a.type === 'SYN_SCAN'), summary(r.alerts)).toHaveLength(1);
    expect(r.alerts.filter((a) => scanTypes(a.type) && a.type !== 'SYN_SCAN')).toEqual([]);
  }, 40_000);

  it('nmap -p 22 across 20 victim addresses raises PORT_SWEEP once and no port scan', async () => {
    const r = await underNetguard(pair, dir, () => nmap(pair, ['-sS', '-p', '22', ...pair.victimExtraIps]), 6500);
    const s = r.alerts.filter((a) => a.type === 'PORT_SWEEP');
    expect(s, summary(r.alerts)).toHaveLength(1);
    expect(s[0].src_ip).toBe(pair.attackerIp);
    expect(s[0].dst_port).toBe(22);
    expect(r.alerts.filter((a) => scanTypes(a.type)), summary(r.alerts)).toEqual([]);
  }, 60_000);
});
