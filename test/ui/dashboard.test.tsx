// Component tests for the dashboard: each panel's content, each key's effect, colours, escaping and
// the 80x24 layout, against a fake EngineControl with made-up snapshots.
process.env.TZ = 'UTC';
import path from 'node:path';
import chalk from 'chalk';
import { describe, expect, it } from 'vitest';
import { alert, conn, FakeControl, makeSnapshot, packet, rule, T0 } from './fixtures.js';
import { dashboardTests, sleep, stripAnsi } from './helpers.js';

const show = dashboardTests();

/** The lines of a panel: from its title rule to the next title rule (full-width panels only). */
function panel(text: string, title: string): string[] {
  const lines = text.trimEnd().split('\n').slice(0, -1); // without the footer
  const start = lines.findIndex((l) => l.startsWith(`─ ${title}`));
  expect(start, `panel ${title} in\n${text}`).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  for (let i = start + 1; i < lines.length && !lines[i].startsWith('─ '); i++) out.push(lines[i]);
  return out;
}

describe('panels', () => {
  it('header shows the title, source, filter and the snapshot clock', async () => {
    const v = await show(new FakeControl(), undefined, { title: 'NetGuard lab' });
    const first = v.text().split('\n')[0];
    expect(first).toContain('NetGuard lab');
    expect(first).toContain('live eth0');
    expect(first).toContain('Filter: ALL');
    expect(first).toMatch(/14:07:09$/);
    expect(first).not.toContain('PAUSED');
  });

  it('statistics: totals, rates with sparkline, protocols, errors, drops, uptime, source, BPF, baseline', async () => {
    const v = await show(new FakeControl());
    const t = v.text();
    expect(t).toContain('Packets 48,213');
    expect(t).toContain('Bytes 30 MB');
    expect(t).toMatch(/Rate 1,250 pkt\/s {2}9\.8 Mbit\/s ▁+▂▃▅█/);
    expect(t).toContain('TCP 40,000  UDP 7,000  ICMP 200  DNS 1,013');
    expect(t).not.toContain('ARP 0'); // protocols with no packets are left out
    expect(t).toContain('Errors 3 decode  Drops 0');
    expect(t).toContain('Uptime 01:02:03');
    expect(t).toContain('Iface eth0  BPF not port 22');
    expect(t).toContain('Baseline learning 45% (135/300s)');
  });

  it('statistics: a file source, unknown drops and a learned baseline', async () => {
    const s = makeSnapshot();
    s.stats = {
      ...s.stats,
      live: false,
      source: '/tmp/synscan.pcap',
      filter: '',
      drops: null,
      baseline: { ...s.stats.baseline!, learning: false, progress: 1, mean: { pps: 900, bps: 1 }, stddev: { pps: 120, bps: 1 } },
    };
    const v = await show(new FakeControl(s));
    const t = v.text();
    expect(t.split('\n')[0]).toContain('file /tmp/synscan.pcap');
    expect(t).toContain('File /tmp/synscan.pcap  BPF none');
    expect(t).toContain('Drops n/a');
    expect(t).toContain('Baseline ready 900±120 pkt/s');
  });

  it('alerts: newest first with severity, type, count, source and message', async () => {
    const v = await show(new FakeControl());
    const lines = panel(v.text(), 'Alerts');
    expect(v.text()).toContain('─ Alerts 4 (1 CRITICAL, 1 HIGH, 1 WARNING, 1 LOW)');
    expect(lines[0]).toBe('14:07:04 CRITICAL SYN_FLOOD ×37 203.0.113.9 → 10.0.0.5 SYN flood: 2400 SYN/s to 10.0.0.5:80');
    expect(lines[1]).toContain('HIGH     SYN_SCAN ×12 198.51.100.23 → 10.0.0.5 SYN scan of 1000 ports in 4.2s');
    expect(lines[2]).toContain('WARNING  PORT_SWEEP 10.0.0.77 port 445 probed on 9 hosts');
    expect(lines[2]).not.toContain('×'); // a single detection shows no count
    expect(lines[3]).toContain('LOW      SUSPICIOUS_PORT');
  });

  it('alerts: an empty list says so', async () => {
    const v = await show(new FakeControl(makeSnapshot({ alerts: [], alertCounts: { LOW: 0, WARNING: 0, HIGH: 0, CRITICAL: 0 } })));
    expect(panel(v.text(), 'Alerts')[0]).toBe('No alerts');
  });

  it('active connections: endpoints with service, state, packets, bytes and age', async () => {
    const v = await show(new FakeControl());
    const lines = panel(v.text(), 'Active connections');
    expect(lines[0]).toMatch(/^PROTO ENDPOINTS +STATE +PKTS +BYTES +AGE$/);
    expect(lines[1]).toMatch(/^TCP {3}192\.168\.1\.10:51514 → 10\.0\.0\.5:22 ssh +ESTABLISHED +42 +8\.0 KB 1m15s$/);
    expect(lines[2]).toMatch(/^UDP {3}192\.168\.1\.10:53124 → 192\.168\.1\.1:53 domain +ACTIVE +2 +180 B +3s$/);
    expect(lines[4]).toMatch(/^ICMP {2}192\.168\.1\.10 → 10\.0\.0\.5 +ACTIVE/);
  });

  it('active connections: IPv6 endpoints are bracketed', async () => {
    const s = makeSnapshot({ connections: [conn('v6', { src: 'fd00:230::1', srcPort: 40000, dst: 'fd00:230::2', dstPort: 443, service: 'https' })] });
    const v = await show(new FakeControl(s));
    expect(panel(v.text(), 'Active connections')[1]).toContain('[fd00:230::1]:40000 → [fd00:230::2]:443 https');
  });

  it('top talkers: by bytes and by packets, bars proportional to the largest', async () => {
    const v = await show(new FakeControl());
    const lines = v.text().split('\n');
    const row = (ip: string, unit: RegExp): string => {
      const l = lines.find((x) => x.includes(` ${ip} `) && unit.test(x) && x.includes('█'));
      expect(l, `talker ${ip}`).toBeDefined();
      return l!.slice(l!.indexOf('│') + 1);
    };
    const cells = (s: string): number => (s.match(/█/g) ?? []).length;
    const top = lines.findIndex((l) => l.includes('by bytes'));
    const pk = lines.findIndex((l) => l.includes('by packets'));
    expect(top).toBeGreaterThan(0);
    expect(pk).toBeGreaterThan(top);
    const big = lines.find((l) => /10\.0\.0\.5 +█+ +7\.1 MB/.test(l));
    const small = lines.find((l) => /203\.0\.113\.9 +█+░+ +1\.4 MB/.test(l));
    expect(big).toBeDefined();
    expect(small).toBeDefined();
    // 1.44 MB is about a fifth of 7.4 MB: its bar is about a fifth as long.
    const full = cells(big!);
    expect(cells(small!) / full).toBeGreaterThan(0.12);
    expect(cells(small!) / full).toBeLessThan(0.28);
    // By packets the flooder leads.
    const afterPk = lines.slice(pk + 1).join('\n');
    expect(afterPk).toMatch(/203\.0\.113\.9 +█+ +24,000 pk/);
    void row;
  });

  it('live packet feed: time, protocol, endpoints, length and info, newest last', async () => {
    const v = await show(new FakeControl());
    const lines = panel(v.text(), 'Live packet feed');
    expect(v.text()).toContain('─ Live packet feed 6/6');
    expect(lines[0]).toMatch(/^14:07:08\.257 TCP {4}192\.168\.1\.10:40001 → 10\.0\.0\.5:80 +66 SYN$/);
    expect(lines[2]).toMatch(/DNS +192\.168\.1\.10:53124 → 192\.168\.1\.1:53 +66 DNS A\? example\.com$/);
    expect(lines[3]).toMatch(/ICMP +192\.168\.1\.10 → 10\.0\.0\.5 +66 echo request id=7 seq=1$/);
    expect(lines[5]).toMatch(/TCP +10\.0\.0\.5:22 → 192\.168\.1\.10:51514 +66 SYN,ACK$/);
  });

  it('live packet feed: shows at most historySize packets', async () => {
    const pk = Array.from({ length: 30 }, (_, i) => packet(i + 1, { info: `seq ${i + 1}` }));
    const v = await show(new FakeControl(makeSnapshot({ packets: pk })), undefined, { historySize: 5 });
    const lines = panel(v.text(), 'Live packet feed').filter((l) => l.trim());
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/seq 26$/);
    expect(lines[4]).toMatch(/seq 30$/);
  });
});

describe('keys', () => {
  it('p pauses: header says PAUSED, the display freezes while the engine goes on; p resumes', async () => {
    const c = new FakeControl();
    const v = await show(c);
    await v.press('p');
    await v.until((t) => t.split('\n')[0].includes('PAUSED'), 'PAUSED');
    const callsAtPause = c.snapshotCalls;
    // The engine keeps capturing: a new packet and a new alert arrive.
    c.snap = { ...c.snap, ts: T0 + 5000, packets: [...c.snap.packets, packet(7, { info: 'NEW-PACKET' })] };
    c.raise(alert({ type: 'XMAS_SCAN', severity: 'HIGH', message: 'xmas', src_ip: '10.9.9.9' }));
    await sleep(300); // six refresh periods at 20 Hz
    expect(c.snapshotCalls).toBe(callsAtPause);
    expect(v.text()).not.toContain('NEW-PACKET');
    expect(v.text()).not.toContain('XMAS_SCAN');
    expect(v.text().split('\n')[0]).toMatch(/PAUSED {2}\+1 alert Filter: ALL │ live eth0 +14:07:09$/);
    await v.press('p');
    const t = await v.until((x) => x.includes('NEW-PACKET'), 'the display to resume');
    expect(t.split('\n')[0]).not.toContain('PAUSED');
    expect(t).toContain('XMAS_SCAN');
    expect(t.split('\n')[0]).toMatch(/14:07:14$/);
  });

  it('f cycles ALL → TCP → UDP → ICMP → ALL and filters the feed and connections', async () => {
    const v = await show(new FakeControl());
    const feed = (): string => panel(v.text(), 'Live packet feed').join('\n');
    const conns = (): string => panel(v.text(), 'Active connections').join('\n');

    await v.press('f');
    await v.until((t) => t.split('\n')[0].includes('Filter: TCP'), 'Filter: TCP');
    expect(feed()).toContain('SYN');
    expect(feed()).toContain('GET /index.html'); // HTTP rides on TCP
    expect(feed()).not.toContain('DNS A?');
    expect(feed()).not.toContain('echo request');
    expect(v.text()).toContain('─ Live packet feed 3/6 TCP');
    expect(conns()).toContain(':22 ssh');
    expect(conns()).not.toContain('domain');

    await v.press('f');
    await v.until((t) => t.split('\n')[0].includes('Filter: UDP'), 'Filter: UDP');
    expect(feed()).toContain('DNS A? example.com');
    expect(feed()).toContain('UDP 120 bytes');
    expect(feed()).not.toContain('SYN');
    expect(conns()).toContain('domain');
    expect(conns()).not.toContain('ssh');

    await v.press('f');
    await v.until((t) => t.split('\n')[0].includes('Filter: ICMP'), 'Filter: ICMP');
    expect(feed()).toContain('echo request');
    expect(feed().split('\n').filter((l) => l.trim())).toHaveLength(1);
    expect(conns()).toMatch(/^ICMP /m);
    expect(conns()).not.toMatch(/^TCP /m);

    await v.press('f');
    await v.until((t) => t.split('\n')[0].includes('Filter: ALL'), 'Filter: ALL');
    expect(feed().split('\n').filter((l) => l.trim())).toHaveLength(6);
  });

  it('f: a filter nothing matches says so', async () => {
    const c = new FakeControl(makeSnapshot({ packets: [packet(1)] }));
    const v = await show(c);
    await v.press('ff');
    await v.until((t) => t.includes('Filter: UDP'), 'Filter: UDP');
    expect(panel(v.text(), 'Live packet feed')[0]).toBe('No UDP packets among the last 1');
  });

  it('e exports to a new capture-YYYYmmdd-HHMMSS.pcap (absolute path) and confirms how many and where', async () => {
    const c = new FakeControl();
    // 2024-03-05 14:07:09 UTC (TZ is UTC here).
    const v = await show(c, undefined, { clock: () => new Date(T0) });
    await v.press('e');
    const want = path.resolve('capture-20240305-140709.pcap');
    const t = await v.until((x) => x.includes('Exported'), 'the export confirmation');
    expect(c.exports).toEqual([want]);
    expect(t.trimEnd().split('\n').at(-1)).toBe(`Exported 6 packets to ${want}`);
  });

  it('e honours exportPath and reports a failure', async () => {
    const c = new FakeControl();
    c.exportPcap = async () => {
      throw new Error('EACCES: permission denied, open /root/x.pcap');
    };
    const v = await show(c, undefined, { exportPath: '/root/x.pcap' });
    await v.press('e');
    const t = await v.until((x) => x.includes('Export failed'), 'the failure');
    expect(t).toContain('Export failed: EACCES: permission denied, open /root/x.pcap');
  });

  it('? opens the help overlay and ? closes it', async () => {
    const v = await show(new FakeControl());
    await v.press('?');
    const t = await v.until((x) => x.includes('─ Help'), 'help');
    for (const k of ['pause / resume', 'ALL → TCP → UDP → ICMP', `export the packets held to ${path.resolve('capture-YYYYmmdd-HHMMSS.pcap')}`, 'clear the alerts', 'quit']) {
      expect(t).toContain(k);
    }
    expect(t).not.toContain('─ Alerts');
    await v.press('?');
    await v.until((x) => x.includes('─ Alerts') && !x.includes('─ Help'), 'help to close');
  });

  it('a toggle that saved into a copy, or could not save, says so in the footer after the new state', async () => {
    const c = new FakeControl();
    const v = await show(c, { columns: 160, rows: 40 });
    await v.press('r');
    await v.until((x) => x.includes('─ Custom rules'), 'rules overlay');
    c.pendingRuleNotes = [{ text: 'saved in /srv/rules.yaml, a copy of the shipped rules', saved: true }];
    await v.press(' ');
    await v.until((x) => x.includes('Rule "SSH Bruteforce Detection" disabled; saved in /srv/rules.yaml, a copy of the shipped rules'), 'copy note');
    c.pendingRuleNotes = [{ text: 'rules.yaml: could not save the state of rule "SSH Bruteforce Detection": EROFS', saved: false }];
    await v.press(' ');
    const t = await v.until((x) => x.includes('enabled; rules.yaml: could not save the state of rule'), 'failure note');
    expect(t).toContain('EROFS');
    expect(c.pendingRuleNotes).toEqual([]);
  });

  it('r lists the rules; ↓ and space toggle one; R reloads and shows the result; esc closes', async () => {
    const c = new FakeControl();
    const v = await show(c);
    await v.press('r');
    let t = await v.until((x) => x.includes('─ Custom rules'), 'rules overlay');
    expect(t).toMatch(/›\[x\]SSH Bruteforce Detection +HIGH +10 \/ 60s +0 tcp\.dst_port == 22/);
    expect(t).toMatch(/ \[ \]Large ICMP +WARNING +10 \/ 60s +3 icmp and packet\.size > 1000/);
    expect(t).toContain('SSH Bruteforce Detection description');

    await v.press('\x1b[B'); // down arrow
    await v.press(' ');
    t = await v.until((x) => x.includes('Rule "Large ICMP" enabled'), 'toggle message');
    expect(c.toggles).toEqual(['Large ICMP']);
    expect(t).toMatch(/›\[x\]Large ICMP/);

    await v.press('\r'); // enter toggles too
    t = await v.until((x) => x.includes('Rule "Large ICMP" disabled'), 'second toggle');
    expect(t).toMatch(/›\[ \]Large ICMP/);

    await v.press('R');
    t = await v.until((x) => x.includes('Reload: loaded 2 rules from rules.yaml'), 'reload message');
    expect(c.reloads).toBe(1);

    // The engine's failure message as RuleEngine.reload() gives it: what, where and why, the line, a caret.
    c.reloadResult = {
      ok: false,
      message:
        'reload failed, keeping the 2 running rules:\n' +
        'rules.yaml:4:31: rule "Bad": expected a number, string or address after \'==\', found end of condition, so nothing can match\n' +
        '4 |     condition: tcp.dst_port == \n' +
        '  |                               ^',
    };
    await v.press('l');
    t = await v.until((x) => x.includes('Reload failed: the running rules stay (the rules view shows why)'), 'reload error');
    expect(c.reloads).toBe(2);
    // The rules view shows the reason whole (wrapped, not cut), and the caret under the column.
    const lines = t.split('\n');
    const at = lines.findIndex((l) => l.includes('rules.yaml:4:31:'));
    expect(at).toBeGreaterThan(0);
    const reason = lines.slice(at, at + 3).map((l) => l.replace(/^[│ ]+|[│ ]+$/g, '')).join(' ');
    expect(reason).toContain('found end of condition, so nothing can match');
    expect(t).not.toContain('\\n');
    const src = lines.find((l) => l.includes('4 |     condition: tcp.dst_port =='))!;
    const caret = lines.find((l) => /^\W*\s+\| +\^/.test(l))!;
    // Column 31: just past '== ', where a value was expected.
    expect(caret.indexOf('^')).toBe(src.indexOf('==') + 2);

    await v.press('\x1b');
    await v.until((x) => x.includes('─ Alerts') && !x.includes('─ Custom rules'), 'overlay to close');
  });

  it('r with no rules loaded says so', async () => {
    const v = await show(new FakeControl(makeSnapshot({ rules: [] })));
    await v.press('r');
    await v.until((x) => x.includes('No custom rules loaded'), 'empty rules');
  });

  it('c clears the alerts, also on a paused display', async () => {
    const c = new FakeControl();
    const v = await show(c);
    await v.press('c');
    let t = await v.until((x) => panel(x, 'Alerts')[0] === 'No alerts', 'alerts cleared');
    expect(c.clears).toBe(1);
    expect(t).toContain('Alerts cleared');

    c.raise(alert({ type: 'FIN_SCAN', severity: 'WARNING', message: 'fin', src_ip: '10.1.1.1' }));
    await v.until((x) => x.includes('FIN_SCAN'), 'a new alert');
    await v.press('p');
    await v.press('c');
    t = await v.until((x) => panel(x, 'Alerts')[0] === 'No alerts', 'paused alerts cleared');
    expect(c.clears).toBe(2);
    expect(t.split('\n')[0]).toContain('PAUSED');
  });

  it('q calls onQuit once; later keys do nothing', async () => {
    const c = new FakeControl();
    let quits = 0;
    const v = await show(c, undefined, { onQuit: () => quits++ });
    await v.press('q');
    expect(quits).toBe(1);
    await v.press('q');
    await v.press('e');
    expect(quits).toBe(1);
    expect(c.exports).toEqual([]);
  });
});

describe('colours and escaping', () => {
  it('colours alerts by severity (CRITICAL red tag, HIGH red, WARNING yellow, LOW cyan)', async () => {
    chalk.level = 1;
    const v = await show(new FakeControl());
    const lines = v.frame().split('\n');
    const line = (needle: string): string => lines.find((l) => stripAnsi(l).includes(needle)) ?? '';
    expect(line('SYN_FLOOD')).toContain('\x1b[41m'); // red background tag
    expect(line('SYN_FLOOD')).toContain('\x1b[91m'); // bright red text
    expect(line('SYN_SCAN')).toContain('\x1b[31m');
    expect(line('PORT_SWEEP')).toContain('\x1b[33m');
    expect(line('SUSPICIOUS_PORT')).toContain('\x1b[36m');
    expect(line('SUSPICIOUS_PORT')).not.toContain('\x1b[31m');
  });

  it('a malicious DNS name in the feed cannot inject escape sequences', async () => {
    // One line as the engine sends it (already escaped), one raw line as if the engine had failed to.
    const evil = 'DNS A? \x1b[2J\x1b]0;pwned\x07\x9b31m.evil.example';
    const s = makeSnapshot({
      packets: [
        packet(1, { proto: 'DNS', transport: 'UDP', info: 'DNS A? \\x1b[2J.escaped.example' }),
        packet(2, { proto: 'DNS', transport: 'UDP', info: evil, src: '10.0.0.1\x1b[31m' }),
      ],
      alerts: [alert({ type: 'CUSTOM_RULE', severity: 'LOW', message: `rule hit \x1b[1;1H${evil}`, src_ip: '10.0.0.1' })],
    });
    const v = await show(new FakeControl(s), { columns: 150, rows: 40 });
    const t = v.frame(); // chalk level 0: any ESC in the frame would be injected
    expect(t).not.toContain('\x1b');
    expect(t).not.toContain('\x07');
    expect(t).not.toContain('\x9b');
    const feed = panel(t, 'Live packet feed').join('\n');
    expect(feed).toContain('DNS A? \\x1b[2J.escaped.example'); // already escaped: shown once, not doubled
    expect(feed).toContain('DNS A? \\x1b[2J\\x1b]0;pwned\\x07\\u{9b}31m.evil.example');
    expect(feed).toContain('10.0.0.1\\x1b[31m');
    expect(panel(t, 'Alerts')[0]).toContain('rule hit \\x1b[1;1HDNS A? \\x1b[2J');
  });
});

describe('layout', () => {
  const lengths = (t: string): number[] => t.split('\n').map((l) => [...l].length);

  it('fits 80x24: every panel is there and no line is longer than 80 columns', async () => {
    const long = 'GET /' + 'A'.repeat(300);
    const s = makeSnapshot({ packets: [...makeSnapshot().packets, packet(9, { proto: 'HTTP', info: long })] });
    const v = await show(new FakeControl(s), { columns: 80, rows: 24 });
    const t = v.text();
    expect(Math.max(...lengths(t))).toBeLessThanOrEqual(80);
    expect(t.split('\n').length).toBeLessThanOrEqual(23);
    for (const title of ['Statistics', 'Top talkers', 'Alerts', 'Active connections', 'Live packet feed']) expect(t).toContain(`─ ${title}`);
    expect(t).toContain('Packets 48,213');
    expect(t).toContain('SYN_FLOOD ×37');
    expect(t).toContain('192.168.1.10:51514 → 10.0.0.5:22 ssh');
    expect(t).toContain('GET /AAAA');
    expect(t.trimEnd().split('\n').at(-1)).toContain('q quit');
  });

  it('redraws on resize: 120x40 to 80x24 to 60x15', async () => {
    const v = await show(new FakeControl(), { columns: 120, rows: 40 });
    expect(Math.max(...lengths(v.text()))).toBe(120);
    await v.resize(80, 24);
    expect(Math.max(...lengths(v.text()))).toBeLessThanOrEqual(80);
    expect(v.text().split('\n').length).toBeLessThanOrEqual(23);
    await v.resize(60, 15);
    const t = v.text();
    expect(Math.max(...lengths(t))).toBeLessThanOrEqual(60);
    expect(t.split('\n').length).toBeLessThanOrEqual(14);
    // A short terminal keeps the alerts and the feed.
    expect(t).toContain('─ Alerts');
    expect(t).toContain('─ Live packet feed');
  });

  it('puts statistics beside alerts on a very wide terminal', async () => {
    const v = await show(new FakeControl(), { columns: 180, rows: 45 });
    const line = v.text().split('\n')[1];
    expect(line).toMatch(/^─ Statistics ─+ ─ Alerts/);
    expect([...line].length).toBe(180);
  });
});

describe('snapshots', () => {
  it('polls at refreshHz and shows a failing snapshot in the footer, keeping the last good one', async () => {
    const c = new FakeControl();
    const v = await show(c);
    const before = c.snapshotCalls;
    await sleep(500);
    // 20 Hz for half a second is about ten polls; allow for a loaded machine.
    expect(c.snapshotCalls - before).toBeGreaterThanOrEqual(4);
    expect(c.snapshotCalls - before).toBeLessThanOrEqual(14);
    const good = c.snapshot.bind(c);
    c.snapshot = () => {
      throw new Error('engine stopped');
    };
    const t = await v.until((x) => x.includes('Snapshot failed: engine stopped'), 'the failure');
    expect(t).toContain('Packets 48,213');
    c.snapshot = good;
    await v.until((x) => !x.includes('Snapshot failed'), 'recovery');
  });

  it('draws before the first packet', async () => {
    const s = makeSnapshot({ packets: [], connections: [], topByBytes: [], topByPackets: [], alerts: [], alertCounts: { LOW: 0, WARNING: 0, HIGH: 0, CRITICAL: 0 } });
    s.stats = { ...s.stats, packets: 0, bytes: 0, pps: 0, bps: 0, rateHistory: [], protocols: {} };
    const v = await show(new FakeControl(s));
    const t = v.text();
    expect(t).toContain('Waiting for packets');
    expect(t).toContain('No active connections');
    expect(t).toContain('Proto none yet');
    expect(t).toContain('none yet');
    void rule;
  });
});
