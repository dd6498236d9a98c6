// The dashboard in a real terminal (tmux), replaying a capture: panels, p, f, e (read back by tshark), q,
// and h reading the alerts back from the SQLite history.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertHistory } from '../../src/history/index.js';
import { CORPUS } from '../helpers/netguard.js';
import { sh } from '../helpers/netns.js';
import { tempDirs } from '../helpers/temp-dir.js';
import { netguardCommand, packetsShown, tmuxTests } from '../ui/tmux.js';

const SYNSCAN = path.join(CORPUS, 'ndpi/synscan.pcap'); // nmap SYN scan, 2011 packets over 23 s
const startTmux = tmuxTests();
const tempDir = tempDirs('ng-tui-');

const header = (s: string): string => s.split('\n')[0];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('--tui -r FILE in tmux', () => {
  it('shows the five panels, and p, f, e and q do what they say', async () => {
    const dir = tempDir();
    const session = await startTmux('tuir', netguardCommand(['--tui', '-r', SYNSCAN], dir), 120, 40);
    let s = await session.until((x) => packetsShown(x) === 2011 && x.includes('SYN_SCAN'), 'the whole file and a scan alert');

    for (const t of ['─ Statistics', '─ Top talkers', '─ Alerts', '─ Active connections', '─ Live packet feed']) expect(s).toContain(t);
    expect(header(s)).toContain('NetGuard');
    expect(header(s)).toContain('Filter: ALL');
    // The file has been read to its end: the header says so, and the rate line gives the run's average
    // (2,011 packets over 23 s of packet time) instead of a last-second rate frozen on screen.
    s = await session.until((x) => header(x).includes('end of file'), 'the end-of-file indicator');
    expect(header(s)).toMatch(/end of file .*synscan\.pcap +\d\d:\d\d:\d\d$/);
    expect(s).toMatch(/Rate end of file, average 87 pkt\/s {2}\d+(\.\d)? kbit\/s/);
    expect(s).toContain('Uptime 00:00:23');
    expect(s).toContain('Proto TCP 2,011');
    expect(s).toMatch(/SYN_SCAN.*172\.16\.0\.8 → 64\.13\.134\.52/);
    expect(s).toMatch(/172\.16\.0\.8 +█+ +\d/); // a top talker with its bar
    expect(s).toMatch(/TCP +172\.16\.0\.8:\d+ → 64\.13\.134\.52:22 ssh/); // a connection with its service
    expect(s).toMatch(/\d\d:\d\d:\d\d\.\d{3} TCP +\S+ → \S+ +\d+ SYN/); // the feed
    expect(s).toContain('─ Live packet feed 100/100');

    await session.keys('p');
    s = await session.until((x) => header(x).includes('PAUSED'), 'PAUSED');
    await session.keys('p');
    s = await session.until((x) => !header(x).includes('PAUSED'), 'resume');

    await session.keys('f');
    s = await session.until((x) => header(x).includes('Filter: TCP'), 'Filter: TCP');
    expect(s).toContain('─ Live packet feed 100/100 TCP');
    await session.keys('f');
    s = await session.until((x) => header(x).includes('Filter: UDP'), 'Filter: UDP');
    expect(s).toContain('No UDP packets among the last 100');
    expect(s).toContain('No active UDP connections');
    await session.keys('f', 'f');
    s = await session.until((x) => header(x).includes('Filter: ALL'), 'Filter: ALL');

    await session.keys('e');
    s = await session.until((x) => x.includes('Exported'), 'the export confirmation');
    const first = new RegExp(`Exported 100 packets to (${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/capture-\\d{8}-\\d{6}\\.pcap)`).exec(s);
    expect(first, s).not.toBeNull();
    const out = first![1];
    expect(existsSync(out)).toBe(true);
    // A second export is a new file: the first is not overwritten.
    await session.keys('e');
    s = await session.until((x) => /Exported 100 packets to \S+/.test(x) && !x.includes(out), 'the second export');
    const second = /Exported 100 packets to (\S+)/.exec(s)![1];
    expect(path.dirname(second)).toBe(dir);
    expect(second).toMatch(/capture-\d{8}-\d{6}(-\d+)?\.pcap$/);
    expect(existsSync(second)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('capture')).sort()).toEqual([path.basename(out), path.basename(second)].sort());
    const tshark = await sh('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.number', '-e', 'ip.src', '-e', 'tcp.flags.syn']);
    expect(tshark.code, tshark.stderr).toBe(0);
    const rows = tshark.stdout.trim().split('\n');
    expect(rows).toHaveLength(100);
    expect(rows.every((r) => /^\d+\t(172\.16\.0\.8|64\.13\.134\.52)\t(1|True)$/.test(r))).toBe(true);

    await session.keys('q');
    s = await session.until((x) => x.includes('NETGUARD-EXIT='), 'exit', 20_000);
    expect(s).toContain('NETGUARD-EXIT=0');
    // The alternate screen was left: the dashboard is gone from the terminal.
    expect(s).not.toContain('─ Statistics');
  });

  it('ends (and flushes) when its terminal goes away instead of running on without a screen', async () => {
    const dir = tempDir();
    // --reputation-state: a file run saves the reputation state only when asked (a capture read twice gives the same alerts).
    const session = await startTmux('tuih', netguardCommand(['--tui', '--reputation-state', '-r', SYNSCAN], dir), 100, 30);
    await session.until((x) => packetsShown(x) === 2011, 'the dashboard');
    const pid = await session.childPid();
    expect(alive(pid)).toBe(true);
    await session.kill(); // the pane's processes get SIGHUP, as when a terminal window closes
    // It flushes and ends within a few seconds (React's development build once made this take over ten).
    const end = Date.now() + 5_000;
    while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    const stillAlive = alive(pid);
    if (stillAlive) process.kill(pid, 'SIGKILL'); // ours: do not leave it behind
    expect(stillAlive).toBe(false);
    expect(existsSync(path.join(dir, 'alerts.json'))).toBe(true); // the alert log was flushed on the way out
    expect(existsSync(path.join(dir, 'ip_reputation.json'))).toBe(true); // and the reputation state saved
  });

  it('? and r overlays open and close in a real terminal; --realtime replays at the recorded pace', async () => {
    const dir = tempDir();
    const session = await startTmux('tuirt', netguardCommand(['--tui', '-r', SYNSCAN, '--realtime'], dir), 100, 30);
    let s = await session.until((x) => packetsShown(x) > 0, 'the first packets');
    // The capture spans 23 seconds: a few seconds in, only part of it has been shown.
    const first = packetsShown(s);
    expect(first).toBeLessThan(2011);
    await session.keys('?');
    s = await session.until((x) => x.includes('─ Help'), 'help');
    expect(s).toContain('cycle the protocol filter ALL → TCP → UDP → ICMP');
    await session.keys('?');
    await session.keys('r');
    s = await session.until((x) => x.includes('─ Custom rules'), 'rules overlay');
    await session.keys('Escape');
    s = await session.until((x) => x.includes('─ Statistics'), 'panels again');
    s = await session.until((x) => packetsShown(x) > first, 'more packets as time passes', 20_000);
    await session.keys('q');
    s = await session.until((x) => x.includes('NETGUARD-EXIT='), 'exit', 20_000);
    expect(s).toContain('NETGUARD-EXIT=0');
  });

  it('h shows the replayed alerts from SQLite (also after c cleared them, and across runs), with / search', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'netguard.db'); // history.db_file's default, in the fresh working directory
    expect(existsSync(db)).toBe(false);
    let session = await startTmux('tuihist', netguardCommand(['--tui', '-r', SYNSCAN], dir), 120, 40);
    let s = await session.until((x) => packetsShown(x) === 2011 && x.includes('SYN_SCAN'), 'the whole file and a scan alert');
    const shownAlerts = Number(/─ Alerts (\d+)/.exec(s)?.[1] ?? -1);
    expect(shownAlerts).toBeGreaterThan(1);

    // Clearing empties the live list; the history still has every alert.
    await session.keys('c');
    s = await session.until((x) => x.includes('Alerts cleared') && x.includes('No alerts'), 'alerts cleared');
    await session.keys('h');
    s = await session.until((x) => x.includes('─ Alert history'), 'the history overlay');
    expect(s).toContain(`─ Alert history ${shownAlerts} alerts │`);
    expect(s).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d HIGH +SYN_SCAN +9 172\.16\.0\.8 → 64\.13\.134\.52 +SYN scan from 172\.16\.0\.8/);
    expect(s).toMatch(/LOW +SUSPICIOUS_PORT +\d+ 172\.16\.0\.8 → 64\.13\.134\.52/);
    expect(s).toContain(`1–${shownAlerts} of ${shownAlerts}, newest first`);
    // What the overlay lists is what the database holds.
    const store = AlertHistory.openForQuery(db);
    try {
      expect(store.count()).toBe(shownAlerts);
    } finally {
      await store.close();
    }

    await session.keys('/', 'syn scan', 'Enter');
    s = await session.until((x) => x.includes('1 alert matching "syn scan"'), 'the search');
    expect(s).toMatch(/HIGH +SYN_SCAN +9 172\.16\.0\.8/);
    expect(s).not.toContain('SUSPICIOUS_PORT');
    await session.keys('Escape');
    s = await session.until((x) => x.includes('─ Statistics'), 'panels again');
    await session.keys('q');
    s = await session.until((x) => x.includes('NETGUARD-EXIT='), 'exit', 20_000);
    expect(s).toContain('NETGUARD-EXIT=0');
    await session.kill();

    // A second run of the same file in the same directory raises the same alerts (a file neither loads
    // nor saves reputation state), and they replace the first run's rows (same source, same ids): the
    // history lists each alert once.
    session = await startTmux('tuihist2', netguardCommand(['--tui', '-r', SYNSCAN], dir), 120, 40);
    s = await session.until((x) => packetsShown(x) === 2011 && x.includes('SYN_SCAN'), 'the second replay');
    const secondAlerts = Number(/─ Alerts (\d+)/.exec(s)?.[1] ?? -1);
    expect(secondAlerts).toBe(shownAlerts);
    await session.keys('h');
    s = await session.until((x) => x.includes('─ Alert history'), 'the history overlay');
    expect(s).toContain(`─ Alert history ${shownAlerts} alerts │`);
    expect(s.match(/SYN_SCAN +9 172\.16\.0\.8/g)).toHaveLength(1);
    await session.keys('h');
    await session.until((x) => x.includes('─ Statistics'), 'h closes');
    await session.keys('q');
    s = await session.until((x) => x.includes('NETGUARD-EXIT='), 'exit', 20_000);
    expect(s).toContain('NETGUARD-EXIT=0');
  });

  it('h says the history is off when history.enabled is false', async () => {
    const dir = tempDir({ 'settings.yaml': 'history:\n  enabled: false\n' });
    const session = await startTmux('tuihoff', netguardCommand(['--tui', '-r', SYNSCAN], dir), 100, 30);
    await session.until((x) => packetsShown(x) === 2011 && x.includes('SYN_SCAN'), 'the replay');
    await session.keys('h');
    const s = await session.until((x) => x.includes('─ Alert history'), 'the history overlay');
    expect(s).toContain('alert history is off (history.enabled)');
    await session.keys('q');
    await session.until((x) => x.includes('NETGUARD-EXIT=0'), 'exit', 20_000);
    expect(existsSync(path.join(dir, 'netguard.db'))).toBe(false);
  });
});
