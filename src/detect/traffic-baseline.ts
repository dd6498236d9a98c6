// TrafficBaseline: learns the normal packet and byte rates (per-second samples over a rolling window,
// overall and per protocol) and raises TRAFFIC_SURGE and TCP_SURGE / UDP_SURGE / ICMP_SURGE when the
// current second's rate stands several standard deviations above the mean.
//
// Knobs (settings.yaml, `thresholds`):
//   baseline_window   300        seconds of per-second samples learned (a rolling window); no surge
//                                alerts until it has filled once (the learning phase, menu option 20)
//   surge_sigma         3        standard deviations above the mean that make a surge
//   surge_min_pps     100        ...and the packet rate must exceed the mean by at least this much
//   surge_min_bps   1000000      ...and a byte-rate surge must exceed the mean by at least this much
//
// The floors keep a quiet, flat baseline (standard deviation near 0) from calling a handful of extra
// packets a surge. Detection happens inside the second, as soon as the running count crosses the
// limit, not when the second ends. Seconds that surged are kept out of the baseline (so a long flood
// does not become normal), unless the surge lasts a full minute, after which the new level is learned.
// Quiet seconds (no packets) are zero samples, filled in from packet time. Memory is fixed: one ring
// of samples per metric. Severity WARNING.
import type { Settings } from '../config/schema.js';
import type { BaselineStatus } from '../engine/types.js';
import type { Packet } from '../decode/packet.js';
import * as packet from '../decode/packet.js';
import type { AlertType } from '../alert/types.js';
import type { Detector, Raise } from './types.js';
import { iso } from './format.js';
import { thresholds } from './thresholds.js';

// The packet constants (and helpers) as this module's own consts: V8's optimizing compiler folds a
// module's const into the code, but reads an imported binding from its cell and tests it for the hole at
// every use (six or so instructions each, on every packet).
const { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } = packet;

/** Metrics: overall packets, overall bytes, then packets per protocol. */
const M_PPS = 0;
const M_BPS = 1;
const M_TCP = 2;
const M_UDP = 3;
const M_ICMP = 4;
const METRICS = 5;
const METRIC_TYPES: AlertType[] = ['TRAFFIC_SURGE', 'TRAFFIC_SURGE', 'TCP_SURGE', 'UDP_SURGE', 'ICMP_SURGE'];
const METRIC_NAMES = ['packets/s', 'bytes/s', 'TCP packets/s', 'UDP packets/s', 'ICMP packets/s'];
/** Consecutive surge seconds after which the new level is learned after all. */
const ADAPT_AFTER = 60;

export interface TrafficBaseline extends Detector {
  /** Learning status and the learned means and deviations, for the menu (option 20) and the dashboard. */
  baseline(): BaselineStatus;
  status(): BaselineStatus & Record<string, unknown>;
}

export function createTrafficBaseline(settings: Settings, raise: Raise): TrafficBaseline {
  const t = thresholds(settings);
  const windowSec = Math.max(1, Math.round(t.baseline_window));
  const ring = Array.from({ length: METRICS }, () => new Float64Array(windowSec));
  let ringPos = 0;
  let samples = 0;
  const mean = new Float64Array(METRICS);
  const sd = new Float64Array(METRICS);
  const limit = new Float64Array(METRICS).fill(Infinity);
  const cur = new Float64Array(METRICS);
  const surged = new Uint8Array(METRICS);
  const peak = new Float64Array(METRICS);
  let curSec = -1;
  /**
   * Packet time below which a packet is surely still in second curSec (a millisecond short of the next
   * second, as now / 1000 rounds): only from here on does onPacket divide and floor to find its second.
   */
  let sameSecBelow = -Infinity;
  let surgeRun = 0;
  let learnedAt = 0;

  const recompute = (): void => {
    const n = Math.min(samples, windowSec);
    for (let m = 0; m < METRICS; m++) {
      const r = ring[m];
      let s = 0;
      for (let i = 0; i < n; i++) s += r[i];
      const mu = n ? s / n : 0;
      let v = 0;
      for (let i = 0; i < n; i++) v += (r[i] - mu) * (r[i] - mu);
      mean[m] = mu;
      sd[m] = n > 1 ? Math.sqrt(v / (n - 1)) : 0;
      const floor = m === M_BPS ? t.surge_min_bps : t.surge_min_pps;
      limit[m] = samples >= windowSec ? mu + Math.max(t.surge_sigma * sd[m], floor) : Infinity;
    }
  };

  const push = (vals: Float64Array | null): void => {
    for (let m = 0; m < METRICS; m++) ring[m][ringPos] = vals ? vals[m] : 0;
    ringPos = (ringPos + 1) % windowSec;
    samples++;
  };

  /** Closes the current second and any silent seconds up to `sec`. */
  const advance = (sec: number, now: number): void => {
    if (curSec < 0) {
      curSec = sec;
      sameSecBelow = (sec + 1) * 1000 - 1;
      return;
    }
    if (sec <= curSec) return;
    const before = samples;
    const wasSurge = surged.some((x) => x === 1);
    surgeRun = wasSurge ? surgeRun + 1 : 0;
    if (!wasSurge || surgeRun >= ADAPT_AFTER) push(cur);
    const gap = Math.min(sec - curSec - 1, windowSec);
    for (let i = 0; i < gap; i++) push(null);
    recompute();
    if (before < windowSec && samples >= windowSec) learnedAt = now;
    for (let m = 0; m < METRICS; m++) if (!surged[m]) peak[m] = 0;
    cur.fill(0);
    surged.fill(0);
    curSec = sec;
    sameSecBelow = (sec + 1) * 1000 - 1;
  };

  /** A metric's count is over its limit: the peak, and the second's detection when it is the first. */
  /** Metric m is over its limit in p's second; takes the packet for its time (see onPacket). */
  const over = (m: number, p: Packet): void => {
    const now = p.ts;
    if (cur[m] > peak[m]) peak[m] = cur[m];
    // One detection per metric per second; the funnel folds consecutive seconds into one alert.
    if (surged[m]) return;
    surged[m] = 1;
    const proto = m >= M_TCP ? METRIC_TYPES[m].slice(0, -6) : undefined;
    raise({
      type: METRIC_TYPES[m],
      severity: 'WARNING',
      message: `${proto ? `${proto} traffic` : 'Traffic'} surge: ${Math.round(cur[m])} ${METRIC_NAMES[m]} within one second, baseline ${Math.round(mean[m])} ± ${Math.round(sd[m])}`,
      ts: now,
      key: proto ?? 'all',
      proto,
      details: {
        metric: METRIC_NAMES[m],
        rate: Math.round(cur[m]),
        peak_rate: Math.round(peak[m]),
        baseline_mean: Math.round(mean[m] * 100) / 100,
        baseline_stddev: Math.round(sd[m] * 100) / 100,
        limit: Math.round(limit[m]),
        sigma: sd[m] > 0 ? Math.round(((cur[m] - mean[m]) / sd[m]) * 10) / 10 : null,
        second: iso(Math.floor(now / 1000) * 1000),
      },
    });
  };

  const baseline = (): BaselineStatus => {
    const n = Math.min(samples, windowSec);
    return {
      learning: samples < windowSec,
      progress: Math.min(1, samples / windowSec),
      windowSec,
      samples: n,
      mean: { pps: mean[M_PPS], bps: mean[M_BPS] },
      stddev: { pps: sd[M_PPS], bps: sd[M_BPS] },
      perProto: {
        TCP: { mean: mean[M_TCP], stddev: sd[M_TCP] },
        UDP: { mean: mean[M_UDP], stddev: sd[M_UDP] },
        ICMP: { mean: mean[M_ICMP], stddev: sd[M_ICMP] },
      },
    };
  };

  return {
    name: 'traffic-baseline',
    // advance and over are called only when they have something to do (a new second, a count over its
    // limit): each call passed them the packet time, a double V8 boxes into a new heap number for a
    // function it does not inline, four times a packet. over reads the time from the packet: a number
    // passed in several branches is boxed once ahead of them all, on every packet.
    onPacket(p: Packet): void {
      const now = p.ts;
      if (now >= sameSecBelow) {
        const sec = Math.floor(now / 1000);
        if (sec > curSec) advance(sec, now);
      }
      cur[M_PPS]++;
      cur[M_BPS] += p.len;
      if (cur[M_PPS] > limit[M_PPS]) over(M_PPS, p);
      if (cur[M_BPS] > limit[M_BPS]) over(M_BPS, p);
      const proto = p.ipProto;
      if (p.ipVersion) {
        const m =
          proto === IPPROTO_TCP ? M_TCP : proto === IPPROTO_UDP ? M_UDP : proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6 ? M_ICMP : -1;
        if (m >= 0) {
          cur[m]++;
          if (cur[m] > limit[m]) over(m, p);
        }
      }
    },
    onTick(now: number): void {
      advance(Math.floor(now / 1000), now);
    },
    baseline,
    status() {
      return { ...baseline(), learnedAt: learnedAt ? iso(learnedAt) : null };
    },
  };
}
