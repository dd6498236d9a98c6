// A MenuBackend over fixed, known content, recording every change the menu asks for; and helpers that drive runMenu.
import { PassThrough } from 'node:stream';
import type { Alert } from '../../src/alert/types.js';
import type { BaselineStatus, RuleView } from '../../src/engine/types.js';
import { runMenu, type ConnectionRow, type DnsRow, type MenuBackend, type PacketRow, type ReputationRow } from '../../src/cli/menu/index.js';

/** 2011-09-27 18:07:20.497 UTC, the first packet of the test capture. */
export const T0 = Date.UTC(2011, 8, 27, 18, 7, 20, 497);

const SERVICES: Record<number, string> = { 22: 'ssh', 53: 'domain', 80: 'http', 443: 'https' };

function pkt(n: number, over: Partial<PacketRow>): PacketRow {
  return { n, ts: T0 + n * 10, proto: 'TCP', src: '192.168.1.71', srcPort: 58000 + n, dst: '192.168.1.1', dstPort: 80, len: 60, info: 'SYN', ...over };
}

export function samplePackets(): PacketRow[] {
  const rows: PacketRow[] = [];
  // 1-20: TCP SYNs from .71 to port 80 of .1 .. .20 (a port sweep).
  for (let i = 1; i <= 20; i++) rows.push(pkt(i, { dst: `192.168.1.${i}`, info: 'SYN' }));
  rows.push(pkt(21, { proto: 'ARP', src: '192.168.1.71', srcPort: 0, dst: '192.168.1.99', dstPort: 0, len: 42, info: 'Who has 192.168.1.99? Tell 192.168.1.71' }));
  rows.push(pkt(22, { proto: 'DNS', layers: ['UDP', 'DNS'], srcPort: 5353, dstPort: 53, len: 84, info: 'Standard query A www.example.org' }));
  rows.push(pkt(23, { proto: 'DNS', layers: ['UDP', 'DNS'], src: '192.168.1.1', srcPort: 53, dst: '192.168.1.71', dstPort: 5353, len: 100, info: 'Response A 93.184.216.34' }));
  rows.push(pkt(24, { proto: 'ICMP', src: '2001:db8::1', srcPort: 0, dst: '2001:db8::2', dstPort: 0, len: 70, info: 'Echo request' }));
  // Wire text with a terminal escape in it: the menu must not pass it through.
  rows.push(pkt(25, { proto: 'HTTP', layers: ['TCP', 'HTTP'], src: '10.0.0.5', srcPort: 40000, dst: '10.0.0.80', dstPort: 80, len: 300, info: 'GET /evil\x1b[2J' }));
  return rows;
}

export function sampleConnections(): ConnectionRow[] {
  const base = { proto: 'TCP', src: '192.168.1.71', service: 'http', packetsOut: 1, packetsIn: 1, bytesOut: 60, bytesIn: 78 };
  return [
    { ...base, id: 'c1', srcPort: 58024, dst: '192.168.1.1', dstPort: 80, state: 'RESET', start: T0, last: T0 + 1, closed: true },
    { ...base, id: 'c2', srcPort: 58109, dst: '192.168.1.61', dstPort: 80, state: 'ESTABLISHED', packetsOut: 3, bytesOut: 198, start: T0 + 600, last: T0 + 606, closed: false },
    { ...base, id: 'c3', srcPort: 58604, dst: '192.168.1.65', dstPort: 443, service: 'https', state: 'CLOSED', start: T0 + 1700, last: T0 + 1934, closed: true },
    { ...base, id: 'udp-7', proto: 'UDP', srcPort: 5353, dst: '192.168.1.1', dstPort: 53, service: 'domain', state: 'ACTIVE', packetsOut: 1, packetsIn: 1, bytesOut: 84, bytesIn: 100, start: T0 + 220, last: T0 + 230, closed: false },
  ];
}

export function sampleDns(): DnsRow[] {
  return [
    { ts: T0 + 220, client: '192.168.1.71', server: '192.168.1.1', name: 'www.example.org', type: 'A', rcode: 'NOERROR', answers: ['93.184.216.34'], latencyMs: 10 },
    { ts: T0 + 300, client: '192.168.1.71', server: '192.168.1.1', name: '1.1.168.192.in-addr.arpa', type: 'PTR', rcode: 'NXDOMAIN', answers: [], latencyMs: 2.9 },
    { ts: T0 + 310, client: '192.168.1.71', server: '192.168.1.1', name: 'www.example.org', type: 'AAAA', rcode: '', answers: [], latencyMs: null },
  ];
}

export function sampleAlerts(): Alert[] {
  const a = (i: number, over: Partial<Alert>): Alert => ({
    id: `run-${i}`,
    timestamp: new Date(T0 + i * 1000).toISOString(),
    last_seen: new Date(T0 + i * 1000).toISOString(),
    type: 'PORT_SWEEP',
    severity: 'WARNING',
    message: 'port sweep',
    details: {},
    count: 1,
    ...over,
  });
  // Newest first, as recentAlerts() hands them out.
  return [
    a(3, { type: 'SYN_FLOOD', severity: 'CRITICAL', message: 'SYN flood to 192.168.1.1:80', src_ip: '203.0.113.9', dst_ip: '192.168.1.1', dst_port: 80, proto: 'TCP', count: 400 }),
    a(2, { type: 'SYN_SCAN', severity: 'HIGH', message: 'SYN scan of 120 ports', src_ip: '192.168.1.71', dst_ip: '192.168.1.65', proto: 'TCP', count: 120 }),
    a(1, { type: 'PORT_SWEEP', severity: 'WARNING', message: 'port 80 swept across 7 hosts', src_ip: '192.168.1.71', dst_port: 80, proto: 'TCP', count: 7 }),
  ];
}

export function sampleRules(): RuleView[] {
  return [
    { name: 'SSH Bruteforce Detection', description: 'Detects multiple SSH connection attempts', condition: 'tcp.dst_port == 22 and tcp.flags.syn and not tcp.flags.ack', threshold: 10, window: 60, severity: 'HIGH', enabled: true, matches: 0 },
    { name: 'Large ICMP', description: 'Oversized pings', condition: 'icmp and packet.size > 1000', threshold: 1, window: 10, severity: 'WARNING', enabled: false, matches: 3 },
  ];
}

export function sampleBaseline(): BaselineStatus {
  return {
    learning: true,
    progress: 0.25,
    windowSec: 300,
    samples: 75,
    mean: { pps: 226.5, bps: 10112.25 },
    stddev: { pps: 12.125, bps: 512 },
    perProto: { TCP: { mean: 13.25, stddev: 2 }, UDP: { mean: 5, stddev: 1.5 } },
  };
}

function rep(ip: string, over: Partial<ReputationRow>): ReputationRow {
  return { ip, status: 'clean', score: 0, threshold: 50, reasons: [], alerts: 0, firstSeen: null, lastSeen: null, ...over };
}

export class FakeBackend implements MenuBackend {
  readonly calls: string[] = [];
  closed = 0;
  readonly blacklist: string[] = [];
  readonly whitelist: string[] = [];
  readonly malicious: string[] = [];
  rulesList = sampleRules();
  /** Make the next addToBlacklist fail with this message. */
  failNextAdd: string | null = null;
  reloadResult = { ok: true, message: 'Reloaded 2 rules from rules.yaml.' };

  constructor(
    public packetList: PacketRow[] = samplePackets(),
    public connectionList: ConnectionRow[] = sampleConnections(),
    public dnsList: DnsRow[] = sampleDns(),
    public alertList: Alert[] = sampleAlerts(),
    public baselineStatus: BaselineStatus | null = sampleBaseline(),
  ) {}

  summary() {
    return { packets: 547, bytes: 24420, durationMs: 2415, alerts: this.alertList.length, decodeErrors: 1, source: 'zeek/nmap-vsn.pcap' };
  }
  packets() {
    return this.packetList;
  }
  /** Searches the fake's packet list; `searchNote` stands for a live run that kept fewer packets than it saw. */
  searchNote: string | null = null;
  async searchPackets(match: (p: PacketRow) => boolean) {
    const rows = this.packetList.filter(match);
    return { rows, cut: 0, searched: this.packetList.length, total: this.summary().packets, note: this.searchNote };
  }
  connections() {
    return this.connectionList;
  }
  connection(id: string) {
    return this.connectionList.find((c) => c.id === id);
  }
  service(port: number) {
    return SERVICES[port] ?? '';
  }
  dnsQueries() {
    return this.dnsList;
  }
  topDomains(n: number) {
    return [
      { name: 'www.example.org', count: 2 },
      { name: '1.1.168.192.in-addr.arpa', count: 1 },
    ].slice(0, n);
  }
  protocolStats() {
    return {
      protocols: { ARP: { packets: 503, bytes: 21126 }, TCP: { packets: 32, bytes: 2276 }, UDP: { packets: 12, bytes: 1018 }, DNS: { packets: 12, bytes: 1018 }, ICMP: { packets: 0, bytes: 0 } },
      topTalkers: [
        { ip: '192.168.1.71', packets: 530, bytes: 22800 },
        { ip: '192.168.1.1', packets: 14, bytes: 1100 },
      ],
      topPorts: [
        { port: 80, proto: 'TCP', service: 'http', packets: 20 },
        { port: 53, proto: 'UDP', service: 'domain', packets: 12 },
        { port: 443, proto: 'TCP', service: 'https', packets: 12 },
      ],
    };
  }
  suspiciousIps() {
    return [rep('192.168.1.71', { status: 'suspicious', score: 30, alerts: 2, reasons: ['PORT_SWEEP x1', 'SYN_SCAN x1'], firstSeen: T0, lastSeen: T0 + 2400 })];
  }
  maliciousIps() {
    return [
      rep('203.0.113.9', { status: 'malicious', score: 80, alerts: 1, reasons: ['SYN_FLOOD x1'], firstSeen: T0, lastSeen: T0 + 3000 }),
      rep('198.51.100.7', { status: 'blacklisted', reasons: ['listed in blacklist.txt'] }),
      ...this.malicious.map((ip) => rep(ip, { status: 'malicious', reasons: ['added from the menu'] })),
    ];
  }
  reputation(ip: string) {
    this.calls.push(`reputation ${ip}`);
    return [...this.suspiciousIps(), ...this.maliciousIps()].find((r) => r.ip === ip) ?? rep(ip, {});
  }
  async addToBlacklist(ip: string) {
    if (this.failNextAdd) {
      const m = this.failNextAdd;
      this.failNextAdd = null;
      throw new Error(m);
    }
    this.blacklist.push(ip);
    return `Added ${ip} to blacklist.txt.`;
  }
  async addToWhitelist(ip: string) {
    this.whitelist.push(ip);
    return `Added ${ip} to whitelist.txt.`;
  }
  async addMalicious(ip: string) {
    this.malicious.push(ip);
    return `Marked ${ip} as known malicious.`;
  }
  async removeFromList(list: 'blacklist' | 'whitelist' | 'malicious', entry: string) {
    const l = list === 'blacklist' ? this.blacklist : list === 'whitelist' ? this.whitelist : this.malicious;
    const i = l.indexOf(entry);
    if (i < 0) throw new Error(`${entry} is not listed in ${list}.txt`);
    l.splice(i, 1);
    return `removed ${entry} from ${list}.txt`;
  }
  recentAlerts(n: number) {
    this.calls.push(`recentAlerts ${n}`);
    return this.alertList.slice(0, n);
  }
  alertSummary() {
    const by = (f: (a: Alert) => string) => {
      const out: Record<string, number> = {};
      for (const a of this.alertList) out[f(a)] = (out[f(a)] ?? 0) + 1;
      return out;
    };
    return { total: this.alertList.length, byType: by((a) => a.type), bySeverity: by((a) => a.severity), bySource: by((a) => a.src_ip ?? '') };
  }
  baseline() {
    return this.baselineStatus;
  }
  rules() {
    return this.rulesList;
  }
  toggleRule(name: string) {
    this.calls.push(`toggle ${name}`);
    const r = this.rulesList.find((x) => x.name === name);
    if (!r) return null;
    r.enabled = !r.enabled;
    return r.enabled;
  }
  reloadRules() {
    this.calls.push('reload');
    return this.reloadResult;
  }
  async close() {
    this.closed++;
  }
}

// eslint-disable-next-line no-control-regex
const ANSI_ALL = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-B]|\r/g;
export function stripAnsi(s: string): string {
  return s.replace(ANSI_ALL, '');
}

/** Runs the menu on piped input (not a terminal) to its end; returns everything it printed. */
export async function runPiped(text: string, backend: MenuBackend = new FakeBackend(), color = false): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let out = '';
  output.setEncoding('utf8').on('data', (d: string) => (out += d));
  const done = runMenu(backend, { input, output, isTTY: false, color });
  input.end(text);
  await done;
  return out;
}

/** A menu in a pretend terminal: keys go in as a person would type them, and the screen text can be awaited. */
export class TtySession {
  readonly input = new PassThrough();
  readonly output = new PassThrough();
  raw = '';
  readonly done: Promise<void>;

  constructor(
    readonly backend: MenuBackend = new FakeBackend(),
    pageSize?: number,
  ) {
    this.output.setEncoding('utf8').on('data', (d: string) => (this.raw += d));
    this.done = runMenu(backend, { input: this.input, output: this.output, isTTY: true, color: false, pageSize });
  }

  /** The output as a transcript: a line the pager erased (its prompt) ends there, as on a screen. */
  get text(): string {
    return stripAnsi(this.raw.replace(/\r\x1b\[2K/g, '\n'));
  }

  /** Resolves once `needle` has appeared `times` times in the output. */
  async waitFor(needle: string, times = 1, timeoutMs = 5000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.text.split(needle).length - 1 < times) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${JSON.stringify(needle)} x${times}; output:\n${this.text}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  count(needle: string): number {
    return this.text.split(needle).length - 1;
  }

  send(keys: string): void {
    this.input.write(keys);
  }
}
