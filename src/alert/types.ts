// Alert vocabulary shared by detectors, the funnel, every sink and every view.

export const SEVERITIES = ['LOW', 'WARNING', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Every alert type NetGuard raises (DESIGN.md, "Alert types"). */
export const ALERT_TYPES = [
  'SYN_SCAN',
  'FIN_SCAN',
  'XMAS_SCAN',
  'NULL_SCAN',
  'ACK_SCAN',
  'MAIMON_SCAN',
  'CONNECT_SCAN',
  'UDP_SCAN',
  'DECOY_SCAN',
  'DISTRIBUTED_SCAN',
  'SYN_FLOOD',
  'TRAFFIC_SURGE',
  'TCP_SURGE',
  'UDP_SURGE',
  'ICMP_SURGE',
  'PORT_SWEEP',
  'ICMP_SWEEP',
  'CONNECTION_FLOOD',
  'CUSTOM_RULE',
  'SQL_INJECTION',
  'DIRECTORY_TRAVERSAL',
  'SUSPICIOUS_PORT',
  'BLACKLISTED_IP',
  'MALICIOUS_IP',
  'DECODE_ANOMALY',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export type Details = Record<string, unknown>;

/**
 * What a detector hands to the funnel. `key` identifies the episode within the type (usually the
 * source address, or source and port): detections with the same type and key aggregate into one alert.
 * Addresses are display strings here (detections are rare, so formatting cost does not matter).
 */
export interface Detection {
  type: AlertType;
  severity: Severity;
  message: string;
  /** Packet time of the detection, ms since epoch. */
  ts: number;
  key: string;
  src_ip?: string;
  dst_ip?: string;
  src_port?: number;
  dst_port?: number;
  /** "TCP", "UDP", "ICMP", "ICMPv6", ... */
  proto?: string;
  /** Evidence: counts, ports, window, rule name. Merged into the alert on aggregation. */
  details: Details;
  /**
   * Optional: how long (ms of packet time) this episode stays open for aggregation, when longer than the
   * type's suppression interval (a slow scan sends one probe every 5 minutes and is still one alert).
   */
  holdMs?: number;
  /** Community ID v1 of the flow, when the detection is about one flow (the engine fills it in). */
  community_id?: string;
}

/**
 * How a raise site hands over a detection that storm control may fold, before making it: its facts as
 * primitives (the same values its Detection would have; absent ones undefined). True: the funnel folded
 * it, exactly as raise() would have (its type's budget is spent in the current window, no open episode has
 * its key, its source is not whitelisted), and no Detection is needed. False: nothing happened; the caller
 * makes the Detection and raises it. In an alert storm most detections are folded, and the message,
 * details and objects of each were made only to be dropped.
 */
export type FoldNew = (
  type: AlertType,
  severity: Severity,
  ts: number,
  key: string,
  src_ip: string | undefined,
  dst_ip: string | undefined,
  src_port: number | undefined,
  dst_port: number | undefined,
  proto: string | undefined,
  /** A custom rule's name (CUSTOM_RULE: its Detection's details.rule, which its storm alert counts by). */
  rule?: string,
) => boolean;

/** An alert as every sink sees it. Field names are the on-disk (JSONL) names. */
export interface Alert {
  /** Unique within a run ("<start-ms>-<seq>"). */
  id: string;
  /** ISO 8601 time of the first detection. */
  timestamp: string;
  type: AlertType;
  severity: Severity;
  message: string;
  src_ip?: string;
  dst_ip?: string;
  src_port?: number;
  dst_port?: number;
  proto?: string;
  details: Details;
  /** How many detections this alert aggregates. */
  count: number;
  /** ISO 8601 time of the last aggregated detection. */
  last_seen: string;
  /** Community ID v1 flow hash, where the alert is about one flow. */
  community_id?: string;
  /** The sensor that raised it (set on alerts read back from a history that `netguard console` fills). */
  sensor?: string;
  /**
   * Set only on the alert's final record, written again (same id) when its episode closes: count,
   * last_seen, message and details are then complete. Absent on the record written when it was raised.
   */
  final?: true;
  /** Why the episode closed (on the final record only). */
  final_reason?: FinalReason;
}

/**
 * Why an alert's episode closed: its suppression interval passed with no repeat ("timeout"), a higher
 * severity alert took the episode over ("escalated"), the open-episode cap closed it ("evicted"), the
 * capture ended or NetGuard exited ("end"), or the alerts were cleared from a view ("cleared").
 */
export type FinalReason = 'timeout' | 'escalated' | 'evicted' | 'end' | 'cleared';

/** An output for alerts. Every hook is optional; none may block the packet path (queue and batch I/O). */
export interface AlertSink {
  readonly name: string;
  /** A new alert (or a severity escalation, which is a new alert). */
  onAlert?(alert: Alert): void;
  /** An existing alert aggregated more evidence (count, details, last_seen changed). */
  onUpdate?(alert: Alert): void;
  /** The alert's episode closed: `alert` is its final record (final: true, same id), evidence complete. */
  onFinal?(alert: Alert): void;
  /**
   * A new alert that storm control folded into `storm` (its type's storm alert, raised when its window
   * ends) instead of raising it: for what must still see every alert (the reputation score, the history's
   * record of folded alerts). Called on the packet path: queue, never write here. `d` may be a scratch
   * object the funnel reuses (see FoldNew): read it during the call, never keep it.
   */
  onFolded?(d: Detection, storm: Alert): void;
  /**
   * Packet time moved on (the engine's tick, about once a second of packet time): for sinks that pace their
   * writes by packet time when reading a file, so what they write depends on the capture, not on the clock.
   */
  onTick?(now: number): void;
  /** Writes out anything queued; called on exit and periodically. */
  flush?(): Promise<void>;
  close?(): Promise<void>;
}
