// Test doubles for the dashboard: realistic made-up snapshots and a fake EngineControl that records calls.
import type { Alert, Severity } from '../../src/alert/types.js';
import type { AlertHistoryQuery, ConnectionView, EngineControl, PacketLine, RuleNote, RuleView, Snapshot, TalkerView } from '../../src/engine/types.js';

/** 2024-03-05 14:07:09.250 UTC: the snapshot's packet time. */
export const T0 = Date.UTC(2024, 2, 5, 14, 7, 9, 250);

let alertSeq = 0;

export function alert(p: Partial<Alert> & Pick<Alert, 'type' | 'severity' | 'message'>): Alert {
  const ts = new Date(T0 - 5_000).toISOString();
  return { id: `a-${++alertSeq}`, timestamp: ts, last_seen: ts, details: {}, count: 1, ...p };
}

export function packet(n: number, p: Partial<PacketLine> = {}): PacketLine {
  return {
    n,
    ts: T0 - 1000 + n * 7,
    proto: 'TCP',
    src: '192.168.1.10',
    srcPort: 40000 + n,
    dst: '93.184.216.34',
    dstPort: 443,
    len: 66,
    info: 'ACK',
    ...p,
  };
}

export function conn(id: string, p: Partial<ConnectionView> = {}): ConnectionView {
  return {
    id,
    proto: 'TCP',
    src: '192.168.1.10',
    srcPort: 51514,
    dst: '10.0.0.5',
    dstPort: 22,
    service: 'ssh',
    state: 'ESTABLISHED',
    packets: 42,
    bytes: 8_192,
    start: T0 - 75_000,
    last: T0 - 1_000,
    ...p,
  };
}

export function rule(name: string, p: Partial<RuleView> = {}): RuleView {
  return {
    name,
    description: `${name} description`,
    condition: 'tcp.dst_port == 22 and tcp.flags.syn and not tcp.flags.ack',
    threshold: 10,
    window: 60,
    severity: 'HIGH',
    enabled: true,
    matches: 0,
    ...p,
  };
}

function counts(alerts: Alert[]): Record<Severity, number> {
  const c: Record<Severity, number> = { LOW: 0, WARNING: 0, HIGH: 0, CRITICAL: 0 };
  for (const a of alerts) c[a.severity]++;
  return c;
}

/** A busy host: scans under way, a handful of connections, mixed traffic in the feed. */
export function makeSnapshot(over: Partial<Snapshot> = {}): Snapshot {
  const alerts: Alert[] = over.alerts ?? [
    alert({ type: 'SYN_FLOOD', severity: 'CRITICAL', message: 'SYN flood: 2400 SYN/s to 10.0.0.5:80', src_ip: '203.0.113.9', dst_ip: '10.0.0.5', count: 37 }),
    alert({ type: 'SYN_SCAN', severity: 'HIGH', message: 'SYN scan of 1000 ports in 4.2s', src_ip: '198.51.100.23', dst_ip: '10.0.0.5', count: 12 }),
    alert({ type: 'PORT_SWEEP', severity: 'WARNING', message: 'port 445 probed on 9 hosts', src_ip: '10.0.0.77' }),
    alert({ type: 'SUSPICIOUS_PORT', severity: 'LOW', message: 'connection to port 4444', src_ip: '192.168.1.10', dst_ip: '10.0.0.9' }),
  ];
  const talkersBytes: TalkerView[] = [
    { ip: '10.0.0.5', packets: 9_000, bytes: 7_400_000 },
    { ip: '203.0.113.9', packets: 24_000, bytes: 1_440_000 },
    { ip: '192.168.1.10', packets: 3_100, bytes: 900_000 },
    { ip: '198.51.100.23', packets: 2_000, bytes: 120_000 },
  ];
  const packets: PacketLine[] = [
    packet(1, { proto: 'TCP', info: 'SYN', dst: '10.0.0.5', dstPort: 80 }),
    packet(2, { proto: 'UDP', src: '192.168.1.10', srcPort: 5353, dst: '224.0.0.251', dstPort: 5353, info: 'UDP 120 bytes' }),
    packet(3, { proto: 'DNS', transport: 'UDP', srcPort: 53124, dst: '192.168.1.1', dstPort: 53, info: 'DNS A? example.com' }),
    packet(4, { proto: 'ICMP', srcPort: 0, dstPort: 0, dst: '10.0.0.5', info: 'echo request id=7 seq=1' }),
    packet(5, { proto: 'HTTP', transport: 'TCP', dstPort: 80, info: 'GET /index.html' }),
    packet(6, { proto: 'TCP', info: 'SYN,ACK', src: '10.0.0.5', srcPort: 22, dst: '192.168.1.10', dstPort: 51514 }),
  ];
  return {
    ts: T0,
    stats: {
      packets: 48_213,
      bytes: 31_457_280,
      pps: 1_250,
      bps: 9_800_000,
      rateHistory: [10, 20, 40, 80, 160, 320, 640, 1_250],
      protocols: {
        TCP: { packets: 40_000, bytes: 29_000_000 },
        UDP: { packets: 7_000, bytes: 2_000_000 },
        ICMP: { packets: 200, bytes: 20_000 },
        DNS: { packets: 1_013, bytes: 140_000 },
        ARP: { packets: 0, bytes: 0 },
      },
      decodeErrors: 3,
      drops: 0,
      startedAt: T0 - 3_723_000,
      now: T0,
      source: 'eth0',
      filter: 'not port 22',
      live: true,
      baseline: {
        learning: true,
        progress: 0.45,
        windowSec: 300,
        samples: 135,
        mean: { pps: 900, bps: 7_000_000 },
        stddev: { pps: 120, bps: 900_000 },
        perProto: {},
      },
    },
    alerts,
    alertCounts: counts(alerts),
    connections: [
      conn('c1'),
      conn('c2', { proto: 'UDP', srcPort: 53124, dst: '192.168.1.1', dstPort: 53, service: 'domain', state: 'ACTIVE', packets: 2, bytes: 180, start: T0 - 3_000 }),
      conn('c3', { src: '203.0.113.9', srcPort: 61000, dstPort: 80, service: 'http', state: 'SYN_RECEIVED', packets: 1, bytes: 60, start: T0 - 500 }),
      conn('c4', { proto: 'ICMP', srcPort: 0, dstPort: 0, service: '', state: 'ACTIVE', packets: 4, bytes: 336, start: T0 - 9_000 }),
    ],
    topByBytes: talkersBytes,
    topByPackets: [...talkersBytes].sort((a, b) => b.packets - a.packets),
    packets,
    rules: [rule('SSH Bruteforce Detection'), rule('Large ICMP', { condition: 'icmp and packet.size > 1000', severity: 'WARNING', enabled: false, matches: 3 })],
    ...over,
  };
}

/** An EngineControl over a settable snapshot, recording what the dashboard asked for. */
export class FakeControl implements EngineControl {
  snap: Snapshot;
  snapshotCalls = 0;
  exports: string[] = [];
  toggles: string[] = [];
  reloads = 0;
  clears = 0;
  reloadResult = { ok: true, message: 'loaded 2 rules from rules.yaml' };
  private listeners = new Set<(a: Alert) => void>();

  constructor(snap: Snapshot = makeSnapshot()) {
    this.snap = snap;
  }
  snapshot(): Snapshot {
    this.snapshotCalls++;
    return this.snap;
  }
  async exportPcap(path: string): Promise<{ count: number; path: string }> {
    this.exports.push(path);
    return { count: this.snap.packets.length, path };
  }
  toggleRule(name: string): boolean | null {
    this.toggles.push(name);
    const r = this.snap.rules.find((x) => x.name === name);
    if (!r) return null;
    this.snap = { ...this.snap, rules: this.snap.rules.map((x) => (x.name === name ? { ...x, enabled: !x.enabled } : x)) };
    return !r.enabled;
  }
  /** What the next ruleNotes() call returns (as RuleEngine.takeNotes after a toggle that copied or failed). */
  pendingRuleNotes: RuleNote[] = [];
  ruleNotes(): RuleNote[] {
    return this.pendingRuleNotes.splice(0);
  }
  reloadRules(): { ok: boolean; message: string } {
    this.reloads++;
    return this.reloadResult;
  }
  clearAlerts(): void {
    this.clears++;
    this.snap = { ...this.snap, alerts: [], alertCounts: { LOW: 0, WARNING: 0, HIGH: 0, CRITICAL: 0 } };
  }
  onAlert(cb: (a: Alert) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
  /** Raises an alert as the engine would: into the snapshot and to subscribers. */
  raise(a: Alert): void {
    const alerts = [a, ...this.snap.alerts];
    this.snap = { ...this.snap, alerts, alertCounts: counts(alerts) };
    for (const l of this.listeners) l(a);
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
}

const RANK: Record<Severity, number> = { LOW: 0, WARNING: 1, HIGH: 2, CRITICAL: 3 };

/**
 * A FakeControl with a stored alert history: alertHistory(q) answers as the SQLite store does (newest
 * first, severity floor, case-insensitive search in message, type and addresses, limit) and records
 * every query. `failure` makes it throw as a locked or corrupt database would.
 */
export class HistoryControl extends FakeControl {
  stored: Alert[];
  queries: AlertHistoryQuery[] = [];
  failure: string | null = null;

  constructor(stored: Alert[], snap?: Snapshot) {
    super(snap);
    this.stored = stored;
  }

  alertHistory(q: AlertHistoryQuery): Alert[] {
    this.queries.push(q);
    if (this.failure) throw new Error(this.failure);
    const needle = q.search?.toLowerCase();
    return this.stored
      .filter((a) => !q.severity || RANK[a.severity] >= RANK[q.severity])
      .filter((a) => !needle || [a.message, a.type, a.src_ip ?? '', a.dst_ip ?? ''].some((f) => f.toLowerCase().includes(needle)))
      .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp))
      .slice(0, q.limit ?? 100);
  }
}
