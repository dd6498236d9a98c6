// The menu's searches cover every packet of a run: tmux drives `netguard -r` over a generated capture
// of 10,000 packets, far more than the 100 the engine keeps for its views, and a packet near the
// start of the file is found by IP, by port, by protocol and in its connection's details.
//
// The capture: packet 3 is the only one to port 22 (10.9.0.5:40000 -> 10.9.0.9:22, SYN); the other
// 9,999 are ACKs from 10.9.0.1 to 10.9.0.2:80.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, netguardArgv } from '../helpers/netguard.js';
import { writeTcpPcap, type Segment } from '../helpers/gen-pcap.js';
import { MENU, TmuxMenu } from '../helpers/tmux-menu.js';

const TOTAL = 10_000;
let dir = '';
const term = new TmuxMenu('menu-search');

/** Packet rows of a listing: lines that start with a number and a time. */
function packetRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => /^\s*\d+\s+\d\d:\d\d:\d\d\.\d{3}\s/.test(l))
    .map((l) => l.trim().split(/\s{2,}/));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'netguard-menu-search-'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const segs: Segment[] = [];
  for (let i = 1; i <= TOTAL; i++) {
    if (i === 3) segs.push({ src: '10.9.0.5', dst: '10.9.0.9', sport: 40000, dport: 22, flags: 0x02 });
    else segs.push({ src: '10.9.0.1', dst: '10.9.0.2', sport: 20000 + (i % 50), dport: 80, flags: 0x10 });
  }
  writeTcpPcap(path.join(dir, 'gen.pcap'), segs);
  // No settings or rules file in the directory: the built-in defaults, and nothing written to the repo.
  term.start(netguardArgv(['-r', 'gen.pcap', '--settings', path.join(ROOT, 'settings.yaml')]), dir);
  await term.waitFor((s) => s.includes(MENU), 'the first menu', 90_000);
});

afterAll(() => {
  term.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe(`menu searches over a file of ${TOTAL} packets`, () => {
  it('reads the whole file', () => {
    expect(term.screen()).toContain(`Captured ${TOTAL} packets`);
  });

  it('4 finds the one packet to port 22, packet 3 of the file', async () => {
    const s = await term.choose(4, 'Search by port', [{ prompt: 'Port (0-65535):', text: '22' }]);
    expect(s).toMatch(/^1 packet on port 22 \(ssh\)$/m);
    const rows = packetRows(s);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual(expect.arrayContaining(['3', 'TCP', '10.9.0.5', '40000', '10.9.0.9', '22 (ssh)']));
    expect(s).not.toContain('Note:');
  });

  it('3 finds it by address', async () => {
    const s = await term.choose(3, 'Search by IP', [{ prompt: 'IP address:', text: '10.9.0.9' }]);
    expect(s).toMatch(/^1 packet to or from 10\.9\.0\.9$/m);
    expect(packetRows(s)[0][0]).toBe('3');
  });

  it('1 with a display filter searches every packet', async () => {
    const menus = term.screen().split(MENU).length;
    term.type('1 dst_port == 22');
    const s = await term.waitFor((x) => x.split(MENU).length > menus, 'the menu after 1', 60_000);
    const out = s.slice(s.lastIndexOf('\n1. Show all packets\n'));
    expect(out).toContain(`1 packet of ${TOTAL} match "dst_port == 22"`);
    expect(packetRows(out)[0][0]).toBe('3');
  });

  it('5 counts every TCP packet of the file', async () => {
    // The pager would stop after a page: q leaves it at once.
    const menus = term.screen().split(MENU).length;
    term.type('5');
    await term.waitFor((x) => x.includes('Protocol ('), 'the protocol prompt');
    term.type('tcp');
    await term.waitFor((x) => x.includes('-- more'), 'the pager');
    expect(term.screen()).toMatch(new RegExp(`^${TOTAL} TCP packets$`, 'm'));
    term.keys('q');
    await term.waitFor((x) => x.split(MENU).length > menus, 'the menu after q');
  });

  it('8 lists a connection’s packets from the start of the file', async () => {
    // Connection 1 is the first seen: 10.9.0.1:20001 -> 10.9.0.2:80, packets 1, 51, 101, ...
    const menus = term.screen().split(MENU).length;
    term.type('8');
    await term.waitFor((x) => x.includes('Connection number'), 'the connection prompt');
    term.type('1');
    await term.waitFor((x) => x.includes('-- more') || x.split(MENU).length > menus, 'the packets of connection 1');
    const s = term.screen();
    const out = s.slice(s.lastIndexOf('\n8. Connection details\n'));
    expect(out).toMatch(/^Its packets \(200\):$/m);
    expect(packetRows(out).slice(0, 3).map((r) => r[0])).toEqual(['1', '51', '101']);
    if (out.includes('-- more')) term.keys('q');
    await term.waitFor((x) => x.split(MENU).length > menus, 'the menu');
  });
});
