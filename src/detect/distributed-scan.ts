// DistributedScanDetector: many sources each probing part of one target's ports within a window,
// together covering a range that no single one does, raised once per target as DISTRIBUTED_SCAN naming
// the sources and the union of the ports (Snort's sfPortscan "distributed portscan", response-aware).
//
// Knobs (settings.yaml, `thresholds`):
//   distributed_ports         100   distinct ports of one target probed by all sources together
//   distributed_sources         3   sources that each probed at least distributed_source_ports of them
//   distributed_source_ports    5   ports a source must probe to count as one of the scan's sources
//   distributed_window         60   seconds: the union covers the current and the previous window
//   probe_timeout               5   seconds without an answer before a probe counts as unanswered
// "No single one": the union must be at least SHARE times the most ports any one source probed, so a
// scanner with a few stray probes from elsewhere stays a SYN_SCAN, and a decoy scan (every source the
// same ports) is a DECOY_SCAN. Per-source SYN_SCAN alerts stay where a source alone crosses port_scan.
// Caps: MAX_TARGETS targets (two 8 KiB port bitmaps each, made at a target's first evidence),
// MAX_PAIRS (source, target) pairs, the probe tracker's own cap; the oldest go first.
//
// A port counts as the probes.ts evidence does: the target refused it (RST, ICMP port unreachable), it
// went unanswered, it was answered but torn down without data, or the probe was a FIN, NULL or XMAS.
// A conversation with data never counts. IPv4 and IPv6; fragmented probes arrive reassembled.
import type { Settings } from '../config/schema.js';
import type { Packet } from '../decode/packet.js';
import type { Detector, DetectorContext, Raise } from './types.js';
import type { ProbeRecords } from './probes.js';
import * as codes from './probe-codes.js';
import { probeSource } from './shared-probes.js';
import { PORT_WORDS, countPorts, listPorts, portRanges } from './port-ranges.js';
import * as state from './state/index.js';
import { addrText, iso } from './format.js';
import { thresholds } from './thresholds.js';

// Module-local copies of the constants the packet path uses: optimized code reads an imported binding
// through its module cell and tests it for the temporal dead zone at every use (V8 does not fold it),
// and folds a local const to its value.
const { K_UDP, KIND_NAMES } = codes;
const { AddrTable, addrHash, NO_ADDR_HASH } = state;

/** Targets with port evidence. */
const MAX_TARGETS = 256;
/** (source, target) pairs with port evidence. */
const MAX_PAIRS = 4096;
/** The union must cover at least SHARE times the most ports one source probed. */
const SHARE = 1.5;
/** Most sources named in one alert. */
const MAX_NAMED = 200;
const UPDATE_MS = 1000;
const SWEEP_MS = 30_000;
/** Stands in for a window's bitmap not made yet. */
const NO_PORTS = new Uint32Array(PORT_WORDS);

export interface DistributedScanDetector extends Detector {
  status(): { targets: number; pairs: number; pendingProbes: number; probeRecords: number; evictedPairs: number };
}

export function createDistributedScanDetector(settings: Settings, raise: Raise, ctx?: DetectorContext): DistributedScanDetector {
  const k = thresholds(settings);
  const windowMs = k.distributed_window * 1000;
  const needPorts = k.distributed_ports;
  const needSources = k.distributed_sources;
  const sourcePorts = k.distributed_source_ports;

  // Targets: key (target). Port bitmaps of the current and previous window (cur[t] is 0 or 1).
  const tgt = new AddrTable(MAX_TARGETS);
  const nt = tgt.slots;
  const bitmaps: Array<Uint32Array | undefined> = new Array<Uint32Array | undefined>(nt * 2).fill(undefined);
  const cur = new Uint8Array(nt);
  const genStart = new Float64Array(nt);
  /** Ports in either window's bitmap. */
  const union = new Int32Array(nt);
  const tEpoch = new Float64Array(nt);
  const tFirst = new Float64Array(nt);
  const tLast = new Float64Array(nt);
  const tRaised = new Uint8Array(nt);
  const tLastRaise = new Float64Array(nt);
  const tLastCheck = new Float64Array(nt);
  const tChanged = new Uint8Array(nt);
  const tKinds = new Uint8Array(nt);
  let epochs = 0;
  let dirty = 0;

  // Pairs: key (source, target).
  const prs = new AddrTable(MAX_PAIRS);
  const np = prs.slots;
  const pTgt = new Int32Array(np);
  const pEpoch = new Float64Array(np);
  const pPorts = new Int32Array(np);
  const pMin = new Int32Array(np);
  const pMax = new Int32Array(np);
  const pLast = new Float64Array(np);

  let lastFlush = 0;
  /**
   * False until the first packet has called flush(), which then returns at once: the call in onPacket
   * has type feedback from the start, so the first update held back, late in a run, does not deoptimize
   * the packet path (see scan.ts) for a recompilation.
   */
  let flushCalled = false;
  let lastSweep = 0;

  const resetTarget = (t: number, now: number): void => {
    tEpoch[t] = ++epochs;
    bitmaps[2 * t]?.fill(0);
    bitmaps[2 * t + 1]?.fill(0);
    cur[t] = 0;
    genStart[t] = now;
    union[t] = 0;
    tFirst[t] = now;
    tLast[t] = now;
    tRaised[t] = 0;
    tLastRaise[t] = 0;
    tLastCheck[t] = 0;
    // tChanged is 0 or 1: uncounted without a branch, so the first changed target reset (evicted), late
    // in a run, finds type feedback (it deoptimized the evidence path that inlines this).
    dirty -= tChanged[t];
    tChanged[t] = 0;
    tKinds[t] = 0;
  };

  /** The target b (hb = addrHash(b4, b6)), made or restarted as needed. */
  const targetOf = (hb: number, b4: number, b6: string, now: number): number => {
    let t = tgt.findH(hb, NO_ADDR_HASH, b4, b6, 0, '', 0);
    if (t < 0) {
      t = tgt.insertH(hb, NO_ADDR_HASH, b4, b6, 0, '', 0);
      tgt.touched[t] = now;
      if (!tgt.replaced) tChanged[t] = 0;
      resetTarget(t, now);
    } else if (now - tLast[t] > 2 * windowMs) {
      resetTarget(t, now);
    }
    tgt.touched[t] = now;
    tLast[t] = now;
    // A new window: the current bitmap becomes the previous one.
    if (now - genStart[t] >= windowMs) {
      const old = bitmaps[2 * t + (cur[t] ^ 1)];
      old?.fill(0);
      cur[t] ^= 1;
      genStart[t] = now;
      const prev = bitmaps[2 * t + (cur[t] ^ 1)];
      union[t] = prev !== undefined ? countPorts(prev) : 0;
    }
    return t;
  };

  /** The pair (a, b) of target t (ha, hb: the addresses' addrHash), made or restarted as needed. */
  const pairOf = (ha: number, hb: number, a4: number, a6: string, b4: number, b6: string, t: number, now: number): number => {
    let s = prs.findH(ha, hb, a4, a6, b4, b6, 0);
    // A pair is stale once its target was reset or replaced, or after a window of silence. The three
    // tests are made on every call (on slot 0 when there is no pair, their answer then unused) and the
    // removal is a select (removeIf): the first stale pair, late in a run, then finds type feedback (its
    // test and its removal each deoptimized the evidence path that inlines this).
    const i = s < 0 ? 0 : s;
    const otherTarget = pTgt[i] !== t;
    const oldEpoch = pEpoch[i] !== tEpoch[t];
    const idle = now - pLast[i] > windowMs;
    const stale = s >= 0 && (otherTarget || oldEpoch || idle);
    prs.removeIf(i, stale);
    s = stale ? -1 : s;
    if (s < 0) {
      s = prs.insertH(ha, hb, a4, a6, b4, b6, 0);
      prs.touched[s] = now;
      pTgt[s] = t;
      pEpoch[s] = tEpoch[t];
      pPorts[s] = 0;
      pMin[s] = 65536;
      pMax[s] = -1;
    }
    prs.touched[s] = now;
    pLast[s] = now;
    return s;
  };

  /** Live pairs of target t, oldest first. */
  const pairsOf = (t: number, now: number): number[] => {
    const list: number[] = [];
    // The slot's target is tested first: a typed-array read that rules out nearly every slot of the
    // 4,096 before the table is asked whether the slot is in use (the same pairs, in the same order).
    const epoch = tEpoch[t];
    for (let s = 0; s < np; s++) {
      if (pTgt[s] === t && pEpoch[s] === epoch && prs.isUsed(s) && now - pLast[s] <= windowMs) list.push(s);
    }
    return prs.byAge(list);
  };

  const markChanged = (t: number): void => {
    if (tChanged[t] === 0) {
      tChanged[t] = 1;
      dirty++;
    }
  };

  /** Raises (or updates) target t's alert when its sources together qualify. */
  const check = (t: number, now: number): void => {
    if (tRaised[t] === 1) {
      if (now - tLastRaise[t] >= UPDATE_MS) report(t, pairsOf(t, now), now);
      else markChanged(t);
      return;
    }
    if (now - tLastCheck[t] < UPDATE_MS && tLastCheck[t] !== 0) {
      markChanged(t);
      return;
    }
    tLastCheck[t] = now;
    if (tChanged[t] === 1) {
      tChanged[t] = 0;
      dirty--;
    }
    const list = pairsOf(t, now);
    let sources = 0;
    let most = 0;
    for (const s of list) {
      if (pPorts[s] >= sourcePorts) sources++;
      if (pPorts[s] > most) most = pPorts[s];
    }
    if (sources >= needSources && union[t] >= SHARE * most) report(t, list, now);
  };

  const report = (t: number, list: number[], now: number): void => {
    tRaised[t] = 1;
    tLastRaise[t] = now;
    if (tChanged[t] === 1) {
      tChanged[t] = 0;
      dirty--;
    }
    const target = addrText(tgt.a4(t), tgt.a6(t));
    const a = bitmaps[2 * t] ?? NO_PORTS;
    const b = bitmaps[2 * t + 1];
    const named = list.filter((s) => pPorts[s] >= sourcePorts).slice(0, MAX_NAMED);
    const sources: string[] = [];
    const perSource: Record<string, string> = {};
    let most = 0;
    let mostBy = '';
    for (const s of named) {
      const ip = addrText(prs.a4(s), prs.a6(s));
      sources.push(ip);
      perSource[ip] = `${pPorts[s]} ports (${pMin[s]}-${pMax[s]})`;
      if (pPorts[s] > most) {
        most = pPorts[s];
        mostBy = ip;
      }
    }
    const kinds: string[] = [];
    for (let kd = 0; kd < 8; kd++) if (tKinds[t] & (1 << kd)) kinds.push(KIND_NAMES[kd]);
    const onlyUdp = tKinds[t] === 1 << K_UDP;
    const ranges = portRanges(a, b);
    raise({
      type: 'DISTRIBUTED_SCAN',
      severity: 'HIGH',
      message: `Distributed scan against ${target}: ${sources.length} sources together probed ${union[t]} ports (${portRanges(a, b, 4)}); the most any one probed: ${most} (${mostBy})`,
      ts: now,
      key: target,
      dst_ip: target,
      proto: onlyUdp ? 'UDP' : 'TCP',
      details: {
        target,
        sources,
        source_count: sources.length,
        per_source: perSource,
        ports_seen: union[t],
        port_ranges: ranges,
        ports: listPorts(a, b, 100),
        largest_share: most,
        probe_types: kinds,
        window_s: k.distributed_window,
        first_seen: iso(tFirst[t]),
        last_seen: iso(now),
      },
    });
  };

  /** A probe's evidence changed (delta); its time is tr.now, read here rather than passed (see upkeep). */
  const evidence = (tr: ProbeRecords, r: number, delta: number): void => {
    const now = tr.now;
    const b4 = tr.dst4(r);
    const b6 = tr.dst6(r);
    const a4 = tr.src4(r);
    const a6 = tr.src6(r);
    // Each address hashed once for its four lookups and inserts (an IPv6 text's hash is a loop).
    const ha = addrHash(a4, a6);
    const hb = addrHash(b4, b6);
    const t = targetOf(hb, b4, b6, now);
    const s = pairOf(ha, hb, a4, a6, b4, b6, t, now);
    // Data flowed after all (delta < 0): a conversation, not a probe (the union keeps the port). The
    // decrement is made on every call, by 0 unless withdrawn, so the first withdrawal, seconds into a
    // run, finds type feedback (it deoptimized this).
    const counted = pPorts[s] > 0;
    const withdrawn = delta < 0;
    pPorts[s] -= withdrawn && counted ? 1 : 0;
    if (withdrawn) return;
    const port = tr.port(r);
    pPorts[s]++;
    if (port < pMin[s]) pMin[s] = port;
    if (port > pMax[s]) pMax[s] = port;
    if (pPorts[s] >= sourcePorts) prs.setPin(s, 1);
    tKinds[t] |= 1 << tr.kindOf(r);
    const gi = 2 * t + cur[t];
    let bits = bitmaps[gi];
    if (bits === undefined) bits = bitmaps[gi] = new Uint32Array(PORT_WORDS);
    const w = port >>> 5;
    const m = 1 << (port & 31);
    if ((bits[w] & m) === 0) {
      bits[w] |= m;
      const prev = bitmaps[2 * t + (cur[t] ^ 1)];
      if (prev === undefined || (prev[w] & m) === 0) union[t]++;
    }
    if (union[t] >= needPorts) check(t, now);
  };

  const tracker = probeSource(
    ctx,
    {
      evidenceOnly: true,
      onOutcome(tr, r, _o, delta) {
        if (delta !== 0) evidence(tr, r, delta);
      },
    },
    { timeoutMs: k.probe_timeout * 1000, idleMs: Math.max(600_000, 2 * windowMs) },
  );

  const flush = (now: number): void => {
    flushCalled = true;
    if (dirty === 0) return;
    lastFlush = now;
    for (let t = 0; t < nt && dirty > 0; t++) {
      if (tChanged[t] === 1 && tgt.isUsed(t)) {
        if (tRaised[t] === 1) {
          if (now - tLastRaise[t] >= UPDATE_MS) report(t, pairsOf(t, now), now);
        } else if (now - tLastCheck[t] >= UPDATE_MS) {
          check(t, now);
        }
      }
    }
  };

  /**
   * onPacket's once-a-second work behind one call: a number argument is boxed into a heap number, and V8
   * boxes a value passed in two branches once ahead of both, on every packet; passed once, only when due.
   */
  const upkeep = (now: number): void => {
    if ((dirty > 0 || !flushCalled) && now - lastFlush >= UPDATE_MS) flush(now);
    if (now - lastSweep >= SWEEP_MS) sweep(now);
  };

  const sweep = (now: number): void => {
    lastSweep = now;
    if (prs.count > 0) {
      for (let s = 0; s < np; s++) if (prs.isUsed(s) && now - pLast[s] > 2 * windowMs) prs.remove(s);
    }
    if (tgt.count > 0) {
      for (let t = 0; t < nt; t++) {
        if (tgt.isUsed(t) && now - tLast[t] > 2 * windowMs) {
          if (tChanged[t] === 1) {
            tChanged[t] = 0;
            dirty--;
          }
          tgt.remove(t);
        }
      }
    }
  };

  return {
    name: 'distributed-scan',
    onPacket(p: Packet): void {
      tracker.onPacket(p);
      const now = p.ts;
      if (((dirty > 0 || !flushCalled) && now - lastFlush >= UPDATE_MS) || now - lastSweep >= SWEEP_MS) upkeep(now);
    },
    onTick(now: number): void {
      tracker.expire(now);
      if (dirty > 0) flush(now);
      if (now - lastSweep >= SWEEP_MS) sweep(now);
    },
    finish(now: number): void {
      // The updates flush() holds back for UPDATE_MS, raised now so the final record has them.
      for (let t = 0; t < nt && dirty > 0; t++) if (tChanged[t] === 1 && tgt.isUsed(t) && tRaised[t] === 1) report(t, pairsOf(t, now), now);
    },
    status() {
      return { targets: tgt.count, pairs: prs.count, pendingProbes: tracker.pending(), probeRecords: tracker.size(), evictedPairs: prs.evicted };
    },
  };
}
