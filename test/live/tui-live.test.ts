// The dashboard in a real terminal (tmux) on a live veth while nmap scans it: the scan alert appears,
// pausing freezes the display while capture goes on, and export works on live packets.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPair, requireRoot, sh, type NetnsPair } from '../helpers/netns.js';
import { netguardCommand, packetsShown, startTmux, type TmuxSession } from '../ui/tmux.js';

let pair: NetnsPair | null = null;
let session: TmuxSession | null = null;
let dir = '';

beforeAll(async () => {
  requireRoot();
  pair = await createPair('tui', 230);
  dir = mkdtempSync(path.join(os.tmpdir(), 'ng-tui-live-'));
});

afterAll(async () => {
  await session?.kill();
  await pair?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const header = (s: string): string => s.split('\n')[0];

describe('--tui -i veth-v in tmux during an nmap scan', () => {
  it('shows the scan in the alerts panel; p freezes the display while capture goes on; e and q work', async () => {
    const p = pair!;
    session = await startTmux('tuil', netguardCommand(['--tui', '-i', p.victimIf], dir, p.victim), 120, 40);
    let s = await session.until((x) => x.includes('─ Statistics') && header(x).includes('live'), 'the live dashboard');
    expect(header(s)).toContain(p.victimIf);
    // Before traffic, no uptime counted from 1970 ("Uptime 20792d"): it waits for the first packet.
    expect(s).toMatch(/Uptime (waiting for the first packet|00:00:\d\d)/);
    expect(s).not.toMatch(/Uptime \d+d/);
    // Give the capture a moment to open before the scan starts.
    await new Promise((r) => setTimeout(r, 1500));

    // A SYN scan of 1000 ports, only of the victim namespace, bounded by ports, retries, rate and time.
    // At nmap's full speed (1000 probes in a quarter second) the live capture loses most of the burst,
    // in batch mode as well; 400 probes a second keeps this a test of the dashboard, not of that.
    const scan = await p.exec(
      p.attacker,
      'timeout',
      ['60', 'nmap', '-sS', '-n', '-Pn', '--max-retries', '0', '--max-rate', '400', '-p', '1-1000', p.victimIp],
      { timeoutMs: 70_000 },
    );
    expect(scan.code, scan.stderr).toBe(0);

    s = await session.until((x) => /SYN_SCAN/.test(x) && x.includes(p.attackerIp), 'a SYN_SCAN alert from the attacker', 30_000);
    const alertLine = s.split('\n').find((l) => l.includes('SYN_SCAN'))!;
    expect(alertLine).toContain(p.attackerIp);
    expect(alertLine).toMatch(/HIGH|CRITICAL|WARNING/);
    // nmap has finished: its probes and the victim's answers are counted.
    s = await session.until((x) => packetsShown(x) >= 200, 'the scan packets counted', 20_000);
    expect(s).toMatch(new RegExp(`${p.attackerIp.replace(/\./g, '\\.')} +█+`)); // top talker
    // The kernel's counters beside the drops: received, and the share NetGuard got.
    s = await session.until((x) => /Drops \d+ of [\d,]+ received \([\d.]+% captured\)/.test(x), 'the capture counters');
    const [, dropped, received] = /Drops ([\d,]+) of ([\d,]+) received/.exec(s)!;
    expect(Number(received.replace(/,/g, ''))).toBeGreaterThanOrEqual(200);
    expect(Number(dropped.replace(/,/g, ''))).toBeLessThanOrEqual(Number(received.replace(/,/g, '')));

    // Pause: the numbers stay while more traffic is captured; resume shows it.
    await session.keys('p');
    s = await session.until((x) => header(x).includes('PAUSED'), 'PAUSED');
    const frozen = packetsShown(s);
    const ping = await p.exec(p.attacker, 'timeout', ['20', 'ping', '-c', '10', '-i', '0.2', p.victimIp], { timeoutMs: 30_000 });
    expect(ping.code, ping.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 1000));
    s = await session.screen();
    expect(header(s)).toContain('PAUSED');
    expect(packetsShown(s)).toBe(frozen);
    await session.keys('p');
    s = await session.until((x) => !header(x).includes('PAUSED') && packetsShown(x) >= frozen + 20, 'the pings after resuming', 15_000);

    // ICMP filter: the pings are in the feed.
    await session.keys('f', 'f', 'f');
    s = await session.until((x) => header(x).includes('Filter: ICMP'), 'Filter: ICMP');
    expect(s).toMatch(/ICMP +10\.230\.0\.1 → 10\.230\.0\.2/);

    await session.keys('e');
    s = await session.until((x) => x.includes('Exported'), 'the export confirmation');
    const m = /Exported (\d+) packets to (\S+)/.exec(s);
    expect(m).not.toBeNull();
    // Each export is a new file named by the time, in the working directory.
    expect(path.dirname(m![2])).toBe(dir);
    expect(path.basename(m![2])).toMatch(/^capture-\d{8}-\d{6}\.pcap$/);
    const tshark = await sh('tshark', ['-r', m![2], '-T', 'fields', '-e', 'frame.number']);
    expect(tshark.code, tshark.stderr).toBe(0);
    expect(tshark.stdout.trim().split('\n')).toHaveLength(Number(m![1]));

    // Under a SYN flood the keys still answer: f during 3 s of 10,000 packets a second.
    const before = packetsShown(s);
    const flood = p.exec(p.attacker, 'timeout', ['20', 'hping3', '-q', '-S', '-p', '80', '-i', 'u100', '-c', '30000', p.victimIp], { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 800));
    const pressed = Date.now();
    await session.keys('f');
    s = await session.until((x) => header(x).includes('Filter: ALL'), 'the filter key during the flood', 5_000);
    const answered = Date.now() - pressed;
    const floodResult = await flood;
    expect(floodResult.stderr).toMatch(/30000 packets transmitted/);
    s = await session.until((x) => packetsShown(x) > before + 5000, 'the flood counted', 20_000);
    console.log(`filter key answered in ${answered} ms during the flood; ${packetsShown(s) - before} flood packets counted`);

    await session.keys('q');
    s = await session.until((x) => x.includes('NETGUARD-EXIT='), 'exit', 20_000);
    expect(s).toContain('NETGUARD-EXIT=0');
  });
});
