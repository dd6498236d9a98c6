// The CLI menu in a real terminal: tmux runs `netguard -r zeek/nmap-vsn.pcap`, types each of the 24 options and reads the screen.
//
// The capture (547 packets, 2011, nmap host discovery on a LAN) holds, by tshark: 503 ARP frames
// (21126 bytes), 32 TCP frames (connect probes from 192.168.1.71 to port 80 on 7 hosts and 443 on 3),
// and 12 DNS frames (6 PTR queries to 192.168.1.1, each answered NXDOMAIN, e.g. 1.1.168.192.in-addr.arpa).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, ROOT, netguardArgv, runNetguard } from '../helpers/netguard.js';

const PCAP = path.join(CORPUS, 'zeek/nmap-vsn.pcap');
const SOCKET = `netguard-menu-${process.pid}`;
const SESSION = 'menu';
const MENU = 'Choice [1-24]:';
const MORE = '-- more (space, q) --';

let dir = '';

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

/** Quotes one argument for the shell tmux starts the command with. */
const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Everything the pane shows, scrollback included, wrapped lines joined. */
function screen(escapes = false): string {
  return tmux('capture-pane', '-p', '-J', ...(escapes ? ['-e'] : []), '-t', SESSION, '-S', '-', '-E', '-');
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

async function waitFor(pred: (s: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = screen();
    if (pred(s)) return s;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${s.split('\n').slice(-60).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function type(text: string): void {
  if (text) tmux('send-keys', '-t', SESSION, '-l', '--', text);
  tmux('send-keys', '-t', SESSION, 'Enter');
}

/**
 * Picks a menu option, answers its prompts in turn (each once its prompt shows), and returns what the
 * option printed: from its title line to the next menu prompt.
 */
async function choose(n: number, label: string, answers: { prompt: string; text: string }[] = []): Promise<string> {
  const before = screen();
  const menus = count(before, MENU);
  // Counted before anything is typed: a re-asked prompt may be on screen before the next look.
  const base = new Map(answers.map((a) => [a.prompt, count(before, a.prompt)]));
  const used = new Map<string, number>();
  type(String(n));
  for (const a of answers) {
    const want = (base.get(a.prompt) ?? 0) + (used.get(a.prompt) ?? 0) + 1;
    used.set(a.prompt, (used.get(a.prompt) ?? 0) + 1);
    const s = await waitFor((x) => count(x, a.prompt) >= want || count(x, MENU) > menus, `prompt ${a.prompt} #${want}`);
    if (count(s, MENU) > menus) break;
    type(a.text);
  }
  const s = await waitFor((x) => count(x, MENU) > menus, `the menu after option ${n}`);
  const lines = s.split('\n');
  const start = lines.lastIndexOf(`${n}. ${label}`);
  expect(start, `title of option ${n} on screen`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l.startsWith(MENU));
  return lines.slice(start, end).join('\n');
}

/** Table cells of the first line containing `needle`. */
function row(text: string, needle: string): string[] {
  const l = text.split('\n').find((x) => x.includes(needle));
  expect(l, `a line with ${needle} in:\n${text}`).toBeDefined();
  return l!.trim().split(/\s{2,}/);
}

function field(text: string, key: string): string {
  const m = text.match(new RegExp(`^\\s+${key}\\s{2,}(.*)$`, 'm'));
  expect(m, `field ${key} in:\n${text}`).not.toBeNull();
  return m![1].trim();
}

beforeAll(async () => {
  try {
    execFileSync('tmux', ['-V']);
  } catch {
    throw new Error('tmux is not installed: apt-get install -y tmux');
  }
  expect(existsSync(PCAP), PCAP).toBe(true);
  // A scratch working directory, so the lists, state and rule toggles the menu persists do not touch the repo.
  dir = mkdtempSync(path.join(os.tmpdir(), 'netguard-menu-'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  copyFileSync(path.join(ROOT, 'rules.yaml'), path.join(dir, 'rules.yaml'));
  writeFileSync(
    path.join(dir, 'settings.yaml'),
    readFileSync(path.join(ROOT, 'settings.yaml'), 'utf8').replace(/enable_notifications: true/, 'enable_notifications: false'),
  );
  const conf = path.join(dir, 'tmux.conf');
  writeFileSync(conf, 'set -g history-limit 50000\nset -g remain-on-exit on\nset -g status off\n');
  // -c above the file's 547 packets: CLI mode's -c default (50) also limits how much of a file is read.
  // The shell prints NetGuard's exit status on the screen: tmux 3.3 does not always reap a dead pane's
  // process, so #{pane_dead_status} can stay empty.
  const cmd = ['env', '-u', 'NO_COLOR', 'TZ=UTC', ...netguardArgv(['-r', PCAP, '-c', '1000'])].map(sh).join(' ') + '; echo "netguard exit status: $?"';
  execFileSync('tmux', ['-L', SOCKET, '-f', conf, 'new-session', '-d', '-s', SESSION, '-x', '160', '-y', '50', '-c', dir, cmd]);
  await waitFor((s) => s.includes(MENU), 'the first menu', 60_000);
});

afterAll(() => {
  try {
    execFileSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // The server is gone already.
  }
  // kill-server leaves the socket file behind.
  rmSync(path.join(os.tmpdir(), `tmux-${process.getuid?.() ?? 0}`, SOCKET), { force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('netguard -r nmap-vsn.pcap, menu in tmux', () => {
  it('prints the summary and the 24-option menu', () => {
    const s = screen();
    expect(s).toMatch(/Captured 547 packets/);
    expect(s).toContain('   1. Show all packets            13. Show malicious IPs');
    expect(s).toContain('  12. Show suspicious IPs         24. Reload rules');
  });

  it('1 pages through every packet of the file; space pages, q stops at once', async () => {
    const menus = count(screen(), MENU);
    type('1');
    const s = await waitFor((x) => x.includes(MORE), 'the pager');
    // The page holds 20 packet rows, from the file's first packet.
    const numbers = (t: string): number[] => t.split('\n').filter((l) => /^\s*\d+\s+\d\d:\d\d:\d\d\.\d{3}\s/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(numbers(s)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(s.split('\n').some((l) => /^\s*\d+\s.*\sARP\s/.test(l))).toBe(true);
    // Space, without Enter: the next page; its prompt line was erased and replaced by the rows.
    tmux('send-keys', '-t', SESSION, 'Space');
    await waitFor((x) => numbers(x).length === 40, 'the second page');
    tmux('send-keys', '-t', SESSION, 'q');
    const after = await waitFor((x) => count(x, MENU) > menus, 'the menu');
    expect(after).toContain('(507 more rows not shown)');
    expect(numbers(after)).toHaveLength(40);
  });

  it('2 lists the connections with service names next to ports', async () => {
    const s = await choose(2, 'Show connections');
    expect(s).toMatch(/^\d+ connections$/m);
    expect(row(s, '58024')).toEqual(expect.arrayContaining(['TCP', '192.168.1.71', '58024', '192.168.1.1', '80 (http)']));
    expect(row(s, '58604')).toEqual(expect.arrayContaining(['192.168.1.65', '443 (https)']));
  });

  it('3 searches by IP, re-asking after a bad address', async () => {
    const s = await choose(3, 'Search by IP', [
      { prompt: 'IP address:', text: '192.168.1.300' },
      { prompt: 'IP address:', text: '192.168.1.1' },
    ]);
    expect(s).toContain("'192.168.1.300' is not an IP address");
    const n = Number(/(\d+) packets to or from 192\.168\.1\.1/.exec(s)?.[1]);
    // The 12 DNS packets at the end of the capture are all between .71 and .1.
    expect(n).toBeGreaterThanOrEqual(12);
    expect(s).toContain('1.1.168.192.in-addr.arpa');
  });

  it('4 searches by port, re-asking after one out of range', async () => {
    const s = await choose(4, 'Search by port', [
      { prompt: 'Port (0-65535):', text: '70000' },
      { prompt: 'Port (0-65535):', text: '53' },
    ]);
    expect(s).toContain('Port 70000 is out of range');
    expect(s).toMatch(/^12 packets on port 53 \(\w+\)$/m);
  });

  it('5 searches by protocol, re-asking after an unknown one', async () => {
    const s = await choose(5, 'Search by protocol', [
      { prompt: 'Protocol (', text: 'smtp' },
      { prompt: 'Protocol (', text: 'dns' },
    ]);
    expect(s).toContain("Unknown protocol 'smtp'");
    expect(s).toMatch(/^12 DNS packets$/m);
  });

  it('6 and 7 split the connections into active and closed', async () => {
    const active = await choose(6, 'Show active connections');
    const closed = await choose(7, 'Show closed connections');
    // 192.168.1.1 answered the probe from port 58024 with a RST: that connection is closed.
    expect(row(closed, '58024')).toEqual(expect.arrayContaining(['192.168.1.1', '80 (http)']));
    expect(active).not.toContain(' 58024 ');
  });

  it('8 shows one connection chosen by number', async () => {
    const s = await choose(8, 'Connection details', [
      { prompt: 'or id:', text: '9999' },
      { prompt: 'or id:', text: '1' },
    ]);
    expect(s).toContain("No connection '9999'");
    expect(s).toMatch(/^Connection 1 \(id .+\)$/m);
    expect(field(s, 'Client')).toBe('192.168.1.71 port 58024');
    expect(field(s, 'Server')).toBe('192.168.1.1 port 80 (http)');
  });

  it('9 lists the PTR queries and their NXDOMAIN answers', async () => {
    const s = await choose(9, 'Show DNS queries');
    expect(s).toMatch(/^6 DNS queries$/m);
    for (const name of ['1.1.168.192.in-addr.arpa', '50.1.168.192.in-addr.arpa', '72.1.168.192.in-addr.arpa']) {
      expect(row(s, name)).toEqual(expect.arrayContaining(['192.168.1.71', '192.168.1.1', 'PTR', name, 'NXDOMAIN']));
    }
  });

  it('10 ranks the queried names', async () => {
    const s = await choose(10, 'Show top domains');
    expect(row(s, '61.1.168.192.in-addr.arpa').slice(1)).toEqual(['61.1.168.192.in-addr.arpa', '1']);
  });

  it('11 counts packets and bytes per protocol as tshark does', async () => {
    const s = await choose(11, 'Show protocol statistics');
    expect(field(s, 'Packets')).toBe('547');
    expect(row(s, 'ARP').slice(0, 3)).toEqual(['ARP', '503', '21126']);
    expect(row(s, 'TCP ').slice(0, 3)).toEqual(['TCP', '32', '2276']);
    expect(row(s, 'DNS').slice(0, 3)).toEqual(['DNS', '12', '1018']);
  });

  it('18 and 19 show the port sweep of port 80', async () => {
    // At a terminal 18 then asks for an alert to open; Enter alone goes back to the menu.
    const recent = await choose(18, 'Show recent alerts', [{ prompt: 'for its evidence (Enter for the menu):', text: '' }]);
    expect(recent).toContain('(cancelled)');
    expect(row(recent, 'PORT_SWEEP')).toEqual(expect.arrayContaining(['PORT_SWEEP']));
    // Severities are coloured in a terminal.
    const coloured = screen(true);
    expect(coloured).toMatch(/\x1b\[[0-9;]*m(LOW|WARNING|HIGH|CRITICAL)/);
    const summary = await choose(19, 'Show alert summary');
    expect(Number(/Total alerts: (\d+)/.exec(summary)?.[1])).toBeGreaterThanOrEqual(1);
    expect(row(summary.slice(summary.indexOf('By type')), 'PORT_SWEEP')[0]).toBe('PORT_SWEEP');
  });

  it('12 lists the sweeping host as suspicious', async () => {
    const s = await choose(12, 'Show suspicious IPs');
    expect(row(s, '192.168.1.71')).toEqual(expect.arrayContaining(['192.168.1.71', 'suspicious']));
  });

  it('15, 16, 17 add addresses (after re-asking) and 13, 14 show them', async () => {
    const bl = await choose(15, 'Add IP to blacklist', [
      { prompt: 'blacklist (-ADDR', text: 'not-an-ip' },
      { prompt: 'blacklist (-ADDR', text: '198.51.100.20' },
    ]);
    expect(bl).toContain("'not-an-ip' is not an IP address or CIDR block");
    expect(bl).toContain('198.51.100.20');
    const wl = await choose(16, 'Add IP to whitelist', [{ prompt: 'whitelist (-ADDR', text: '2001:DB8::0:7' }]);
    expect(wl).toContain('2001:db8::7');
    const mal = await choose(17, 'Add known malicious IP', [{ prompt: 'malicious IPs (-ADDR', text: '203.0.113.66' }]);
    expect(mal).toContain('203.0.113.66');
    const list = await choose(13, 'Show malicious IPs');
    expect(row(list, '203.0.113.66')).toEqual(expect.arrayContaining(['203.0.113.66', 'malicious']));
    const black = await choose(14, 'Check IP reputation', [{ prompt: 'to check:', text: '198.51.100.20' }]);
    expect(field(black, 'Status')).toBe('blacklisted');
    const rep = await choose(14, 'Check IP reputation', [
      { prompt: 'to check:', text: '10.0.0' },
      { prompt: 'to check:', text: '203.0.113.66' },
    ]);
    expect(rep).toContain("'10.0.0' is not an IP address");
    expect(field(rep, 'Status')).toBe('malicious');
  });

  it('15 says "already listed" instead of adding twice, takes CIDR blocks, says what wins on two lists, and -ADDR removes', async () => {
    const again = await choose(15, 'Add IP to blacklist', [{ prompt: 'blacklist (-ADDR', text: '198.51.100.20' }]);
    expect(again).toMatch(/^198\.51\.100\.20 is already listed in \S*blacklist\.txt; nothing changed$/m);
    const block = await choose(15, 'Add IP to blacklist', [{ prompt: 'blacklist (-ADDR', text: '2001:db8::/64' }]);
    // 2001:db8::7 was whitelisted above: the blacklist still raises BLACKLISTED_IP for it.
    expect(block).toMatch(/^added 2001:db8::\/64 to \S*blacklist\.txt; it is also on \S*whitelist\.txt \(2001:db8::7\): BLACKLISTED_IP is raised for it all the same, its other alerts stay off$/m);
    const both = await choose(14, 'Check IP reputation', [{ prompt: 'to check:', text: '2001:db8::7' }]);
    expect(field(both, 'Status')).toBe('blacklisted');
    expect(field(both, 'Reasons')).toMatch(/also listed in \S*whitelist\.txt/);
    const removed = await choose(15, 'Add IP to blacklist', [{ prompt: 'blacklist (-ADDR', text: '-2001:db8::/64' }]);
    expect(removed).toMatch(/^removed 2001:db8::\/64 from \S*blacklist\.txt$/m);
    expect(readFileSync(path.join(dir, 'blacklist.txt'), 'utf8')).not.toContain('2001:db8::/64');
  });

  it('14 shows when an address was first and last seen (its alerts)', async () => {
    const s = await choose(14, 'Check IP reputation', [{ prompt: 'to check:', text: '192.168.1.71' }]);
    // The PORT_SWEEP of 2011-09-27 18:07 from 192.168.1.71 (TZ=UTC).
    expect(field(s, 'First seen')).toMatch(/^2011-09-27 18:07:\d\d$/);
    expect(field(s, 'Last seen')).toMatch(/^2011-09-27 18:07:\d\d$/);
  });

  it('20 shows the baseline state', async () => {
    const s = await choose(20, 'Show baseline status');
    // 2.4 s of traffic cannot fill the learning window.
    expect(s).toMatch(/learning|No traffic baseline/);
  });

  it('22 lists rules.yaml, 23 toggles one (re-asking for a missing one), 24 reloads', async () => {
    const rules = await choose(22, 'Show custom rules');
    expect(row(rules, 'SSH Bruteforce Detection').slice(0, 3)).toEqual(['1', 'SSH Bruteforce Detection', 'enabled']);
    const t = await choose(23, 'Toggle a rule', [
      { prompt: 'or name:', text: 'No Such Rule' },
      { prompt: 'or name:', text: '1' },
    ]);
    expect(t).toContain("No rule named 'No Such Rule'");
    expect(t).toContain("Rule 'SSH Bruteforce Detection' is now disabled.");
    const after = await choose(22, 'Show custom rules');
    expect(row(after, 'SSH Bruteforce Detection')[2]).toBe('disabled');
    const reload = await choose(24, 'Reload rules');
    expect(reload).toMatch(/^reloaded \d+ rules from \S*rules\.yaml \(\d+ enabled\)$/m);
    // A broken rules file: the reason with file:line:col, the line and a caret under the column, each on its own line.
    const file = path.join(dir, 'rules.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, 'rules:\n  - name: Bad\n    condition: tcp.dst_port ==\n    threshold: 1\n');
    try {
      const failed = await choose(24, 'Reload rules');
      const lines = failed.split('\n');
      expect(lines[1]).toMatch(/^Reload failed; the \d+ running rules stay \(\d+ enabled\):$/);
      expect(lines[2]).toMatch(/rules\.yaml:3:\d+: rule "Bad": expected .*after '=='/);
      expect(lines[3]).toBe('3 |     condition: tcp.dst_port ==');
      expect(lines[4]).toMatch(/^ {2}\| {28,}\^$/);
      expect(failed).not.toContain('\\n');
    } finally {
      writeFileSync(file, good);
    }
  });

  it('an unknown choice gets one line and the prompt, not the whole menu again', async () => {
    const menus = count(screen(), 'NetGuard menu');
    const prompts = count(screen(), MENU);
    type('42');
    const s = await waitFor((x) => count(x, MENU) > prompts, 'the prompt');
    expect(s.trimEnd().split('\n').slice(-3)).toEqual([`${MENU} 42`, "Unknown choice '42': enter a number from 1 to 24 (Enter alone shows the menu).", MENU]);
    expect(count(s, 'NetGuard menu')).toBe(menus);
  });

  it('Ctrl-C at a prompt returns to the menu', async () => {
    const menus = count(screen(), MENU);
    const prompts = count(screen(), 'to add to the blacklist (-ADDR removes one):');
    type('15');
    await waitFor((x) => count(x, 'to add to the blacklist (-ADDR removes one):') > prompts, 'the prompt');
    tmux('send-keys', '-t', SESSION, '-l', '10.1.1');
    tmux('send-keys', '-t', SESSION, 'C-c');
    const s = await waitFor((x) => count(x, MENU) > menus, 'the menu after Ctrl-C');
    expect(s.slice(s.lastIndexOf('\n15. Add IP to blacklist\n'))).toMatch(/to add to the blacklist \(-ADDR removes one\): \^C\n\(cancelled\)/);
  });

  it('21 exits with status 0, and what the menu changed was saved', async () => {
    type('21');
    const s = await waitFor((x) => /netguard exit status: \d+/.test(x), 'netguard to exit');
    expect(/netguard exit status: (\d+)/.exec(s)?.[1]).toBe('0');
    expect(readFileSync(path.join(dir, 'blacklist.txt'), 'utf8')).toMatch(/^198\.51\.100\.20\b/m);
    expect(readFileSync(path.join(dir, 'whitelist.txt'), 'utf8')).toMatch(/^2001:db8::7\b/m);
    // The toggle was written back to rules.yaml: a new run shows the rule disabled.
    const again = await runNetguard(['-r', PCAP, '-c', '1000'], { cwd: dir, stdin: '22\n', env: { TZ: 'UTC' } });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^\s*1\s+SSH Bruteforce Detection\s+disabled\s/m);
    // And the address added as known malicious is still known.
    const rep = await runNetguard(['-r', PCAP, '-c', '1000'], { cwd: dir, stdin: '14\n203.0.113.66\n', env: { TZ: 'UTC' } });
    expect(rep.stdout).toMatch(/^\s+Status\s+malicious$/m);
  });
});
