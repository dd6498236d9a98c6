// The engine's public surface for views (dashboard, menu, web): a snapshot published a few times a
// second, plus the few controls a view may use. Views never reach into detectors.
import type { Alert, Severity } from '../alert/types.js';
import type { EvidenceFlow } from '../evidence/index.js';
import type { CaptureStats } from '../capture/types.js';

export interface BaselineStatus {
  /** True until the learning window has filled. */
  learning: boolean;
  /** 0..1 of the learning window seen so far. */
  progress: number;
  windowSec: number;
  /** Per-second samples in the window. */
  samples: number;
  mean: { pps: number; bps: number };
  stddev: { pps: number; bps: number };
  /** Per protocol (TCP, UDP, ICMP) packet-rate mean and standard deviation. */
  perProto: Record<string, { mean: number; stddev: number }>;
}

export interface StatsView {
  packets: number;
  bytes: number;
  /** Current rates (last full second): packets per second and bits per second (the dashboard shows bps as bit/s). */
  pps: number;
  bps: number;
  /** Packets per second, oldest first, the last 60 seconds. */
  rateHistory: number[];
  /** Packets and bytes per protocol name: TCP, UDP, ICMP, ICMPv6, ARP, DNS, HTTP, Other. */
  protocols: Record<string, { packets: number; bytes: number }>;
  decodeErrors: number;
  /** Kernel drops where the source knows them, else null. */
  drops: number | null;
  /** Packet time of the first packet and now, ms. */
  startedAt: number;
  now: number;
  /** Interface name or file path. */
  source: string;
  filter: string;
  live: boolean;
  /**
   * The source has ended: a file read to its end, or a live capture stopped (-c, an error). The counters
   * are final and `pps`/`bps` are the last second's, so views show the end and the run's average instead.
   * Absent or false while packets may still come.
   */
  ended?: boolean;
  baseline: BaselineStatus | null;
}

/** Statistics before the first packet (a view that has nothing yet; the console, which counts records). */
export const EMPTY_STATS: StatsView = {
  packets: 0,
  bytes: 0,
  pps: 0,
  bps: 0,
  rateHistory: [],
  protocols: {},
  decodeErrors: 0,
  drops: null,
  startedAt: 0,
  now: 0,
  source: '',
  filter: '',
  live: false,
  baseline: null,
};

export interface ConnectionView {
  id: string;
  proto: string;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** Service name of the server port ("ssh", "http", "" when unknown). */
  service: string;
  state: string;
  packets: number;
  bytes: number;
  /** ms, packet time */
  start: number;
  last: number;
  /** Community ID v1 of the flow (TCP/UDP), to look it up in Zeek, Suricata or Wireshark. */
  communityId?: string;
}

export interface TalkerView {
  ip: string;
  packets: number;
  bytes: number;
}

/** One line of the live packet feed. Every string is already escaped for the terminal. */
export interface PacketLine {
  n: number;
  ts: number;
  proto: string;
  /**
   * Optional transport under `proto` ("TCP", "UDP", "ICMP", "ICMPv6") when `proto` names the
   * application ("DNS", "HTTP"); the dashboard's protocol filter uses it (DNS over TCP is then TCP).
   */
  transport?: string;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  len: number;
  /** Flags, DNS or HTTP summary ("SYN", "DNS A? example.com", "GET /index.html"). */
  info: string;
}

export interface RuleView {
  name: string;
  description: string;
  condition: string;
  threshold: number;
  window: number;
  severity: Severity;
  enabled: boolean;
  /** Packets that matched the condition so far. */
  matches: number;
}

export interface Snapshot {
  /** Packet time of the snapshot, ms. */
  ts: number;
  stats: StatsView;
  /** Newest first, at most 200. */
  alerts: Alert[];
  alertCounts: Record<Severity, number>;
  /** New alerts storm control folded into storm alerts (not in alertCounts), and those storm alerts. */
  alertsFolded?: { folded: number; storms: number };
  /** Active connections, most recently seen first, at most 200. */
  connections: ConnectionView[];
  /** Closed connections (ended, reset, or kept after they left the table), most recently seen first, at most 200. */
  closedConnections?: ConnectionView[];
  /** Connections of the run: open now, and all that reached a closed state since the start. */
  connectionCounts?: { open: number; closed: number };
  topByBytes: TalkerView[];
  topByPackets: TalkerView[];
  /** Newest last, at most display.packet_history_size. */
  packets: PacketLine[];
  rules: RuleView[];
  /**
   * A live capture's kernel counters, read about once a second (null for a file, or before the first
   * read). Named as Suricata's stats `capture.kernel_packets`, `capture.kernel_drops`.
   */
  capture?: CaptureCounters | null;
}

/** The kernel's capture counters (libpcap pcap_stats). */
export type CaptureCounters = CaptureStats;

/** One flow an alert involved (src/evidence EvidenceFlow). Addresses are wire text: escape before showing. */
export type EvidenceFlowView = EvidenceFlow;

/** What is kept for one alert: counts, its flows and its packets as list lines. */
export interface AlertEvidenceView {
  id: string;
  /** The episode is still open: packets are still being added. */
  open: boolean;
  /** Packets that belonged to the episode. */
  seen: number;
  /** Packets held in memory now, and their bytes. */
  kept: number;
  bytes: number;
  /** Held packets evicted by the total budget; packets not held because of the alert's own budget. */
  evicted: number;
  overBudget: number;
  /** Packets found in the lookback (sent before the alert was raised). */
  fromLookback: number;
  /** The capture file the packets can be read back from (null: live or stdin), and how many positions are recorded. */
  sourceFile: string | null;
  indexed: number;
  /** The file gives back every packet of the episode (the pcap is complete). */
  complete: boolean;
  flows: EvidenceFlowView[];
  /** Kept packets of flows not listed (the list holds flows_per_alert). */
  flowsDropped: number;
  /** The held packets, oldest first. */
  packets: PacketLine[];
}

/** A question to the stored alert history (the SQLite store's query, as views may ask it). */
export interface AlertHistoryQuery {
  /** Source or destination address. */
  ip?: string;
  type?: string;
  /** Lowest severity returned (HIGH returns HIGH and CRITICAL). */
  severity?: Severity;
  /** Case-insensitive text in the message, type, addresses or details. */
  search?: string;
  /** ms since epoch: alerts at or after `since` and before `until`. */
  since?: number;
  until?: number;
  /** Most alerts returned, newest first. */
  limit?: number;
}

/** What a rule toggle did to the rules file beyond the rule: a copy made (saved), or a save that failed. */
export interface RuleNote {
  text: string;
  /** False when the change could not be saved (it holds for this run only): shown as an error. */
  saved: boolean;
}

/** What a view may ask of the running engine. */
export interface EngineControl {
  snapshot(): Snapshot;
  /** Writes the packets the engine holds (display.packet_history_size) to a pcap file. */
  exportPcap(path: string): Promise<{ count: number; path: string }>;
  /** Flips a rule; returns its new state, or null when no rule has that name. */
  toggleRule(name: string): boolean | null;
  /** What the toggles since the last call did to the rules file beyond the rule (a copy made, a failed save). */
  ruleNotes?(): RuleNote[];
  /** Re-reads rules.yaml; on errors the running rules stay and `message` says why. */
  reloadRules(): { ok: boolean; message: string };
  clearAlerts(): void;
  /** Subscribes to new alerts; returns the unsubscribe function. */
  onAlert(cb: (a: Alert) => void): () => void;
  /**
   * Alerts from the stored history (all runs), newest first. Absent when no history is configured
   * (history.enabled off); throws with a one-line message when the database cannot be read.
   * (Named alertHistory because Engine.history is its packet history.)
   */
  alertHistory?(q: AlertHistoryQuery): Alert[];
  /** What is kept for an alert of this run, or null (evidence off, or none kept for that alert). */
  alertEvidence?(id: string): AlertEvidenceView | null;
  /** Writes an alert's packets to a pcap file; throws with a one-line message when there are none. */
  exportAlertPcap?(id: string, path: string): Promise<{ count: number; path: string; from: 'file' | 'memory' }>;
}
