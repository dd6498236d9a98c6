// Live: nmap decoy scans (-D with explicit decoy addresses inside this test's own subnet, never -D RND,
// whose random decoys are arbitrary public addresses) and a three-source distributed scan (three
// addresses added to the attacker namespace, nmap -S each), NetGuard capturing on the victim's veth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPair, requireRoot, type NetnsPair } from '../helpers/netns.js';
import { nmap, removeDir, summary, underNetguard, workDir } from '../detect/live-helpers.js';

let pair: NetnsPair;
let dir: string;
const NET = 213;
const DECOYS = [`10.${NET}.0.21`, `10.${NET}.0.22`, `10.${NET}.0.23`];
const SOURCES = [`10.${NET}.0.31`, `10.${NET}.0.32`, `10.${NET}.0.33`];

beforeAll(async () => {
  requireRoot();
  pair = await createPair('det4', NET);
  for (const ip of SOURCES) {
    const r = await pair.exec(pair.attacker, 'ip', ['addr', 'add', `${ip}/24`, 'dev', pair.attackerIf]);
    if (r.code !== 0) throw new Error(`cannot add ${ip}: ${r.stderr}`);
  }
  dir = workDir();
}, 30_000);

afterAll(async () => {
  await pair?.destroy();
  if (dir) removeDir(dir);
});

const perSourceScan = (t: string) => /_SCAN$/.test(t) && t !== 'DECOY_SCAN' && t !== 'DISTRIBUTED_SCAN';

describe('live decoy and distributed scans', () => {
  it.each([['-sS'], ['-sF']])('nmap %s -D decoys,ME raises one DECOY_SCAN naming the real source, no per-source scan, no SYN_FLOOD', async (flag) => {
    const r = await underNetguard(pair, dir, () => nmap(pair, [flag, '-D', `${DECOYS[0]},${DECOYS[1]},ME,${DECOYS[2]}`, '-p', '1-300', pair.victimIp]), 1500);
    const d = r.alerts.filter((a) => a.type === 'DECOY_SCAN');
    expect(d, summary(r.alerts)).toHaveLength(1);
    expect([...(d[0].details.sources as string[])].sort()).toEqual([...DECOYS, pair.attackerIp].sort());
    expect(d[0].src_ip).toBe(pair.attackerIp);
    expect(d[0].dst_ip).toBe(pair.victimIp);
    expect(r.alerts.filter((a) => a.type === 'SYN_FLOOD' || perSourceScan(a.type)), summary(r.alerts)).toEqual([]);
  }, 60_000);

  it('nmap -f -sS -D (fragmented decoy probes) raises one DECOY_SCAN and no SYN_FLOOD', async () => {
    const r = await underNetguard(pair, dir, () => nmap(pair, ['-f', '-sS', '-D', `${DECOYS[0]},ME,${DECOYS[1]}`, '-p', '1-200', pair.victimIp]), 1500);
    expect(r.alerts.filter((a) => a.type === 'DECOY_SCAN'), summary(r.alerts)).toHaveLength(1);
    expect(r.alerts.filter((a) => a.type === 'SYN_FLOOD' || perSourceScan(a.type)), summary(r.alerts)).toEqual([]);
  }, 60_000);

  it('three sources each scanning a third of ports 1-900 raise one DISTRIBUTED_SCAN and no SYN_FLOOD', async () => {
    const r = await underNetguard(
      pair,
      dir,
      () =>
        Promise.all(
          SOURCES.map((src, i) => nmap(pair, ['-Pn', '-sS', '-e', pair.attackerIf, '-S', src, '-p', `${i * 300 + 1}-${i * 300 + 300}`, pair.victimIp])),
        ),
      2500,
    );
    const d = r.alerts.filter((a) => a.type === 'DISTRIBUTED_SCAN');
    expect(d, summary(r.alerts)).toHaveLength(1);
    expect([...(d[0].details.sources as string[])].sort()).toEqual(SOURCES);
    expect(d[0].dst_ip).toBe(pair.victimIp);
    expect(r.alerts.filter((a) => a.type === 'SYN_FLOOD' || a.type === 'DECOY_SCAN'), summary(r.alerts)).toEqual([]);
  }, 60_000);
});
