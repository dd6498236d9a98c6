// Detection thresholds: every knob of the detectors with its default, read from the settings' thresholds block.
import type { Settings } from '../config/schema.js';

/** The thresholds block with every detection key present (defaults for keys an older settings object lacks). */
export interface Thresholds {
  /** Distinct ports one source probes on one host within scan_window (fast scans). */
  port_scan: number;
  /** Half-open SYNs per second (sliding one-second window) per destination host, or per source. */
  syn_flood: number;
  /** Completed connections from one source within connection_flood_window. */
  connection_flood: number;
  /** Distinct hosts one source probes on one port within port_sweep_window. */
  port_sweep: number;
  /** Seconds of the fast-scan window. */
  scan_window: number;
  /** Seconds of the connection-flood window. */
  connection_flood_window: number;
  /** Seconds of both sweep windows (ports and pings). */
  port_sweep_window: number;
  /** Distinct closed or unanswered ports one source touches on one host, over any time span (slow scans). */
  slow_scan_ports: number;
  /** Seconds without a probe after which slow-scan (and decoy) evidence is forgotten. */
  slow_scan_idle: number;
  /** Seconds without an answer after which a probe counts as unanswered (filtered). */
  probe_timeout: number;
  /** Distinct hosts one source pings within port_sweep_window. */
  icmp_sweep: number;
  /** Ports whose connection attempts raise SUSPICIOUS_PORT. */
  suspicious_ports: number[];
  /** Seconds of per-second samples the traffic baseline learns (rolling). */
  baseline_window: number;
  /** Standard deviations above the mean that make a surge. */
  surge_sigma: number;
  /** Packets/s a surge must also exceed the mean by. */
  surge_min_pps: number;
  /** Bytes/s a surge must also exceed the mean by. */
  surge_min_bps: number;
  /** decoy-scan.ts: distinct ports a source must probe in lockstep with another source. */
  decoy_ports: number;
  /** decoy-scan.ts: lockstep sources against one target that make a decoy scan. */
  decoy_sources: number;
  /** decoy-scan.ts: seconds within which another source's probe of the same port counts as a copy. */
  decoy_lockstep: number;
  /** distributed-scan.ts: distinct ports of one target probed by all sources together. */
  distributed_ports: number;
  /** distributed-scan.ts: sources that each probed at least distributed_source_ports of them. */
  distributed_sources: number;
  /** distributed-scan.ts: ports a source must probe to count as one of the scan's sources. */
  distributed_source_ports: number;
  /** distributed-scan.ts: seconds; the union covers the current and the previous window. */
  distributed_window: number;
}

/** Defaults of every knob (settings.yaml and src/config/schema.ts ship the same values). */
export const DEFAULT_THRESHOLDS: Thresholds = {
  port_scan: 100,
  syn_flood: 100,
  connection_flood: 50,
  port_sweep: 5,
  scan_window: 60,
  connection_flood_window: 10,
  port_sweep_window: 60,
  slow_scan_ports: 25,
  slow_scan_idle: 1800,
  probe_timeout: 5,
  icmp_sweep: 10,
  suspicious_ports: [21, 22, 23, 445, 3389],
  baseline_window: 300,
  surge_sigma: 3,
  surge_min_pps: 100,
  surge_min_bps: 1_000_000,
  decoy_ports: 10,
  decoy_sources: 2,
  decoy_lockstep: 1,
  distributed_ports: 100,
  distributed_sources: 3,
  distributed_source_ports: 5,
  distributed_window: 60,
};

/** The settings' thresholds block over the defaults: keys the settings lack keep their default. */
export function thresholds(settings: Settings | undefined): Thresholds {
  const t = (settings?.thresholds ?? {}) as Partial<Thresholds>;
  return { ...DEFAULT_THRESHOLDS, ...t };
}
