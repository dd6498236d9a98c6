// Every one of the menu's 24 options, driven through piped input over a backend with known content.
process.env.TZ = 'UTC';
import { describe, expect, it } from 'vitest';
import { MENU_OPTIONS } from '../../src/cli/menu/index.js';
import { FakeBackend, runPiped } from './fake-backend.js';

/** The text one option printed: from its title to the next menu. */
function section(out: string, n: number): string {
  const label = MENU_OPTIONS.find((o) => o.n === n)!.label;
  const start = out.indexOf(`\n${n}. ${label}\n`);
  expect(start, `option ${n}'s title in:\n${out}`).toBeGreaterThanOrEqual(0);
  const end = out.indexOf('\nNetGuard menu', start);
  return out.slice(start, end < 0 ? undefined : end);
}

/** Splits a table line into its cells (two or more spaces apart). */
function cells(line: string): string[] {
  return line.trim().split(/\s{2,}/);
}

/** The value of a "  Key   value" line. */
function field(text: string, key: string): string {
  const m = text.match(new RegExp(`^  ${key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} {2,}(.*)$`, 'm'));
  expect(m, `a field ${key} in:\n${text}`).not.toBeNull();
  return m![1];
}

function lineWith(text: string, needle: string): string {
  const l = text.split('\n').find((x) => x.includes(needle));
  expect(l, `a line with ${needle} in:\n${text}`).toBeDefined();
  return l!;
}

describe('menu layout', () => {
  it('shows the seed’s 24 options with their numbers, 1-12 left and 13-24 right', async () => {
    const out = await runPiped('21\n');
    expect(MENU_OPTIONS.map((o) => o.n)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    const lines = out.split('\n');
    expect(lines).toContain('   1. Show all packets            13. Show malicious IPs');
    expect(lines).toContain('   9. Show DNS queries            21. Exit');
    expect(lines).toContain('  12. Show suspicious IPs         24. Reload rules');
    for (const o of MENU_OPTIONS) expect(out).toContain(`${o.n}. ${o.label}`);
    expect(out).toContain('Captured 547 packets (23.8 KiB) from zeek/nmap-vsn.pcap over 2.4 s: 3 alerts, 1 decode error.');
  });
});

describe('the 24 options', () => {
  it('1 shows every packet with service names next to well-known ports', async () => {
    const s = section(await runPiped('1\n'), 1);
    // The backend searched every packet: no note about packets not kept.
    expect(s).not.toContain('Note:');
    const header = lineWith(s, 'No.');
    expect(cells(header)).toEqual(['No.', 'Time', 'Proto', 'Source', 'Src port', 'Destination', 'Dst port', 'Len', 'Info']);
    expect(cells(lineWith(s, ' 22  '))).toEqual(['22', '18:07:20.717', 'DNS', '192.168.1.71', '5353', '192.168.1.1', '53 (domain)', '84', 'Standard query A www.example.org']);
    expect(cells(lineWith(s, 'Who has'))).toEqual(['21', '18:07:20.707', 'ARP', '192.168.1.71', '-', '192.168.1.99', '-', '42', 'Who has 192.168.1.99? Tell 192.168.1.71']);
    // Aligned: the Info column starts at the same place on every row.
    const rows = s.split('\n').filter((l) => /^\s*\d+ {2}\d\d:/.test(l));
    expect(rows).toHaveLength(25);
    const infoAt = header.indexOf('Info');
    expect(rows.every((l) => l[infoAt - 1] === ' ' && l[infoAt] !== ' ')).toBe(true);
  });

  it('1, 3, 4, 5 say first when a live run kept fewer packets than it saw', async () => {
    const b = new FakeBackend();
    b.searchNote = 'this run kept the last 25 of its 547 packets in memory';
    const out = await runPiped('1\n4\n53\n', b);
    // Right after the title (1) or the answer to the prompt (4), before any row.
    expect(section(out, 1).split('\n')[2]).toBe('Note: this run kept the last 25 of its 547 packets in memory.');
    expect(section(out, 4)).toContain('Port (0-65535): 53\nNote: this run kept the last 25 of its 547 packets in memory.\n2 packets on port 53');
    expect(section(out, 4)).toContain('2 packets on port 53 (domain)');
  });

  it('1 escapes terminal control bytes that came from the wire', async () => {
    const out = await runPiped('1\n');
    expect(out).not.toContain('\x1b');
    expect(out).toContain('GET /evil\\x1b[2J');
  });

  it('2 lists all connections numbered, with state, counts and service', async () => {
    const s = section(await runPiped('2\n'), 2);
    expect(s).toContain('4 connections');
    expect(cells(lineWith(s, '58109'))).toEqual(['2', 'TCP', '192.168.1.71', '58109', '192.168.1.61', '80 (http)', 'ESTABLISHED', '3/1', '198 B/78 B', '18:07:21.097', '6 ms']);
    expect(cells(lineWith(s, '58604'))).toEqual(['3', 'TCP', '192.168.1.71', '58604', '192.168.1.65', '443 (https)', 'CLOSED', '1/1', '60 B/78 B', '18:07:22.197', '234 ms']);
  });

  it('3 finds the packets to or from an address', async () => {
    const s = section(await runPiped('3\n192.168.1.1\n'), 3);
    expect(s).toContain('IP address: 192.168.1.1\n');
    expect(s).toContain('3 packets to or from 192.168.1.1');
    expect(s.split('\n').filter((l) => /^\s*\d+ {2}\d\d:/.test(l)).map((l) => cells(l)[0])).toEqual(['1', '22', '23']);
  });

  it('3 normalises IPv6 input and says when nothing matches', async () => {
    const s = section(await runPiped('3\n2001:DB8:0::1\n3\n192.0.2.200\n'), 3);
    expect(s).toContain('1 packet to or from 2001:db8::1');
    expect(cells(lineWith(s, 'Echo request'))).toEqual(['24', '18:07:20.737', 'ICMP', '2001:db8::1', '-', '2001:db8::2', '-', '70', 'Echo request']);
    const out = await runPiped('3\n192.0.2.200\n');
    expect(out).toContain('No packets to or from 192.0.2.200.');
  });

  it('4 finds the packets on a port, naming its service', async () => {
    const s = section(await runPiped('4\n53\n'), 4);
    expect(s).toContain('2 packets on port 53 (domain)');
    expect(s.split('\n').filter((l) => /^\s*\d+ {2}\d\d:/.test(l)).map((l) => cells(l)[0])).toEqual(['22', '23']);
    expect(await runPiped('4\n8080\n')).toContain('No packets on port 8080.');
  });

  it('5 finds packets by protocol, case-insensitively, also by inner layers', async () => {
    const out = await runPiped('5\nudp\n');
    const s = section(out, 5);
    expect(s).toContain('2 UDP packets');
    expect(s.split('\n').filter((l) => /^\s*\d+ {2}\d\d:/.test(l)).map((l) => cells(l)[0])).toEqual(['22', '23']);
    const http = section(await runPiped('5\nHTTP\n'), 5);
    expect(http).toContain('1 HTTP packet\n');
    expect(await runPiped('5\nicmpv6\n')).toContain('No ICMPv6 packets.');
  });

  it('6 shows only active connections and 7 only closed ones, keeping the list numbers', async () => {
    const out = await runPiped('6\n7\n');
    const active = section(out, 6);
    expect(active).toContain('2 connections');
    expect(active).toContain('ESTABLISHED');
    expect(active).toContain('ACTIVE');
    expect(active).not.toContain('RESET');
    expect(cells(lineWith(active, '5353'))[0]).toBe('4');
    const closed = section(out, 7);
    expect(closed).toContain('RESET');
    expect(closed).toContain('CLOSED');
    expect(closed).not.toContain('ESTABLISHED');
    expect(cells(lineWith(closed, '58604'))[0]).toBe('3');
  });

  it('6 and 7 say so when there is nothing to show', async () => {
    const b = new FakeBackend();
    b.connectionList = [];
    const out = await runPiped('6\n7\n2\n8\n', b);
    expect(out).toContain('No active connections.');
    expect(out).toContain('No closed connections.');
    expect(out).toContain('No connections were seen.');
  });

  it('8 shows one connection chosen by number, and by id', async () => {
    const s = section(await runPiped('8\n2\n'), 8);
    expect(s).toContain('Connection number (1-4) or id: 2\n');
    expect(s).toContain('Connection 2 (id c2)');
    expect(field(s, 'Server')).toMatch(/^192\.168\.1\.61 port 80 \(http\)$/);
    expect(field(s, 'State')).toMatch(/^ESTABLISHED \(active\)$/);
    expect(lineWith(s, 'Client to server')).toMatch(/3 packets, 198 B \(198 bytes\)$/);
    expect(lineWith(s, 'Server to client')).toMatch(/1 packet, 78 B \(78 bytes\)$/);
    expect(field(s, 'Duration')).toBe('6 ms');
    const byId = section(await runPiped('8\nudp-7\n'), 8);
    expect(byId).toContain('Connection 4 (id udp-7)');
    expect(byId).toContain('192.168.1.1 port 53 (domain)');
    // The connection's packets (every one the run has) are listed under it.
    expect(byId).toContain('Its packets (2):');
    expect(byId).toContain('Standard query A www.example.org');
  });

  it('9 lists DNS queries with type, rcode, answers and latency', async () => {
    const s = section(await runPiped('9\n'), 9);
    expect(s).toContain('3 DNS queries');
    expect(cells(lineWith(s, 'in-addr.arpa'))).toEqual(['18:07:20.797', '192.168.1.71', '192.168.1.1', 'PTR', '1.1.168.192.in-addr.arpa', 'NXDOMAIN', '2.9 ms']);
    expect(cells(lineWith(s, '93.184.216.34'))).toEqual(['18:07:20.717', '192.168.1.71', '192.168.1.1', 'A', 'www.example.org', 'NOERROR', '10.0 ms', '93.184.216.34']);
    expect(cells(lineWith(s, 'AAAA'))).toEqual(['18:07:20.807', '192.168.1.71', '192.168.1.1', 'AAAA', 'www.example.org', 'no answer', '-']);
  });

  it('10 ranks the most-queried names', async () => {
    const s = section(await runPiped('10\n'), 10);
    expect(cells(lineWith(s, 'www.example.org'))).toEqual(['1', 'www.example.org', '2']);
    expect(cells(lineWith(s, 'in-addr'))).toEqual(['2', '1.1.168.192.in-addr.arpa', '1']);
  });

  it('11 shows totals, per-protocol counts, top talkers and top ports', async () => {
    const s = section(await runPiped('11\n'), 11);
    expect(field(s, 'Packets')).toMatch(/^547$/);
    expect(field(s, 'Decode errors')).toMatch(/^1$/);
    expect(cells(lineWith(s, 'ARP'))).toEqual(['ARP', '503', '21126', '92.0%']);
    expect(cells(lineWith(s, 'TCP  '))).toEqual(['TCP', '32', '2276', '5.9%']);
    // A protocol with no packets is left out.
    expect(s).not.toMatch(/^ICMP\s/m);
    expect(cells(lineWith(s, '192.168.1.71'))).toEqual(['192.168.1.71', '530', '22.3 KiB']);
    expect(cells(lineWith(s, 'https'))).toEqual(['443', 'https', 'TCP', '12']);
    expect(cells(lineWith(s, 'domain'))).toEqual(['53', 'domain', 'UDP', '12']);
  });

  it('12 lists suspicious addresses with score and reasons', async () => {
    const s = section(await runPiped('12\n'), 12);
    expect(cells(lineWith(s, '192.168.1.71'))).toEqual(['192.168.1.71', 'suspicious', '30/50', '2', '2011-09-27 18:07:22', 'PORT_SWEEP x1; SYN_SCAN x1']);
  });

  it('13 lists malicious and blacklisted addresses', async () => {
    const s = section(await runPiped('13\n'), 13);
    expect(cells(lineWith(s, '203.0.113.9'))).toEqual(['203.0.113.9', 'malicious', '80/50', '1', '2011-09-27 18:07:23', 'SYN_FLOOD x1']);
    expect(cells(lineWith(s, '198.51.100.7'))).toEqual(['198.51.100.7', 'blacklisted', '0/50', '0', '-', 'listed in blacklist.txt']);
  });

  it('14 checks the reputation of one address, known or not', async () => {
    const b = new FakeBackend();
    const out = await runPiped('14\n203.0.113.9\n14\n192.0.2.55\n', b);
    const s = section(out, 14);
    expect(field(s, 'Status')).toMatch(/^malicious$/);
    expect(field(s, 'Score')).toMatch(/^80 \(malicious at 50\)$/);
    expect(field(s, 'Reasons')).toMatch(/^SYN_FLOOD x1$/);
    const second = out.slice(out.lastIndexOf('\n14. Check IP reputation\n'));
    expect(field(second, 'Status')).toMatch(/^clean$/);
    expect(field(second, 'First seen')).toMatch(/^never$/);
    expect(b.calls).toEqual(['reputation 203.0.113.9', 'reputation 192.0.2.55']);
  });

  it('15, 16 and 17 add an address to the blacklist, the whitelist and the malicious list', async () => {
    const b = new FakeBackend();
    const out = await runPiped('15\n198.51.100.20\n16\n2001:DB8::0:7\n17\n203.0.113.66\n13\n', b);
    expect(b.blacklist).toEqual(['198.51.100.20']);
    expect(b.whitelist).toEqual(['2001:db8::7']);
    expect(b.malicious).toEqual(['203.0.113.66']);
    expect(section(out, 15)).toContain('Added 198.51.100.20 to blacklist.txt.');
    expect(section(out, 16)).toContain('Added 2001:db8::7 to whitelist.txt.');
    expect(section(out, 17)).toContain('Marked 203.0.113.66 as known malicious.');
    // What was added shows up afterwards.
    expect(section(out, 13)).toContain('203.0.113.66');
  });

  it('15 reports a backend failure in one line and the menu goes on', async () => {
    const b = new FakeBackend();
    b.failNextAdd = "cannot write blacklist.txt: EACCES";
    const out = await runPiped('15\n198.51.100.20\n19\n', b);
    expect(section(out, 15)).toContain('Error: cannot write blacklist.txt: EACCES');
    expect(out).not.toMatch(/\n\s+at /);
    expect(section(out, 19)).toContain('Total alerts: 3');
  });

  it('18 shows the newest alerts first with severities', async () => {
    const b = new FakeBackend();
    const s = section(await runPiped('18\n', b), 18);
    expect(b.calls).toContain('recentAlerts 20');
    expect(s).toContain('The 3 newest alerts, newest first:');
    // Numbered (the numbers "18 N" and the prompt take), newest first.
    const rows = s.split('\n').filter((l) => /^\s*\d+ {2}2011-/.test(l));
    expect(rows.map((l) => cells(l)[0])).toEqual(['1', '2', '3']);
    expect(rows.map((l) => cells(l).slice(2, 4))).toEqual([
      ['CRITICAL', 'SYN_FLOOD'],
      ['HIGH', 'SYN_SCAN'],
      ['WARNING', 'PORT_SWEEP'],
    ]);
    expect(cells(rows[0])).toEqual(['1', '2011-09-27 18:07:23', 'CRITICAL', 'SYN_FLOOD', '203.0.113.9', '192.168.1.1:80', '400', 'SYN flood to 192.168.1.1:80']);
  });

  it('18 and 19 with no alerts', async () => {
    const b = new FakeBackend();
    b.alertList = [];
    const out = await runPiped('18\n19\n', b);
    expect(section(out, 18)).toContain('No alerts.');
    expect(section(out, 19)).toContain('Total alerts: 0');
  });

  it('19 counts alerts by severity, type and source', async () => {
    const s = section(await runPiped('19\n'), 19);
    expect(s).toContain('Total alerts: 3');
    const bySeverity = s.slice(s.indexOf('By severity'), s.indexOf('By type'));
    expect(bySeverity.split('\n').filter((l) => /^(LOW|WARNING|HIGH|CRITICAL)\s/.test(l)).map(cells)).toEqual([
      ['CRITICAL', '1'],
      ['HIGH', '1'],
      ['WARNING', '1'],
      ['LOW', '0'],
    ]);
    expect(cells(lineWith(s, 'SYN_FLOOD'))).toEqual(['SYN_FLOOD', '1']);
    const bySource = s.slice(s.indexOf('By source'));
    expect(cells(lineWith(bySource, '192.168.1.71'))).toEqual(['192.168.1.71', '2']);
  });

  it('20 shows the baseline, or says there is none', async () => {
    const s = section(await runPiped('20\n'), 20);
    expect(lineWith(s, 'State')).toMatch(/learning \(25% of the window\)$/);
    expect(lineWith(s, 'Window')).toMatch(/300 s$/);
    expect(lineWith(s, 'Packets/s')).toMatch(/mean 226\.50, std dev 12\.13$/);
    expect(cells(lineWith(s, 'TCP'))).toEqual(['TCP', '13.25', '2.00']);
    const b = new FakeBackend();
    b.baselineStatus = null;
    expect(section(await runPiped('20\n', b), 20)).toContain('No traffic baseline');
  });

  it('21 exits and calls close() once', async () => {
    const b = new FakeBackend();
    const out = await runPiped('21\n1\n', b);
    expect(b.closed).toBe(1);
    // Nothing after 21 is read.
    expect(out).not.toContain('1. Show all packets\nThe last');
    expect(out.trimEnd().endsWith('Saving state and exiting.')).toBe(true);
  });

  it('22 lists the custom rules with state, threshold and condition', async () => {
    const s = section(await runPiped('22\n'), 22);
    expect(cells(lineWith(s, 'SSH Bruteforce'))).toEqual(['1', 'SSH Bruteforce Detection', 'enabled', 'HIGH', '10', '60 s', '0', 'tcp.dst_port == 22 and tcp.flags.syn and not tcp.flags.ack']);
    expect(cells(lineWith(s, 'Large ICMP  '))).toEqual(['2', 'Large ICMP', 'disabled', 'WARNING', '1', '10 s', '3', 'icmp and packet.size > 1000']);
    expect(s).toContain('1. SSH Bruteforce Detection: Detects multiple SSH connection attempts');
  });

  it('23 toggles a rule by number and by name (any case), and 22 shows the change', async () => {
    const b = new FakeBackend();
    const out = await runPiped('23\n2\n23\nssh bruteforce detection\n22\n', b);
    expect(b.calls).toEqual(['toggle Large ICMP', 'toggle SSH Bruteforce Detection']);
    expect(out).toContain("Rule 'Large ICMP' is now enabled.");
    expect(out).toContain("Rule 'SSH Bruteforce Detection' is now disabled.");
    const s = section(out, 22);
    expect(cells(lineWith(s, 'SSH Bruteforce'))[2]).toBe('disabled');
    expect(cells(lineWith(s, 'Large ICMP  '))[2]).toBe('enabled');
  });

  it('23 with no rules loaded does not prompt', async () => {
    const b = new FakeBackend();
    b.rulesList = [];
    const out = await runPiped('23\n19\n', b);
    expect(section(out, 23)).toContain('No custom rules are loaded, so there is nothing to toggle.');
    expect(section(out, 19)).toContain('Total alerts: 3');
  });

  it('24 reloads rules and reports success or the reason it failed', async () => {
    const b = new FakeBackend();
    const ok = section(await runPiped('24\n', b), 24);
    expect(b.calls).toEqual(['reload']);
    // The result once: no second line restating the count.
    expect(ok.trim().split('\n')).toEqual(['24. Reload rules', 'Reloaded 2 rules from rules.yaml.']);
    // A failure as RuleEngine.reload() words it: lines, each shown as a line (no literal \n), the caret under its column.
    b.reloadResult = {
      ok: false,
      message: 'reload failed, keeping the 2 running rules:\nrules.yaml:3:31: rule "Bad": expected a number after \'==\'\n3 |     condition: tcp.dst_port == \n  |                               ^',
    };
    const bad = section(await runPiped('24\n', b), 24);
    expect(bad.trim().split('\n')).toEqual([
      '24. Reload rules',
      'Reload failed; the 2 running rules stay (1 enabled):',
      'rules.yaml:3:31: rule "Bad": expected a number after \'==\'',
      '3 |     condition: tcp.dst_port == ',
      '  |                               ^',
    ]);
    expect(bad).not.toContain('\\n');
  });

  it('an unknown choice gets one line and the prompt again; Enter alone shows the menu', async () => {
    const out = await runPiped('25\nfoo\n0\n\n');
    const tail = out.slice(out.indexOf('Choice [1-24]: 25\n'));
    expect(tail.split('\n').slice(0, 6)).toEqual([
      'Choice [1-24]: 25',
      "Unknown choice '25': enter a number from 1 to 24 (Enter alone shows the menu).",
      'Choice [1-24]: foo',
      "Unknown choice 'foo': enter a number from 1 to 24 (Enter alone shows the menu).",
      'Choice [1-24]: 0',
      "Unknown choice '0': enter a number from 1 to 24 (Enter alone shows the menu).",
    ]);
    // The menu at the start and after the empty line, not after each mistake.
    expect(out.split('NetGuard menu').length - 1).toBe(2);
  });
});

describe('summary line', () => {
  it('can be left out when the caller printed its own', async () => {
    const { PassThrough } = await import('node:stream');
    const { runMenu } = await import('../../src/cli/menu/index.js');
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    output.setEncoding('utf8').on('data', (d: string) => (out += d));
    const done = runMenu(new FakeBackend(), { input, output, isTTY: false, color: false, summary: false });
    input.end('21\n');
    await done;
    expect(out).not.toContain('Captured 547 packets');
    expect(out).toContain('NetGuard menu');
  });
});
