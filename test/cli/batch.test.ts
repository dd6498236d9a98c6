// The command line as scripts use it: batch mode's JSON lines and summary, --dump-packets, stdin, -w, and
// the exit code and one-line message for every kind of bad input.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS, ROOT, jsonLines, runNetguard, spawnNetguard } from '../helpers/netguard.js';
import { tempDirs } from '../helpers/temp-dir.js';

const SYNSCAN = path.join(CORPUS, 'ndpi/synscan.pcap');
const DNS = path.join(CORPUS, 'tcpdump/dns_udp.pcap');
const tempDir = tempDirs('ng-cli-');
let dir = '';

beforeAll(() => {
  // A fresh working directory: no settings.yaml, rules.yaml or state files from other runs.
  dir = tempDir();
});

describe('--batch', () => {
  it('prints each alert once as a JSON line and a one-line summary on stderr', async () => {
    const r = await runNetguard(['--batch', '-r', SYNSCAN], { cwd: dir });
    expect(r.code).toBe(0);
    const lines = jsonLines<{ id: string; type: string; severity: string; src_ip?: string; timestamp: string; final?: boolean; details: Record<string, unknown> }>(r.stdout);
    // Each alert when raised, and again (same id, final: true) when its episode closed, here at the end.
    const alerts = lines.filter((a) => !a.final);
    expect(lines.filter((a) => a.final).map((a) => a.id)).toEqual(alerts.map((a) => a.id));
    const scans = alerts.filter((a) => a.type === 'SYN_SCAN');
    expect(scans).toHaveLength(1);
    expect(scans[0].src_ip).toBe('172.16.0.8');
    expect(scans[0].severity).toBe('HIGH');
    expect(Number.isNaN(Date.parse(scans[0].timestamp))).toBe(false);
    // Every alert has the record's required fields.
    for (const a of alerts) {
      expect(a).toHaveProperty('type');
      expect(['LOW', 'WARNING', 'HIGH', 'CRITICAL']).toContain(a.severity);
      expect(typeof a.details).toBe('object');
    }
    const summary = r.stderr.trim().split('\n').at(-1) ?? '';
    expect(summary).toMatch(/^netguard: 2011 packets, 116672 bytes, \d+ alerts, [\d.]+ s, 0 decode errors/);
    expect(summary).toContain(`${alerts.length} alerts`);
  });

  it('alerts.rate_limit folds new alerts of a type beyond its budget into one storm alert, with exact counts in the summary', async () => {
    const fresh = tempDir({ 'settings.yaml': 'alerts:\n  storm_control: false\n' });
    const limited = tempDir({ 'settings.yaml': 'alerts:\n  rate_limit:\n    SUSPICIOUS_PORT: {count: 2, seconds: 60}\n' });
    const all = jsonLines<{ type: string; final?: boolean }>((await runNetguard(['--batch', '-r', SYNSCAN], { cwd: fresh })).stdout).filter((a) => a.type === 'SUSPICIOUS_PORT' && !a.final);
    const r = await runNetguard(['--batch', '-r', SYNSCAN], { cwd: limited });
    expect(r.code, r.stderr).toBe(0);
    const out = jsonLines<{ type: string; final?: boolean; details: { storm?: boolean } }>(r.stdout).filter((a) => a.type === 'SUSPICIOUS_PORT' && !a.final);
    expect(all.length).toBeGreaterThan(2);
    expect(out.filter((a) => !a.details.storm)).toHaveLength(2);
    expect(out.filter((a) => a.details.storm)).toHaveLength(1);
    const m = / alerts \((\d+) more folded into 1 storm alert by alerts\.rate_limit: SUSPICIOUS_PORT (\d+)\), /.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![2])).toBe(all.length - 2);
  });

  it('--dump-packets writes every decoded packet with the documented fields', async () => {
    const r = await runNetguard(['--batch', '--dump-packets', '-r', DNS], { cwd: dir });
    expect(r.code).toBe(0);
    const pkts = jsonLines<Record<string, any>>(r.stdout).filter((l) => l.type === 'packet');
    expect(pkts.map((p) => p.n)).toEqual([1, 2]);
    const [q, a] = pkts;
    expect(q.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(q.len).toBe(q.caplen);
    expect(q.eth).toMatchObject({ type: 0x0800 });
    expect(q.ip).toMatchObject({ v: 4, src: '192.168.1.11', dst: '209.87.249.18', proto: 17 });
    expect(q.udp).toMatchObject({ dport: 53 });
    expect(q.tcp).toBeUndefined();
    expect(q.dns.qr).toBe(false);
    expect(q.dns.qd[0].name).toBe(a.dns.qd[0].name);
    expect(a.dns.qr).toBe(true);
    expect(a.dns.an.length).toBeGreaterThan(0);
    // The same names as tshark reads.
    const tsharkName = execFileSync('tshark', ['-r', DNS, '-T', 'fields', '-e', 'dns.qry.name'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')[0];
    expect(q.dns.qd[0].name).toBe(tsharkName);
  });

  it('reads a capture from standard input with -r -', async () => {
    const r = await runNetguard(['--batch', '-r', '-'], { cwd: dir, stdinFile: SYNSCAN });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/2011 packets/);
  });

  it('-w writes every packet, and tshark reads them back', async () => {
    const out = path.join(dir, 'copy.pcap');
    const r = await runNetguard(['--batch', '-r', SYNSCAN, '-w', out], { cwd: dir });
    expect(r.code).toBe(0);
    const n = execFileSync('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').length;
    expect(n).toBe(2011);
  });
});

describe('bad input: one line, the right exit code', () => {
  const cases: Array<[string, string[], number, RegExp, (() => void)?]> = [
    ['missing capture file', ['--batch', '-r', 'no-such.pcap'], 1, /^netguard: cannot read capture file no-such\.pcap: no such file$/m],
    ['not a capture', ['--batch', '-r', 'notes.txt'], 1, /^netguard: notes\.txt is not a pcap or pcapng file/m, () => writeFileSync(path.join(dir, 'notes.txt'), 'hello\n')],
    ['unknown option', ['--bogus'], 2, /^netguard: unknown option '--bogus'/m],
    ['bad count', ['-c', 'many'], 2, /^netguard: -c\/--count takes a whole number/m],
    ['--dump-packets without --batch', ['--dump-packets', '-r', 'x.pcap'], 2, /--dump-packets needs --batch/],
    ['missing settings file', ['--batch', '-r', DNS, '--settings', 'nope.yaml'], 2, /nope\.yaml: settings file not found/],
    [
      'wrong type in settings',
      ['--batch', '-r', DNS, '--settings', 'bad.yaml'],
      2,
      /^netguard: bad\.yaml:3:14: thresholds\.syn_flood must be a positive integer \(got "fast"\)$/m,
      () => writeFileSync(path.join(dir, 'bad.yaml'), 'thresholds:\n  port_scan: 10\n  syn_flood: fast\n'),
    ],
    [
      'broken YAML',
      ['--batch', '-r', DNS, '--settings', 'broken.yaml'],
      2,
      /^netguard: broken\.yaml:[23]:\d+: .*flow sequence/im,
      () => writeFileSync(path.join(dir, 'broken.yaml'), 'display:\n  refresh_rate: [4\n'),
    ],
    [
      'bad rule condition',
      ['--batch', '-r', DNS, '--rules', 'badrules.yaml'],
      2,
      /badrules\.yaml:3:\d+: rule "x": .*\n.*\n.*\^/,
      () => writeFileSync(path.join(dir, 'badrules.yaml'), 'rules:\n  - name: x\n    condition: "tcp.dst_port == and"\n'),
    ],
    ['missing interface', ['--batch', '-i', 'ngnosuch0'], 1, /^netguard: no such interface: ngnosuch0 \(available: .*lo/m],
  ];
  for (const [name, args, code, message, setup] of cases) {
    it(name, async () => {
      setup?.();
      const r = await runNetguard(args, { cwd: dir });
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toMatch(message);
      // Never a stack trace without --debug.
      expect(r.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    });
  }

  it('--debug adds the stack', async () => {
    const r = await runNetguard(['--batch', '-r', 'no-such.pcap', '--debug'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('--version and --help', () => {
  it('prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runNetguard(['--version'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('lists every option with an example per mode', async () => {
    const r = await runNetguard(['--help'], { cwd: dir });
    expect(r.code).toBe(0);
    for (const opt of ['--tui', '--interface', '--count', '--read', '--write', '--filter', '--batch', '--dump-packets', '--realtime', '--settings', '--rules', '--web', '--block', '--dry-run', '--debug']) {
      expect(r.stdout).toContain(opt);
    }
    expect(r.stdout).toMatch(/netguard --tui -i eth0/);
    expect(r.stdout).toMatch(/netguard -i eth0 -c 100/);
    expect(r.stdout).toMatch(/netguard --batch -r/);
  });
});

describe('SIGHUP', () => {
  it('reloads the rules while running, and keeps the running rules when the new file is broken', async () => {
    const rules = path.join(dir, 'hup-rules.yaml');
    const rule = (name: string) => `rules:\n  - name: "${name}"\n    condition: "udp and dst_port == 53"\n    threshold: 1\n    window: 60\n    severity: LOW\n`;
    writeFileSync(rules, rule('DNS one'));
    // Standard input stays open, so the run goes on until we end it.
    const { child, done } = spawnNetguard(['--batch', '-r', '-', '--rules', rules], { cwd: dir });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const waitFor = async (re: RegExp): Promise<void> => {
      for (let i = 0; i < 200 && !re.test(err); i++) await new Promise((r) => setTimeout(r, 50));
      expect(err).toMatch(re);
    };
    child.stdin?.write(readFileSync(DNS).subarray(0, 24));
    // Wait until NetGuard catches SIGHUP (bit 0 of SigCgt in /proc/PID/status); before that the signal
    // would end the process.
    const catchesHup = (): boolean => {
      const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m !== null && (BigInt('0x' + m[1]) & 1n) === 1n;
    };
    for (let i = 0; i < 600 && !catchesHup(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(catchesHup()).toBe(true);
    writeFileSync(rules, rule('DNS two') + '  - name: "DNS three"\n    condition: "udp and"\n');
    child.kill('SIGHUP');
    await waitFor(/reload failed, keeping the 1 running rules/);
    writeFileSync(rules, rule('DNS two'));
    child.kill('SIGHUP');
    await waitFor(/reloaded 1 rules from .*hup-rules\.yaml/);
    // The reloaded rule is the one that fires.
    child.stdin?.end(readFileSync(DNS).subarray(24));
    const r = await done;
    expect(r.code).toBe(0);
    const alerts = jsonLines<{ type: string; final?: boolean; details: { rule?: string } }>(r.stdout).filter((a) => a.type === 'CUSTOM_RULE' && !a.final);
    expect(alerts.map((a) => a.details.rule)).toEqual(['DNS two']);
  });
});

describe('menu on a real capture', () => {
  it('option 8 shows the connection with its Community ID, the same hash an independent implementation computes', async () => {
    const r = await runNetguard(['-r', DNS], { cwd: dir, stdin: '8\n1\n21\n' });
    expect(r.code).toBe(0);
    const m = /Community ID\s+(1:[A-Za-z0-9+/=]+)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    // Community ID v1 (corelight spec) computed by Python's hashlib: seed, ordered addresses, proto, pad, ports.
    const py = [
      'import hashlib,base64,socket,struct',
      "a,b=(socket.inet_aton('192.168.1.11'),43966),(socket.inet_aton('209.87.249.18'),53)",
      'x,y=(a,b) if a<=b else (b,a)',
      "d=struct.pack('!H',0)+x[0]+y[0]+struct.pack('!BB',17,0)+struct.pack('!HH',x[1],y[1])",
      "print('1:'+base64.b64encode(hashlib.sha1(d).digest()).decode())",
    ].join('\n');
    const expected = execFileSync('python3', ['-c', py], { encoding: 'utf8' }).trim();
    expect(m![1]).toBe(expected);
  });
});
