// The menu's way to an alert's evidence, as a script drives it (piped input): "18" numbers the alerts,
// "18 N FILE" shows alert N's fields, flows and packets and writes its pcap (read by tshark), "1 FILTER"
// narrows the packet list with a display filter whose mistakes point at the column.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runNetguard } from '../helpers/netguard.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ng-evidence-menu-'));
  writeFileSync(path.join(dir, 's.yaml'), `history:\n  db_file: ${path.join(dir, 'h.db')}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('menu option 18 and 1', () => {
  it('leads from the alert list to an alert, its evidence and its pcap; 1 takes a display filter', async () => {
    const input = '18\n18 1 scan.pcap\n1 ip.src == 10.219.0.2/32 and tcp\n1 tcp andd udp\n18 99\n21\n';
    const r = await runNetguard(['-r', path.join(ROOT, 'test/fixtures/detect/nmap-sS.pcap'), '--settings', path.join(dir, 's.yaml')], { cwd: dir, stdin: input });
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^1 +2026-11-21 00:16:42 +HIGH +SYN_SCAN +10\.219\.0\.1 +10\.219\.0\.2 /m);
    expect(out).toMatch(/^ {2}Type +SYN_SCAN$/m);
    expect(out).toMatch(/^600 packets in the episode.*; all 600 can be read back from /m);
    expect(out).toMatch(/^Flows \(100; the list is full, \d+ kept packets are of flows not listed\)$/m);
    expect(out).toMatch(/^TCP +10\.219\.0\.1:34431 +10\.219\.0\.2:\d+ +RESET +2 +112 B +1:\S+ +\d+$/m);
    expect(out).toMatch(/^Wrote 600 packets of alert \S+ to scan\.pcap \(read back from the capture file\)\.$/m);
    const rows = execFileSync('tshark', ['-r', path.join(dir, 'scan.pcap'), '-T', 'fields', '-e', 'ip.src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
    expect(rows).toHaveLength(600);
    // 1 FILTER: only matching packets, every one a TCP answer from the target.
    const list = out.slice(out.indexOf('match "ip.src == 10.219.0.2/32 and tcp"'));
    const pk = list.split('\n').filter((l) => /^\s*\d+ {2}\d\d:\d\d:\d\d\.\d{3} /.test(l)).slice(0, 5);
    expect(pk.length).toBeGreaterThan(0);
    for (const l of pk) expect(l).toMatch(/ TCP +10\.219\.0\.2 /);
    expect(out).toContain("Display filter: col 5: expected 'and', 'or' or the end of the filter, found 'andd'\n  tcp andd udp\n      ^^^^");
    expect(out).toContain("No alert '99' among the");
  }, 120_000);
});
