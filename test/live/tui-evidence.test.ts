// The dashboard's drill-down in a real terminal (tmux): ↓ chooses the scan's alert, Enter shows its
// evidence (counts, flows, packets), ↓ scrolls the packets, `w` writes its pcap (read back by tshark:
// the probes and the target's answers), Esc goes back; `o` orders the alerts by severity.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/netguard.js';
import { sh } from '../helpers/netns.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { netguardCommand, packetsShown, tmuxTests } from '../ui/tmux.js';

const SCAN = path.join(ROOT, 'test/fixtures/detect/nmap-sS.pcap'); // nmap -sS 10.219.0.1 -> 10.219.0.2, 606 packets
const startTmux = tmuxTests();
const tempDir = tempDirs('ng-tui-ev-');

const selected = (s: string): string => s.split('\n').find((l) => l.includes('▶')) ?? '';

describe('alert drill-down in the dashboard', () => {
  it('selects the scan alert, shows its evidence and writes its pcap', async () => {
    const dir = tempDir();
    const session = await startTmux('tuiev', netguardCommand(['--tui', '-r', SCAN], dir), 140, 45);
    let s = await session.until((x) => packetsShown(x) === 606 && x.includes('SYN_SCAN'), 'the whole file and a scan alert');
    expect(selected(s)).toBe('');
    // ↓ until the chosen line is the scan's.
    for (let i = 0; i < 8 && !selected(s).includes('SYN_SCAN'); i++) {
      await session.keys('Down');
      s = await session.until((x) => selected(x) !== '', 'a chosen alert');
    }
    expect(selected(s)).toMatch(/SYN_SCAN.*10\.219\.0\.1 → 10\.219\.0\.2/);

    await session.keys('Enter');
    s = await session.until((x) => x.includes('─ Alert evidence'), 'the evidence overlay');
    expect(s).toMatch(/HIGH SYN_SCAN|SYN_SCAN/);
    expect(s).toMatch(/\d+ packets in the episode.*kept/);
    expect(s).toMatch(/all \d+ can be read back from .*nmap-sS\.pcap/);
    expect(s).toMatch(/Flows \d+/);
    expect(s).toMatch(/TCP +10\.219\.0\.1:\d+ +→ 10\.219\.0\.2:\d+ .*1:[A-Za-z0-9+/=]+ flow_id \d+/);
    expect(s).toMatch(/Packets 1–\d+ of \d+/);
    expect(s).toMatch(/^ +\d+ \d\d:\d\d:\d\d\.\d{3} TCP +10\.219\.0\.1:\d+ +→ 10\.219\.0\.2:\d+ +\d+ SYN/m);
    await session.keys('Down');
    s = await session.until((x) => /Packets 2–\d+ of \d+/.test(x), 'the packet list scrolled');

    await session.keys('w');
    s = await session.until((x) => x.includes('Wrote '), 'the pcap confirmation');
    const m = /Wrote (\d+) packets of alert (\S+) to (\S+\.pcap) \(read back from the capture file\)/.exec(s);
    expect(m, s).not.toBeNull();
    const out = m![3];
    expect(path.dirname(out)).toBe(dir);
    expect(existsSync(out)).toBe(true);
    const t = await sh('tshark', ['-r', out, '-T', 'fields', '-e', 'ip.src', '-e', 'tcp.flags.syn', '-e', 'tcp.flags.ack', '-e', 'tcp.flags.reset']);
    expect(t.code, t.stderr).toBe(0);
    const rows = t.stdout.trim().split('\n').map((r) => r.split('\t'));
    expect(rows.length).toBe(Number(m![1]));
    const on = (v: string): boolean => v === '1' || v === 'True';
    expect(rows.filter((r) => r[0] === '10.219.0.1' && on(r[1]) && !on(r[2])).length).toBeGreaterThan(100); // probes
    expect(rows.filter((r) => r[0] === '10.219.0.2' && (on(r[3]) || (on(r[1]) && on(r[2])))).length).toBeGreaterThan(100); // answers

    await session.keys('Escape');
    s = await session.until((x) => x.includes('─ Alerts') && !x.includes('─ Alert evidence'), 'back to the panels');
    await session.keys('o');
    s = await session.until((x) => /─ Alerts .*by severity/.test(x), 'alerts ordered by severity');

    // Tab to the connections, order them by packets; a display filter narrows feed and connections.
    await session.keys('Tab');
    s = await session.until((x) => /─ Active connections \d+ ◆/.test(x), 'the connections panel chosen');
    await session.keys('o');
    s = await session.until((x) => /─ Active connections \d+ ◆ by packets/.test(x), 'connections by packets');
    await session.keys('/');
    for (const ch of 'ip.src == 10.219.0.2 andd'.split('')) await session.keys(ch === ' ' ? 'Space' : ch);
    await session.keys('Enter');
    s = await session.until((x) => x.includes("Filter error at col 22: expected 'and', 'or' or the end of the filter, found 'andd'"), 'the filter error at its column');
    for (let i = 0; i < 5; i++) await session.keys('BSpace');
    await session.keys('Enter');
    s = await session.until((x) => /─ Live packet feed \d+\/\d+ \/ip\.src == 10\.219\.0\.2/.test(x), 'the filter applied');
    const feed = s.slice(s.indexOf('─ Live packet feed')).split('\n').slice(1).filter((l) => /^\d\d:\d\d:\d\d\.\d{3} /.test(l));
    expect(feed.length).toBeGreaterThan(10);
    for (const l of feed) expect(l).toMatch(/^\S+ TCP +10\.219\.0\.2:\d+ → 10\.219\.0\.1:/);
    expect(s).toMatch(/─ Active connections \d+ ◆ by packets \/ip\.src == 10\.219\.0\.2/);

    await session.keys('q');
    s = await session.until((x) => x.includes('NETGUARD-EXIT='), 'exit', 20_000);
    expect(s).toContain('NETGUARD-EXIT=0');
  }, 180_000);
});
