// Live: nmap TCP scans (-sS -sT -sF -sX -sN -sA -sM) from the attacker namespace, NetGuard capturing
// with cap on the victim's veth; each scan raises its own type once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPair, requireRoot, type NetnsPair } from '../helpers/netns.js';
import { nmap, removeDir, summary, underNetguard, workDir } from '../detect/live-helpers.js';

let pair: NetnsPair;
let dir: string;

beforeAll(async () => {
  requireRoot();
  pair = await createPair('det1', 210);
  dir = workDir();
}, 30_000);

afterAll(async () => {
  await pair?.destroy();
  if (dir) removeDir(dir);
});

describe('live nmap TCP scans', () => {
  it.each([
    ['-sS', 'SYN_SCAN'],
    ['-sT', 'CONNECT_SCAN'],
    ['-sF', 'FIN_SCAN'],
    ['-sX', 'XMAS_SCAN'],
    ['-sN', 'NULL_SCAN'],
    ['-sA', 'ACK_SCAN'],
    ['-sM', 'MAIMON_SCAN'],
  ])('nmap %s raises %s once', async (flag, type) => {
    const r = await underNetguard(pair, dir, () => nmap(pair, ['-Pn', flag, '-p', '1-200', pair.victimIp]), 1500);
    const mine = r.alerts.filter((a) => a.type === type);
    expect(mine, summary(r.alerts)).toHaveLength(1);
    expect(mine[0].src_ip).toBe(pair.attackerIp);
    expect(mine[0].dst_ip).toBe(pair.victimIp);
    // No other scan type, no flood: the only side alerts are the suspicious-port and reputation ones.
    const others = r.alerts.filter((a) => a.type !== type && /_SCAN$|FLOOD|SWEEP/.test(a.type));
    expect(others, summary(r.alerts)).toEqual([]);
  }, 40_000);
});
