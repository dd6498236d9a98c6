// -f with -r: a capture file filtered with libpcap's filter language (through tcpdump) gives exactly the
// packets tcpdump selects, unchanged, and filter and file errors are one clear line.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS, jsonLines, runNetguard } from '../helpers/netguard.js';

/** The decoded packets NetGuard reads from `file` with `filter` (every JSON line but the frame number). */
async function dump(file: string, args: string[] = [], stdinFile?: string): Promise<{ code: number | null; packets: string[]; stderr: string }> {
  const r = await runNetguard(['--batch', '--dump-packets', '-r', stdinFile ? '-' : file, ...args], { stdinFile });
  const packets = jsonLines(r.stdout)
    .filter((o) => o.type === 'packet')
    .map(({ n: _n, ...rest }) => JSON.stringify(rest));
  return { code: r.code, packets, stderr: r.stderr };
}

/** How many packets tcpdump's own filter keeps. */
function tcpdumpCount(file: string, filter: string): number {
  const out = execFileSync('tcpdump', ['-r', file, '--count', filter], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = /(\d+) packets?/.exec(out);
  if (!m) throw new Error(`tcpdump --count printed: ${out}`);
  return Number(m[1]);
}

const CASES: Array<[string, string]> = [
  ['chrissanders-packets/activeosfingerprinting.pcapng', 'udp'],
  ['chrissanders-packets/activeosfingerprinting.pcapng', 'icmp or tcp[tcpflags] & tcp-syn != 0'],
  ['chrissanders-packets/http_dvwa_sqlinjection.pcapng', 'tcp port 80 and src host 10.2.2.101'],
  ['chrissanders-packets/http_dvwa_sqlinjection.pcapng', 'tcp[tcpflags] & (tcp-fin|tcp-rst) != 0'],
  ['chrissanders-packets/synscan.pcapng', 'dst portrange 1-1024'],
  ['tcpdump/dnssec.pcap', 'udp port 53 and greater 200'],
  ['zeek/ipv6-fragmented-dns.pcap', 'ip6'],
  ['zeek/vlan-qinqinq.pcap', 'vlan'],
  ['ndpi/synscan.pcap', 'not host 172.16.0.8'],
];

describe('-f on a capture file', () => {
  it('keeps exactly the packets tcpdump keeps, and changes none of them', async () => {
    let kept = 0;
    for (const [name, filter] of CASES) {
      const file = path.join(CORPUS, name);
      const all = await dump(file);
      const some = await dump(file, ['-f', filter]);
      expect(some.code, some.stderr).toBe(0);
      expect(some.packets.length, `${name} with "${filter}"`).toBe(tcpdumpCount(file, filter));
      // The kept packets decode exactly as they do in the unfiltered read (timestamps to the nanosecond too).
      const unfiltered = new Set(all.packets);
      for (const p of some.packets) expect(unfiltered.has(p), `${name} with "${filter}": ${p.slice(0, 200)}`).toBe(true);
      kept += some.packets.length;
    }
    expect(kept).toBeGreaterThan(300);
    // Eighteen runs of NetGuard and nine of tcpdump: about 40 s on a quiet machine, over 60 s under load.
  }, 180_000);

  it('filters standard input too, and stops tcpdump when -c is reached', async () => {
    const file = path.join(CORPUS, 'chrissanders-packets/synscan.pcapng');
    const piped = await dump(file, ['-f', 'tcp[tcpflags] & tcp-rst != 0'], file);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.packets.length).toBe(tcpdumpCount(file, 'tcp[tcpflags] & tcp-rst != 0'));
    const first = await dump(file, ['-f', 'tcp', '-c', '3']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.packets).toHaveLength(3);
  });

  it('a filter libpcap cannot compile is one line that quotes it; a missing file reads as without -f', async () => {
    const bad = await runNetguard(['--batch', '-r', path.join(CORPUS, 'tcpdump/dns_udp.pcap'), '-f', 'tcp prot 80']);
    // A filter that does not compile is bad usage, exit 2, like any other bad option.
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n').at(-1)).toMatch(/^netguard: bad capture filter "tcp prot 80": .*syntax error/);
    expect(bad.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
    const missing = await runNetguard(['--batch', '-r', '/nonexistent/capture.pcap', '-f', 'udp']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('netguard: cannot read capture file /nonexistent/capture.pcap: no such file');
    // Without tcpdump on the PATH, -f on a file says what is missing.
    const empty = mkdtempSync(path.join(tmpdir(), 'ng-nopath-'));
    try {
      const noTcpdump = await runNetguard(['--batch', '-r', path.join(CORPUS, 'tcpdump/dns_udp.pcap'), '-f', 'udp'], { env: { PATH: empty } });
      expect(noTcpdump.code).toBe(1);
      expect(noTcpdump.stderr).toContain('netguard: -f with -r filters the file through tcpdump, which is not installed (apt-get install tcpdump)');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
