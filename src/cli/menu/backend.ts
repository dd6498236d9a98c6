// MenuBackend: everything the CLI menu reads or changes, as plain data, so the menu never reaches into the engine.
//
// Why an interface of its own: the menu runs after capture and analysis are done and only shows what
// was found, so it needs finished rows, not live detector state. It is implemented over the
// engine (src/cli/menu-from-run.ts); tests implement it over fixed content. Strings that came from the wire are
// expected to be escaped already (escapeText); the menu escapes control characters again defensively.
import type { Alert } from '../../alert/types.js';
import type { AlertEvidenceView, BaselineStatus, PacketLine, RuleNote, RuleView, TalkerView } from '../../engine/types.js';

export type { Alert, BaselineStatus, PacketLine, RuleView, TalkerView };

/** A value or a promise of it: the menu awaits every call that may change state. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * One captured packet (the engine's PacketLine). `layers`, when given, names every protocol the packet
 * carries ("TCP", "HTTP"), so that a search for HTTP also finds packets whose `proto` says TCP.
 */
export interface PacketRow extends PacketLine {
  layers?: string[];
}

/** One connection (TCP) or flow (UDP, ICMP), from its first packet's source to its destination. */
export interface ConnectionRow {
  /** Stable id, unique within the run (the menu's option 8 accepts it). */
  id: string;
  /** "TCP", "UDP", "ICMP", ... */
  proto: string;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** Service name of the server port ("http", "domain", "" when unknown). */
  service: string;
  /** Tracker state: "SYN_SENT", "ESTABLISHED", "FIN_WAIT", "CLOSED", "RESET", ... */
  state: string;
  /** Packets and bytes from src to dst (out) and back (in). */
  packetsOut: number;
  packetsIn: number;
  bytesOut: number;
  bytesIn: number;
  /** Packet time of the first and last packet, ms since epoch. */
  start: number;
  last: number;
  /** True once the connection ended (FIN exchange, RST, or expiry). */
  closed: boolean;
  /** Community ID v1 of the flow ("1:..."), when known. */
  communityId?: string;
}

/** One DNS query and (when seen) its response. */
export interface DnsRow {
  /** Packet time of the query (or of the response when the query was not seen), ms. */
  ts: number;
  client: string;
  server: string;
  /** Queried name, escaped. */
  name: string;
  /** Query type mnemonic: "A", "AAAA", "PTR", "TXT", "TYPE65" ... */
  type: string;
  /** Response code mnemonic ("NOERROR", "NXDOMAIN", ...), "" while unanswered. */
  rcode: string;
  /** Rendered answer data ("192.0.2.1", "CNAME example.net"), escaped. */
  answers: string[];
  /** Query-to-response time, null when unanswered. */
  latencyMs: number | null;
}

/** The three address lists options 15, 16 and 17 edit. */
export type ListName = 'blacklist' | 'whitelist' | 'malicious';

export type ReputationStatus = 'whitelisted' | 'blacklisted' | 'malicious' | 'suspicious' | 'clean';

/** What NetGuard knows about one address. */
export interface ReputationRow {
  ip: string;
  status: ReputationStatus;
  /** Suspicion score (0 when nothing was seen). */
  score: number;
  /** Score at which the address is promoted to malicious (ip_reputation.score_threshold). */
  threshold: number;
  /** Why the score is what it is ("SYN_SCAN x1", "listed in blacklist.txt"), newest last. */
  reasons: string[];
  /** Alerts with this address as source. */
  alerts: number;
  /** Packet time this address was first and last seen, null when never seen. */
  firstSeen: number | null;
  lastSeen: number | null;
}

/** What a search over the run's packets found, and what it covered. */
export interface PacketSearch {
  /** Matching packets, oldest first (at most a cap; `cut` counts the matches past it). */
  rows: PacketRow[];
  cut: number;
  /** Packets looked at, and packets the run processed. */
  searched: number;
  total: number;
  /** Why fewer than all packets were searched (a live run kept fewer, the file changed), or null. */
  note: string | null;
}

export interface CaptureSummary {
  packets: number;
  bytes: number;
  /** Packet time from first to last packet. */
  durationMs: number;
  alerts: number;
  decodeErrors: number;
  /** Interface name or capture file path. */
  source: string;
  /** A live capture's kernel counters (received, dropped, dropped by the interface); null for a file. */
  capture?: { kernel_packets: number; kernel_drops: number; kernel_ifdrops: number } | null;
}

export interface PortRow {
  port: number;
  /** "TCP" or "UDP". */
  proto: string;
  /** Service name, "" when unknown. */
  service: string;
  packets: number;
}

export interface ProtocolStats {
  /** Packets and bytes per protocol name (TCP, UDP, ICMP, ICMPv6, ARP, DNS, HTTP, Other). */
  protocols: Record<string, { packets: number; bytes: number }>;
  /** Busiest addresses by bytes, busiest first. */
  topTalkers: TalkerView[];
  /** Busiest destination ports, busiest first. */
  topPorts: PortRow[];
}

export interface AlertSummary {
  total: number;
  byType: Record<string, number>;
  bySeverity: Record<string, number>;
  /** Alerts per source address ("" or "-" for alerts without one). */
  bySource: Record<string, number>;
}

/** Everything the menu needs. Reads are synchronous snapshots of the finished analysis. */
export interface MenuBackend {
  summary(): CaptureSummary;
  /** The newest packets the engine keeps for views (display.packet_history_size), oldest first. */
  packets(): PacketRow[];
  /** Every packet of the run `match` accepts: read back from the capture file, or those a live run held (up to -c). */
  searchPackets(match: (p: PacketRow) => boolean): Promise<PacketSearch>;
  /** All tracked connections, oldest first. */
  connections(): ConnectionRow[];
  connection(id: string): ConnectionRow | undefined;
  /** Service name for a port ("http"), "" when unknown: shown next to port numbers. */
  service(port: number, proto: string): string;
  /** DNS queries, oldest first. */
  dnsQueries(): DnsRow[];
  /** Most-queried names, most first, at most n. */
  topDomains(n: number): { name: string; count: number }[];
  protocolStats(): ProtocolStats;
  /** Addresses with a score above zero that are not (yet) malicious, highest score first. */
  suspiciousIps(): ReputationRow[];
  /** Blacklisted and promoted-to-malicious addresses. */
  maliciousIps(): ReputationRow[];
  /** Reputation of any address (status "clean", score 0 when nothing is known). `ip` is normalised. */
  reputation(ip: string): ReputationRow;
  /**
   * Persist the address or CIDR block in the list; resolve to a confirmation line (or to one saying it
   * was listed already), reject with a one-line reason.
   */
  addToBlacklist(entry: string): Promise<string>;
  addToWhitelist(entry: string): Promise<string>;
  addMalicious(entry: string): Promise<string>;
  /** Takes an entry off a list (file and memory); resolves to a confirmation line, rejects with a reason. */
  removeFromList(list: ListName, entry: string): Promise<string>;
  /** The newest n alerts, newest first. */
  recentAlerts(n: number): Alert[];
  alertSummary(): AlertSummary;
  /** Null when anomaly detection is off. */
  baseline(): BaselineStatus | null;
  rules(): RuleView[];
  /** Flips a rule and persists it; the new state, or null when no rule has that name. */
  toggleRule(name: string): MaybePromise<boolean | null>;
  /** What the toggles since the last call did to the rules file beyond the rule (a copy made, a failed save). */
  ruleNotes?(): RuleNote[];
  /** Re-reads the rules file; on errors the running rules stay and `message` says why. */
  reloadRules(): MaybePromise<{ ok: boolean; message: string }>;
  /** Flushes every sink and state file; called once when the menu exits. */
  close(): Promise<void>;
  /** What is kept for an alert of this run (packets, flows), or null; absent when evidence is off. */
  alertEvidence?(id: string): AlertEvidenceView | null;
  /** Writes an alert's packets as a pcap (this run's evidence, else the history's); rejects with a one-line reason. */
  exportAlertPcap?(id: string, path: string): Promise<{ count: number; path: string; from: string }>;
}
