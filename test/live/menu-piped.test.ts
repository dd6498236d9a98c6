// The CLI menu from a script: `printf '11\n19\n21\n' | netguard -r capture.pcap`, on tcpdump's dns_udp.pcap.
//
// dns_udp.pcap, by tshark: 2 packets, 364 bytes: 192.168.1.11 asks 209.87.249.18 for the A record of
// www.tcpdump.org and gets NOERROR with A 192.139.46.66 and A 198.199.88.104, 130.282 ms later.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, ROOT, runNetguard } from '../helpers/netguard.js';

const PCAP = path.join(CORPUS, 'tcpdump/dns_udp.pcap');
let dir = '';

/** Runs netguard -r dns_udp.pcap in the scratch directory with `input` piped to stdin. */
function run(input: string) {
  return runNetguard(['-r', PCAP], { cwd: dir, stdin: input, env: { TZ: 'UTC' }, timeoutMs: 60_000 });
}

function section(out: string, title: string): string {
  const start = out.indexOf(`\n${title}\n`);
  expect(start, `${title} in:\n${out}`).toBeGreaterThanOrEqual(0);
  const end = out.indexOf('\nNetGuard menu', start);
  return out.slice(start, end < 0 ? undefined : end);
}

beforeAll(() => {
  // A scratch working directory: the run writes alert logs and state files where it runs.
  dir = mkdtempSync(path.join(os.tmpdir(), 'netguard-menu-piped-'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  copyFileSync(path.join(ROOT, 'rules.yaml'), path.join(dir, 'rules.yaml'));
  writeFileSync(
    path.join(dir, 'settings.yaml'),
    readFileSync(path.join(ROOT, 'settings.yaml'), 'utf8').replace(/enable_notifications: true/, 'enable_notifications: false'),
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("printf '...' | netguard -r dns_udp.pcap", () => {
  it('11, 19, 21: protocol statistics and alert summary, then a clean exit', async () => {
    const r = await run('11\n19\n21\n');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    const stats = section(r.stdout, '11. Show protocol statistics');
    expect(stats).toMatch(/^\s+Packets\s+2$/m);
    expect(stats).toMatch(/^DNS\s+2\s+364\s+100\.0%$/m);
    expect(stats).toMatch(/^192\.168\.1\.11\s+2\s/m);
    const alerts = section(r.stdout, '19. Show alert summary');
    expect(alerts).toMatch(/Total alerts: \d+/);
    expect(r.stdout).toContain('Choice [1-24]: 21\n');
    // No paging and no colour when stdin is not a terminal.
    expect(r.stdout).not.toContain('-- more');
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('9 and 10 show the query, its answers and latency', async () => {
    const r = await run('9\n10\n');
    expect(r.code).toBe(0);
    const dns = section(r.stdout, '9. Show DNS queries');
    expect(dns).toMatch(/^\S+\s+192\.168\.1\.11\s+209\.87\.249\.18\s+A\s+www\.tcpdump\.org\s+NOERROR\s+130\.3 ms\s+.*192\.139\.46\.66.*198\.199\.88\.104/m);
    const top = section(r.stdout, '10. Show top domains');
    expect(top).toMatch(/^1\s+www\.tcpdump\.org\s+1$/m);
  });

  it('exits at the end of input without 21', async () => {
    const r = await run('1\n4\n53\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^2 packets on port 53 \(\w+\)$/m);
    expect(r.stdout.trimEnd().endsWith('Saving state and exiting.')).toBe(true);
  });

  it('bad answers are re-asked from the script, and an unknown choice is reported', async () => {
    const r = await run('3\n1.2.3.400\n192.168.1.11\n99\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("'1.2.3.400' is not an IP address");
    expect(r.stdout).toContain('2 packets to or from 192.168.1.11');
    expect(r.stdout).toContain("Unknown choice '99': enter a number from 1 to 24 (Enter alone shows the menu).");
  });
});
