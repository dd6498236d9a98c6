// ScanDetector: vertical port scans (one source, many ports of one host) of every nmap flavour, fast and
// slow, raising SYN_SCAN, CONNECT_SCAN, FIN_SCAN, XMAS_SCAN, NULL_SCAN, ACK_SCAN, MAIMON_SCAN, UDP_SCAN.
//
// Knobs (settings.yaml, `thresholds`):
//   port_scan        100   distinct ports one source probes on one host within scan_window (fast scans)
//   scan_window       60   seconds of that sliding window
//   slow_scan_ports   25   distinct closed or unanswered ports, over any time span (slow scans, nmap -T0..-T2)
//   slow_scan_idle  1800   seconds without a probe after which a source's slow evidence is forgotten
//   probe_timeout      5   seconds without an answer before a probe counts as unanswered
//
// How probes are classified and answered is in probes.ts: RSTs and ICMP port unreachables from the
// target are evidence, data-carrying conversations are not. Which alert type: by the probe's flags
// (SYN from a raw socket: SYN_SCAN; an OS connect() SYN or a completed-then-dropped handshake:
// CONNECT_SCAN; FIN, FIN+PSH+URG, no flags, ACK, FIN+ACK, UDP). IPv6 works the same (addresses are
// text); fragmented probes arrive here reassembled by the decoder.
//
// One scan is one alert: the first detection opens it as soon as a threshold is crossed, later ones (at
// most one per second of packet time) grow its evidence. A scan that has lasted longer than
// scan_window is slow: its detections carry holdMs = slow_scan_idle so the funnel keeps one alert open
// across probes minutes apart. All state is capped (pairs, ports per pair, total ports) and expires.
import type { Settings } from '../config/schema.js';
import type { Packet } from '../decode/packet.js';
import type { Detector, Raise } from './types.js';
import {
  K_ACK,
  K_MAIMON,
  K_UDP,
  KIND_COUNT,
  KIND_NAMES,
  KIND_TYPES,
  ProbeTracker,
  type Outcome,
  type ProbeRec,
} from './probes.js';
import { BoundedMap, iso, ipText, portSample, thresholds } from './util.js';

/** Most (source, target) pairs tracked. */
const MAX_PAIRS = 4096;
/** Most ports remembered per pair and probe kind, in each of the two sets. */
const MAX_PORTS = 2048;
/** Most ports remembered across every pair (bounds the worst case of many pairs with many ports). */
const MAX_TOTAL_PORTS = 500_000;
/** Evidence updates for an open alert: at most one per this many ms of packet time. */
const UPDATE_MS = 1000;

interface KindState {
  /** Ports probed within scan_window: port -> last probe time, oldest first. */
  recent: Map<number, number>;
  /** Ports whose probe ended closed, unanswered, torn down or stealthy (the slow-scan evidence). */
  evidence: Set<number>;
  probes: number;
  closed: number;
  unanswered: number;
  torn: number;
  first: number;
  last: number;
  raised: boolean;
  slow: boolean;
  lastRaise: number;
  /** Evidence changed since the last report. */
  changed: boolean;
}

interface PairState {
  src: string;
  dst: string;
  last: number;
  kinds: Array<KindState | undefined>;
}

export interface ScanDetector extends Detector {
  status(): { pairs: number; probes: number; pendingProbes: number; storedPorts: number; evictedPairs: number };
}

export function createScanDetector(settings: Settings, raise: Raise): ScanDetector {
  const t = thresholds(settings);
  const windowMs = t.scan_window * 1000;
  const idleMs = t.slow_scan_idle * 1000;
  const fastN = t.port_scan;
  const slowN = t.slow_scan_ports;
  const dirty = new Set<string>();
  let stored = 0;
  const forget = (ps: PairState, k: string): void => {
    for (const ks of ps.kinds) if (ks) stored -= ks.recent.size + ks.evidence.size;
    dirty.delete(k);
  };
  const pairs = new BoundedMap<string, PairState>(MAX_PAIRS, forget);
  let lastFlush = 0;
  let lastSweep = 0;

  const dropPair = (k: string, ps: PairState): void => {
    forget(ps, k);
    pairs.delete(k);
  };

  const pairOf = (r: ProbeRec): [string, PairState] => {
    const k = `${r.src}>${r.dst}`;
    let ps = pairs.get(k);
    if (!ps) {
      ps = { src: ipText(r.src), dst: ipText(r.dst), last: 0, kinds: new Array<KindState | undefined>(KIND_COUNT) };
      pairs.set(k, ps);
    } else {
      pairs.touch(k, ps);
    }
    return [k, ps];
  };

  const kindOf = (ps: PairState, kind: number, now: number): KindState => {
    let ks = ps.kinds[kind];
    // An episode ends after silence: a fast scan that was reported ends after scan_window, anything
    // else (a scan still collecting slow evidence, or a slow scan) after slow_scan_idle.
    if (ks && now - ks.last > (ks.raised && !ks.slow ? windowMs : idleMs)) {
      stored -= ks.recent.size + ks.evidence.size;
      ks = undefined;
    }
    if (!ks) {
      ks = {
        recent: new Map(),
        evidence: new Set(),
        probes: 0,
        closed: 0,
        unanswered: 0,
        torn: 0,
        first: now,
        last: now,
        raised: false,
        slow: false,
        lastRaise: 0,
        changed: false,
      };
      ps.kinds[kind] = ks;
    }
    ps.last = now;
    return ks;
  };

  const touchRecent = (ks: KindState, port: number, now: number): void => {
    if (ks.recent.delete(port)) stored--;
    if (ks.recent.size < MAX_PORTS) {
      ks.recent.set(port, now);
      stored++;
    }
    for (const [p, ts] of ks.recent) {
      if (ts >= now - windowMs) break;
      ks.recent.delete(p);
      stored--;
    }
  };

  const portsSeen = (ks: KindState): number => {
    let n = ks.evidence.size;
    for (const p of ks.recent.keys()) if (!ks.evidence.has(p)) n++;
    return n;
  };

  const report = (ps: PairState, kind: number, ks: KindState, now: number): void => {
    const seen = portsSeen(ks);
    if (now - ks.first > windowMs) ks.slow = true;
    ks.raised = true;
    ks.lastRaise = now;
    ks.changed = false;
    const ports = new Set<number>(ks.evidence);
    for (const p of ks.recent.keys()) ports.add(p);
    raise({
      type: KIND_TYPES[kind],
      severity: 'HIGH',
      message: `${KIND_NAMES[kind]} ${ks.slow ? 'slow ' : ''}scan from ${ps.src} against ${ps.dst}: ${seen} ports, ${ks.probes} probes`,
      ts: now,
      key: ps.src,
      src_ip: ps.src,
      dst_ip: ps.dst,
      proto: kind === K_UDP ? 'UDP' : 'TCP',
      details: {
        target: ps.dst,
        ports_seen: seen,
        probes: ks.probes,
        ports: portSample(ports, 100),
        closed: ks.closed,
        unanswered: ks.unanswered,
        open_no_data: ks.torn,
        first_seen: iso(ks.first),
        last_seen: iso(ks.last),
        window_s: t.scan_window,
        slow: ks.slow,
      },
      holdMs: ks.slow ? idleMs : undefined,
    });
  };

  const check = (k: string, ps: PairState, kind: number, ks: KindState, now: number): void => {
    const hit = ks.recent.size >= fastN || ks.evidence.size >= slowN;
    if (!hit && !ks.raised) return;
    if (!ks.raised) {
      report(ps, kind, ks, now);
      return;
    }
    if (ks.changed) {
      if (now - ks.lastRaise >= UPDATE_MS) report(ps, kind, ks, now);
      else dirty.add(k);
    }
  };

  const flush = (now: number): void => {
    lastFlush = now;
    for (const k of dirty) {
      const ps = pairs.get(k);
      dirty.delete(k);
      if (!ps) continue;
      ps.kinds.forEach((ks, kind) => {
        if (ks && ks.raised && ks.changed) {
          report(ps, kind, ks, now);
        }
      });
    }
  };

  const sweep = (now: number): void => {
    lastSweep = now;
    for (const [k, ps] of pairs) if (now - ps.last > idleMs) dropPair(k, ps);
    while (stored > MAX_TOTAL_PORTS && pairs.size > 0) {
      const oldest = pairs.entries().next();
      if (oldest.done) break;
      dropPair(oldest.value[0], oldest.value[1]);
    }
  };

  const tracker = new ProbeTracker(
    {
      onProbe(r, now) {
        const [k, ps] = pairOf(r);
        const ks = kindOf(ps, r.kind, now);
        ks.probes++;
        ks.last = now;
        ks.changed = true;
        // ACK and Maimon probes only count once the target answers (see probes.ts).
        if (r.kind !== K_ACK && r.kind !== K_MAIMON) touchRecent(ks, r.port, now);
        check(k, ps, r.kind, ks, now);
      },
      onOutcome(r: ProbeRec, o: Outcome, delta: number, now: number) {
        const [k, ps] = pairOf(r);
        const ks = kindOf(ps, r.kind, now);
        if (o === 'closed') ks.closed++;
        else if (o === 'unanswered') ks.unanswered++;
        else if (o === 'torn') ks.torn++;
        ks.changed = true;
        if (delta > 0) {
          if (!ks.evidence.has(r.port) && ks.evidence.size < MAX_PORTS) {
            ks.evidence.add(r.port);
            stored++;
          }
          if (r.kind === K_ACK || r.kind === K_MAIMON) touchRecent(ks, r.port, now);
        } else if (delta < 0 || o === 'success' || o === 'transit') {
          if (ks.evidence.delete(r.port)) stored--;
          if (ks.recent.delete(r.port)) stored--;
        }
        if (stored > MAX_TOTAL_PORTS) sweep(now);
        check(k, ps, r.kind, ks, now);
      },
    },
    { timeoutMs: t.probe_timeout * 1000, idleMs: Math.max(600_000, 2 * windowMs) },
  );

  return {
    name: 'scan',
    onPacket(p: Packet, now: number): void {
      tracker.onPacket(p, now);
      if (now - lastFlush >= UPDATE_MS && dirty.size > 0) flush(now);
      if (now - lastSweep >= 30_000) sweep(now);
    },
    onTick(now: number): void {
      tracker.expire(now);
      if (dirty.size > 0) flush(now);
      if (now - lastSweep >= 30_000) sweep(now);
    },
    status() {
      let probes = 0;
      for (const ps of pairs.values()) for (const ks of ps.kinds) if (ks) probes += ks.probes;
      return { pairs: pairs.size, probes, pendingProbes: tracker.pending(), storedPorts: stored, evictedPairs: pairs.evicted };
    },
  };
}
