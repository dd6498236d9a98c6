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
//
// Sources of a decoy scan (DetectorContext.decoyMember, decoy-scan.ts) raise no scan alert of their own.
//
// State per (source, target, probe kind) lives in a fixed table (AddrTable) with its counters in typed
// arrays. Its first two ports are kept inline; the two port sets (a Map and a Set) are only made when a
// third distinct port shows up, i.e. for something that looks like a scan. A spoofed flood's million
// one-probe sources, and an alert storm's sources that each try two ports (22 and 23), therefore cost no
// allocation, and a full bucket gives up single-port state before state with evidence of several ports
// (an episode is pinned at its second distinct port).
import type { Settings } from '../config/schema.js';
import type { Packet } from '../decode/packet.js';
import type { Detector, DetectorContext, Raise } from './types.js';
import type { ProbeRecords } from './probes.js';
import * as codes from './probe-codes.js';
import { probeSource } from './shared-probes.js';
import * as state from './state/index.js';
import { addrText, iso } from './format.js';
import { thresholds } from './thresholds.js';

// Module-local copies of the constants the packet path uses: optimized code reads an imported binding
// through its module cell and tests it for the temporal dead zone at every use (V8 does not fold it),
// and folds a local const to its value.
const { K_ACK, K_MAIMON, K_UDP, KIND_COUNT, KIND_NAMES, KIND_TYPES, O_SUCCESS, O_TORN } = codes;
const { AddrTable, addrHash } = state;

/** Most (source, target, probe kind) episodes tracked. */
const MAX_PAIRS = 4096;
/** Most ports remembered per pair and probe kind, in each of the two sets. */
const MAX_PORTS = 2048;
/** Most ports remembered across every pair (bounds the worst case of many pairs with many ports). */
const MAX_TOTAL_PORTS = 500_000;
/** Evidence updates for an open alert: at most one per this many ms of packet time. */
const UPDATE_MS = 1000;
/** How often (ms of packet time) idle episodes are dropped. */
const SWEEP_MS = 30_000;

/** The port sets of an episode that has seen more than one distinct port. */
interface PortSets {
  /** Ports probed within scan_window: port -> last probe time, oldest first. */
  recent: Map<number, number>;
  /** Ports whose probe ended closed, unanswered, torn down or stealthy (the slow-scan evidence). */
  evidence: Set<number>;
}

export interface ScanDetector extends Detector {
  status(): {
    pairs: number;
    maxPairs: number;
    probes: number;
    pendingProbes: number;
    probeRecords: number;
    storedPorts: number;
    evictedPairs: number;
  };
}

export function createScanDetector(settings: Settings, raise: Raise, ctx?: DetectorContext): ScanDetector {
  const t = thresholds(settings);
  const windowMs = t.scan_window * 1000;
  const idleMs = t.slow_scan_idle * 1000;
  const fastN = t.port_scan;
  const slowN = t.slow_scan_ports;

  // Episodes: key (source, target, kind); values by slot.
  const tab = new AddrTable(MAX_PAIRS);
  const n = tab.slots;
  const probes = new Float64Array(n);
  // The three outcome counters in one array, indexed by outcome (O_CLOSED, O_UNANSWERED, O_TORN are
  // 0-2): one increment for all three, so an outcome first seen late finds type feedback.
  const byOutcome = new Float64Array(3 * n);
  const closed = byOutcome.subarray(0, n);
  const unanswered = byOutcome.subarray(n, 2 * n);
  const torn = byOutcome.subarray(2 * n, 3 * n);
  const first = new Float64Array(n);
  /** Time of the last probe. */
  const last = new Float64Array(n);
  const lastRaise = new Float64Array(n);
  const raised = new Uint8Array(n);
  const slow = new Uint8Array(n);
  /** Evidence changed since the last report. */
  const changed = new Uint8Array(n);
  /** Waiting in the dirty list for a throttled report. */
  const dirty = new Uint8Array(n);
  const dirtyList = new Int32Array(n);
  let dirtyLen = 0;
  let dirtyCount = 0;
  // The first two distinct ports, inline: episode s's first at index 2s, its second at 2s + 1, each in
  // the recent window (with its time) and/or in the evidence. An inline port whose two flags are 0 is
  // free (its port is then a leftover, reused or replaced).
  const inlinePort = new Int32Array(2 * n);
  const inRecent = new Uint8Array(2 * n);
  const recentTs = new Float64Array(2 * n);
  const inEvidence = new Uint8Array(2 * n);
  /** Which inline port entered the recent window last (1 or 2): the order the Map gets them in at promote. */
  const newerRecent = new Uint8Array(n);
  /**
   * Port sets, made at the third distinct port (then the inline ports are unused); NO_SETS before. In an
   * alert storm of spoofed sources each source tried two ports, and a Map and a Set made for each (pinned, so
   * kept until the pair was evicted) were a sixth of what outlived the young-generation collections. The
   * placeholder is never filled, so the sizes are its sets' plus the inline flags without a test, and the
   * reads of real sets have type feedback from the first packet (a late first promotion recompiled 7).
   */
  const NO_SETS: PortSets = { recent: new Map(), evidence: new Set() };
  const sets: PortSets[] = new Array<PortSets>(n).fill(NO_SETS);
  let stored = 0;
  let lastFlush = 0;
  /**
   * False until the first packet has called flush(), which then returns at once: the call in onPacket
   * has type feedback from the start, so the first update held back, late in a run, does not deoptimize
   * the packet path (the tracker is inlined there) for a recompilation.
   */
  let flushCalled = false;
  let lastSweep = 0;

  // The inline flags are 0 once an episode has real sets; the placeholder's sets are empty.
  const recentSize = (s: number): number => sets[s].recent.size + inRecent[2 * s] + inRecent[2 * s + 1];
  const evidenceSize = (s: number): number => sets[s].evidence.size + inEvidence[2 * s] + inEvidence[2 * s + 1];

  /** Frees both inline ports of slot s (their counts in `stored` are the caller's business). */
  const clearInline = (s: number): void => {
    inRecent[2 * s] = 0;
    inEvidence[2 * s] = 0;
    inRecent[2 * s + 1] = 0;
    inEvidence[2 * s + 1] = 0;
  };

  // The helpers of the probe events take the event's records (tr) and read its time there (tr.now): a
  // time passed as a number argument to a call V8 does not inline is boxed into a new heap number per
  // call, and one passed in two branches is boxed once ahead of both.

  /** Starts a fresh episode in slot s (after dropping whatever it held), at tr's time. */
  const reset = (s: number, tr: ProbeRecords): void => {
    const now = tr.now;
    stored -= recentSize(s) + evidenceSize(s);
    sets[s] = NO_SETS;
    inlinePort[2 * s] = -1;
    inlinePort[2 * s + 1] = -1;
    clearInline(s);
    probes[s] = 0;
    closed[s] = 0;
    unanswered[s] = 0;
    torn[s] = 0;
    first[s] = now;
    last[s] = now;
    lastRaise[s] = 0;
    raised[s] = 0;
    slow[s] = 0;
    changed[s] = 0;
    tab.setPin(s, 0);
  };

  const drop = (s: number): void => {
    stored -= recentSize(s) + evidenceSize(s);
    sets[s] = NO_SETS;
    clearInline(s);
    if (dirty[s] === 1) {
      dirty[s] = 0;
      dirtyCount--;
    }
    tab.remove(s);
  };

  /** The episode of probe record r (created or restarted as needed). */
  const episodeOf = (tr: ProbeRecords, r: number): number => {
    const now = tr.now;
    const a4 = tr.src4(r);
    const a6 = tr.src6(r);
    const b4 = tr.dst4(r);
    const b6 = tr.dst6(r);
    const kind = tr.kindOf(r);
    // Each address hashed once for the lookup and the insert (an IPv6 text's hash is a loop).
    const ha = addrHash(a4, a6);
    const hb = addrHash(b4, b6);
    let s = tab.findH(ha, hb, a4, a6, b4, b6, kind);
    if (s < 0) {
      s = tab.insertH(ha, hb, a4, a6, b4, b6, kind);
      tab.touched[s] = now;
      // Evicted: forget the old episode's pending report (a free slot has none: drop cleared it). No
      // branch, so the first eviction finds nothing without type feedback.
      dirtyCount -= dirty[s];
      dirty[s] = 0;
      if (!tab.replaced) {
        // A free slot: its leftovers were already uncounted by drop (an evicted episode's are by reset).
        sets[s] = NO_SETS;
        clearInline(s);
      }
      reset(s, tr);
    } else if (now - last[s] > (raised[s] > slow[s] ? windowMs : idleMs)) {
      // An episode ends after silence: a fast scan that was reported ends after scan_window, anything
      // else (a scan still collecting slow evidence, or a slow scan) after slow_scan_idle. (slow is only
      // ever 1 with raised 1; both are read for every episode, so the first reported scan's test has
      // type feedback: a short-circuit read of slow deoptimized this.)
      reset(s, tr);
    }
    tab.touched[s] = now;
    return s;
  };

  /**
   * Moves the inline ports into real port sets (a third distinct port arrived), the recent ones in the
   * order they entered the window, as a Map would hold them.
   */
  const promote = (s: number): PortSets => {
    const ps: PortSets = { recent: new Map(), evidence: new Set() };
    const a = 2 * s;
    const b = a + 1;
    const secondFirst = newerRecent[s] === 1;
    if (secondFirst && inRecent[b] === 1) ps.recent.set(inlinePort[b], recentTs[b]);
    if (inRecent[a] === 1) ps.recent.set(inlinePort[a], recentTs[a]);
    if (!secondFirst && inRecent[b] === 1) ps.recent.set(inlinePort[b], recentTs[b]);
    if (inEvidence[a] === 1) ps.evidence.add(inlinePort[a]);
    if (inEvidence[b] === 1) ps.evidence.add(inlinePort[b]);
    clearInline(s);
    inlinePort[a] = -1;
    inlinePort[b] = -1;
    sets[s] = ps;
    tab.setPin(s, 1);
    return ps;
  };

  /**
   * Where `port` of slot s is kept: 1 or 2, an inline port (taken for it if free), or 0, the real port
   * sets (made now if both inline ports hold other ports).
   */
  const slotFor = (s: number, port: number): number => {
    if (sets[s] !== NO_SETS) return 0;
    const a = 2 * s;
    const b = a + 1;
    // Both inline ports' flags are read for every port, and the first and the second port take their
    // inline place in one piece of code (the first keeps the episode's pin as it is): an episode's first
    // second port, late in a run, then finds type feedback (it deoptimized the probe path inlining this).
    const usedA = inRecent[a] | inEvidence[a];
    const usedB = inRecent[b] | inEvidence[b];
    if (inlinePort[a] === port) return 1;
    if (inlinePort[b] === port && usedB !== 0) return 2;
    // Both flags are 0 or 1: one of them is 0 (both tests made at once, each with feedback).
    if ((usedA & usedB) === 0) {
      const k = usedA === 0 ? 1 : 2;
      inlinePort[a + k - 1] = port;
      // Several ports: worth more than a one-probe source when the table is full.
      tab.setPin(s, k === 2 ? 1 : tab.pinOf(s));
      return k;
    }
    promote(s);
    return 0;
  };

  const touchRecent = (s: number, port: number, tr: ProbeRecords): void => {
    const now = tr.now;
    const k = slotFor(s, port);
    if (k !== 0) {
      // The port touched (i) is the newest; the other inline port (i ^ 1) leaves the window if it is older
      // than it, as the Map's walk from its oldest entry below would have it.
      const i = 2 * s + k - 1;
      const other = i ^ 1;
      if (inRecent[i] === 0) stored++;
      inRecent[i] = 1;
      recentTs[i] = now;
      // The other port's time is read whether or not it is in the window: an episode's first second
      // port, late in a run, then finds type feedback (it deoptimized the probe path inlining this).
      const otherOld = recentTs[other] < now - windowMs;
      if (inRecent[other] === 1 && otherOld) {
        inRecent[other] = 0;
        stored--;
      }
      newerRecent[s] = k;
      return;
    }
    const recent = sets[s].recent;
    if (recent.delete(port)) stored--;
    if (recent.size < MAX_PORTS) {
      recent.set(port, now);
      stored++;
    }
    for (const [p, ts] of recent) {
      if (ts >= now - windowMs) break;
      recent.delete(p);
      stored--;
    }
  };

  const addEvidence = (s: number, port: number): void => {
    const k = slotFor(s, port);
    if (k !== 0) {
      const i = 2 * s + k - 1;
      if (inEvidence[i] === 0) {
        inEvidence[i] = 1;
        stored++;
      }
      return;
    }
    const ps = sets[s];
    if (!ps.evidence.has(port) && ps.evidence.size < MAX_PORTS) {
      ps.evidence.add(port);
      stored++;
    }
  };

  const removePort = (s: number, port: number): void => {
    // Every form, without a test of which one the episode uses: the placeholder's sets are empty, and
    // inline ports are -1 once there are real sets (a free inline port's flags are 0).
    const ps = sets[s];
    stored -= (ps.evidence.delete(port) ? 1 : 0) + (ps.recent.delete(port) ? 1 : 0);
    for (let i = 2 * s; i < 2 * s + 2; i++) {
      if (inlinePort[i] !== port) continue;
      stored -= inEvidence[i] + inRecent[i];
      inEvidence[i] = 0;
      inRecent[i] = 0;
    }
  };

  // The ports of the episode being reported, one bit each: their union and its smallest ports without
  // a Set of up to 4,096 ports and a sort of all of them per report (once a second per open scan).
  const union = new Uint32Array(65536 >>> 5);
  const mark = (port: number): number => {
    const w = port >>> 5;
    const m = 1 << (port & 31);
    if ((union[w] & m) !== 0) return 0;
    union[w] |= m;
    return 1;
  };

  // The sets' ports are marked through forEach, whose builtin calls back with each element: a for-of loop
  // over a Set or a Map's keys in report() (called about once a second per open scan, so seldom compiled)
  // allocated an iterator result object per port, a sixth of the attack-heavy mix's native Map/Set bytes.
  let marked = 0;
  const markOne = (port: number): void => {
    marked += mark(port);
  };
  const markKey = (_ts: number, port: number): void => {
    marked += mark(port);
  };

  /** Marks the ports of episode s (in the evidence or the recent window) in `union`; returns how many. */
  const markPorts = (s: number): number => {
    const ps = sets[s];
    marked = 0;
    for (let i = 2 * s; i < 2 * s + 2; i++) if (inRecent[i] === 1 || inEvidence[i] === 1) marked += mark(inlinePort[i]);
    ps.evidence.forEach(markOne);
    ps.recent.forEach(markKey);
    return marked;
  };

  /** The `max` smallest ports marked in `union`, ascending (what portSample gives); empties `union`. */
  const takeSample = (max: number): number[] => {
    const out: number[] = [];
    for (let w = 0; w < union.length && out.length < max; w++) {
      let bits = union[w];
      while (bits !== 0 && out.length < max) {
        const low = bits & -bits;
        out.push((w << 5) | (31 - Math.clz32(low)));
        bits ^= low;
      }
    }
    union.fill(0);
    return out;
  };

  const report = (s: number, now: number): void => {
    const kind = tab.x(s);
    const seen = markPorts(s);
    const sample = takeSample(100);
    if (now - first[s] > windowMs) slow[s] = 1;
    raised[s] = 1;
    lastRaise[s] = now;
    changed[s] = 0;
    const src = addrText(tab.a4(s), tab.a6(s));
    const dst = addrText(tab.b4(s), tab.b6(s));
    const isSlow = slow[s] === 1;
    raise({
      type: KIND_TYPES[kind],
      severity: 'HIGH',
      message: `${KIND_NAMES[kind]} ${isSlow ? 'slow ' : ''}scan from ${src} against ${dst}: ${seen} ports, ${probes[s]} probes`,
      ts: now,
      key: src,
      src_ip: src,
      dst_ip: dst,
      proto: kind === K_UDP ? 'UDP' : 'TCP',
      details: {
        target: dst,
        ports_seen: seen,
        probes: probes[s],
        ports: sample,
        closed: closed[s],
        unanswered: unanswered[s],
        open_no_data: torn[s],
        first_seen: iso(first[s]),
        last_seen: iso(last[s]),
        window_s: t.scan_window,
        slow: isSlow,
      },
      holdMs: isSlow ? idleMs : undefined,
    });
  };

  /** Reports episode s when due (one report call, so the time is boxed only then). */
  const check = (s: number, tr: ProbeRecords): void => {
    const now = tr.now;
    let due = false;
    if (raised[s] === 0) {
      if (recentSize(s) >= fastN || evidenceSize(s) >= slowN) {
        // A decoy scan's sources are one DECOY_SCAN (decoy-scan.ts), not one scan alert each.
        if (ctx?.decoyMember?.(tab.a4(s), tab.a6(s), tab.b4(s), tab.b6(s)) === true) return;
        due = true;
      }
    } else if (changed[s] === 1) {
      if (now - lastRaise[s] >= UPDATE_MS) due = true;
      else if (dirty[s] === 0) {
        dirty[s] = 1;
        dirtyCount++;
        if (dirtyLen === n) {
          // Full of entries for slots dropped since: rebuild it from the flags (each slot once).
          dirtyLen = 0;
          for (let i = 0; i < n; i++) if (dirty[i] === 1) dirtyList[dirtyLen++] = i;
        } else {
          dirtyList[dirtyLen++] = s;
        }
      }
    }
    if (due) report(s, now);
  };

  const flush = (now: number): void => {
    flushCalled = true;
    if (dirtyCount === 0) return;
    lastFlush = now;
    const len = dirtyLen;
    dirtyLen = 0;
    for (let i = 0; i < len; i++) {
      const s0 = dirtyList[i];
      if (dirty[s0] === 0) continue;
      // The whole (source, target) pair at once, kinds in order, as one scan report round.
      const a4 = tab.a4(s0);
      const a6 = tab.a6(s0);
      const b4 = tab.b4(s0);
      const b6 = tab.b6(s0);
      for (let kind = 0; kind < KIND_COUNT; kind++) {
        const s = kind === tab.x(s0) ? s0 : tab.find(a4, a6, b4, b6, kind);
        if (s < 0 || dirty[s] === 0) continue;
        dirty[s] = 0;
        dirtyCount--;
        if (raised[s] === 1 && changed[s] === 1) report(s, now);
      }
    }
  };

  const sweep = (now: number): void => {
    lastSweep = now;
    if (tab.count > 0) {
      for (let s = 0; s < n; s++) if (tab.isUsed(s) && now - tab.touched[s] > idleMs) drop(s);
    }
    while (stored > MAX_TOTAL_PORTS && tab.count > 0) {
      let oldest = -1;
      for (let s = 0; s < n; s++) if (tab.isUsed(s) && (oldest < 0 || tab.touched[s] < tab.touched[oldest])) oldest = s;
      drop(oldest);
    }
  };

  /**
   * onPacket's once-a-second work behind one call: a number argument is boxed into a heap number, and V8
   * boxes a value passed in two branches once ahead of both, on every packet; passed once, only when due.
   */
  const upkeep = (now: number): void => {
    if ((dirtyCount > 0 || !flushCalled) && now - lastFlush >= UPDATE_MS) flush(now);
    if (now - lastSweep >= SWEEP_MS) sweep(now);
  };

  const tracker = probeSource(
    ctx,
    {
      onProbe(tr, r) {
        const now = tr.now;
        const kind = tr.kindOf(r);
        const s = episodeOf(tr, r);
        probes[s]++;
        last[s] = now;
        changed[s] = 1;
        // ACK and Maimon probes only count once the target answers (see probes.ts).
        if (kind !== K_ACK && kind !== K_MAIMON) touchRecent(s, tr.port(r), tr);
        check(s, tr);
      },
      onOutcome(tr, r, o, delta) {
        const kind = tr.kindOf(r);
        const port = tr.port(r);
        const s = episodeOf(tr, r);
        if (o <= O_TORN) byOutcome[o * n + s]++;
        changed[s] = 1;
        if (delta > 0) {
          addEvidence(s, port);
          if (kind === K_ACK || kind === K_MAIMON) touchRecent(s, port, tr);
        } else if (delta < 0 || o >= O_SUCCESS) {
          // O_SUCCESS or O_TRANSIT (the last two outcomes), in one test.
          removePort(s, port);
        }
        if (stored > MAX_TOTAL_PORTS) {
          sweep(tr.now);
          if (!tab.isUsed(s)) return;
        }
        check(s, tr);
      },
    },
    { timeoutMs: t.probe_timeout * 1000, idleMs: Math.max(600_000, 2 * windowMs) },
  );

  return {
    name: 'scan',
    onPacket(p: Packet): void {
      tracker.onPacket(p);
      const now = p.ts;
      if (((dirtyCount > 0 || !flushCalled) && now - lastFlush >= UPDATE_MS) || now - lastSweep >= SWEEP_MS) upkeep(now);
    },
    onTick(now: number): void {
      tracker.expire(now);
      if (dirtyCount > 0) flush(now);
      if (now - lastSweep >= SWEEP_MS) sweep(now);
    },
    finish(now: number): void {
      if (dirtyCount > 0) flush(now);
    },
    status() {
      let total = 0;
      for (let s = 0; s < n; s++) if (tab.isUsed(s)) total += probes[s];
      return {
        pairs: tab.count,
        maxPairs: tab.slots,
        probes: total,
        pendingProbes: tracker.pending(),
        probeRecords: tracker.size(),
        storedPorts: stored,
        evictedPairs: tab.evicted,
      };
    },
  };
}
