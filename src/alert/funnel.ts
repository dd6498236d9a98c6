// The alert funnel (Zeek's notice framework, base/frameworks/notice/main.zeek): every detection passes
// here to become an alert: whitelist policy, aggregation of an episode into one alert, suppression of
// repeats keyed by type and identifier and expiring by packet time, severity escalation, then fan-out
// to every sink.
//
// - One episode, one alert: a detection with the same type and key as an open alert, within that
//   type's suppression interval of the alert's last detection (or the detection's holdMs, when a
//   detector asks for a longer episode such as a slow scan), is folded in: count + 1, last_seen, the
//   newest message, details merged (arrays united, other values replaced by the newer), and sinks get
//   onUpdate. Nothing new is printed or notified for a repeat.
// - A higher severity than the open alert's is a new alert (onAlert), which then carries the episode.
//   A lower one is folded into the open alert, which keeps its severity.
// - Whitelisted sources raise no alerts at all, except BLACKLISTED_IP (the lists' own business).
// - Rate limits (alerts.rate_limit, off by default): at most `count` new alerts of a type in each
//   window of `seconds` of packet time, like Suricata's threshold "limit"; the detections that would
//   have opened more are counted, not raised (a held-back one opens no episode, so its repeats count
//   again). Repeats folded into open alerts and escalations are never limited.
// - Bounded: open episodes are capped and expire by packet time; the recent list keeps maxAlerts.
// - Final records: an alert is written when raised (onAlert) and once more when its episode closes
//   (onFinal: the same id with final: true and final_reason), so logs that only append (JSONL, text
//   log, EVE, stdout) also end with the episode's whole evidence: its suppression interval passed
//   ("timeout"), an escalation took it over ("escalated"), the cap closed it ("evicted"), closeAll() at
//   the end of the capture or at exit ("end"), or clear() ("cleared"). Every alert gets exactly one.
// No I/O, no clock: time is the detection's packet time.
import type { Settings } from '../config/schema.js';
import type { Alert, AlertSink, AlertType, Detection, Details, FinalReason, Severity } from './types.js';

export interface FunnelOptions {
  /** Suppression interval per type, ms of packet time. */
  suppressionMs: (type: AlertType) => number;
  isWhitelisted?: (ip: string) => boolean;
  /** Alerts kept for recent() (newest first). Default 1000. */
  maxAlerts?: number;
  /** Open episodes held for aggregation. Default 10000; the oldest is closed when full. */
  maxOpen?: number;
  /** Prefix of alert ids ("<prefix>-<seq>"); default: the first detection's packet time in ms. */
  idPrefix?: string;
  /** Most new alerts of a type per window (ms of packet time); null or absent: no limit. */
  rateLimit?: (type: AlertType) => { count: number; windowMs: number } | null;
}

export interface FunnelSummary {
  /** Alerts raised (not detections: a folded repeat does not count). */
  total: number;
  byType: Record<string, number>;
  bySeverity: Record<string, number>;
  bySource: Record<string, number>;
  /** New alerts not raised because their type was over its rate limit (alerts.rate_limit). */
  rateLimited: number;
}

interface Episode {
  alert: Alert;
  lastTs: number;
  /** ms after lastTs that the episode stays open. */
  holdMs: number;
}

/** Most distinct sources counted in summary().bySource; more go to "other". */
const MAX_SOURCES = 10_000;
/** Items kept in a merged array in details. */
const MAX_MERGED = 200;
const RANK: Record<Severity, number> = { LOW: 0, WARNING: 1, HIGH: 2, CRITICAL: 3 };

let isoMs = NaN;
let isoText = '';
/** Packet time as ISO 8601; the last result is reused within the same millisecond (alert storms). */
function isoTime(ms: number): string {
  const whole = Math.trunc(ms);
  if (whole !== isoMs) {
    isoText = new Date(whole).toISOString();
    isoMs = whole;
  }
  return isoText;
}

/** The rate limit function from settings: alerts.rate_limit (seconds in the settings, ms here). */
export function rateLimitFromSettings(settings: Settings): (type: AlertType) => { count: number; windowMs: number } | null {
  const per = settings.alerts.rate_limit as Partial<Record<AlertType, { count: number; seconds: number }>>;
  return (type) => {
    const r = per[type];
    return r ? { count: r.count, windowMs: r.seconds * 1000 } : null;
  };
}

/** The suppression function from settings: alerts.suppression_interval, with alerts.suppression overrides. */
export function suppressionFromSettings(settings: Settings): (type: AlertType) => number {
  const per = settings.alerts.suppression as Record<string, number>;
  const base = settings.alerts.suppression_interval;
  return (type) => 1000 * (per[type] ?? base);
}

function mergeDetails(into: Details, from: Details): Details {
  const out: Details = { ...into };
  for (const [k, v] of Object.entries(from)) {
    if (v === undefined) continue;
    const old = out[k];
    if (Array.isArray(old) && Array.isArray(v)) {
      const seen = new Set<unknown>(old.map((x) => (typeof x === 'object' ? JSON.stringify(x) : x)));
      const merged = old.slice(0, MAX_MERGED);
      for (const x of v) {
        if (merged.length >= MAX_MERGED) break;
        const id = typeof x === 'object' ? JSON.stringify(x) : x;
        if (!seen.has(id)) {
          seen.add(id);
          merged.push(x);
        }
      }
      if (merged.every((x) => typeof x === 'number')) (merged as number[]).sort((a, b) => a - b);
      out[k] = merged;
    } else {
      out[k] = v;
    }
  }
  return out;
}

export class AlertFunnel {
  private readonly opts: FunnelOptions;
  private readonly maxAlerts: number;
  private readonly maxOpen: number;
  private readonly open = new Map<string, Episode>();
  private readonly sinks: AlertSink[] = [];
  /** Newest last; trimmed to maxAlerts. */
  private list: Alert[] = [];
  private seq = 0;
  private prefix: string | undefined;
  private lastExpire = 0;
  private sum: FunnelSummary = { total: 0, byType: {}, bySeverity: {}, bySource: {}, rateLimited: 0 };
  private sources = 0;
  /** Detections folded into an existing alert, dropped by the whitelist, and sink hooks that threw. */
  folded = 0;
  whitelisted = 0;
  sinkErrors = 0;
  /** New alerts not raised because their type was over its rate limit, in all and per type. */
  rateLimited = 0;
  readonly rateLimitedByType: Record<string, number> = {};
  /** Per limited type: when its current window started (packet time) and the alerts raised in it. */
  private readonly windows = new Map<AlertType, { start: number; n: number }>();

  constructor(opts: FunnelOptions) {
    this.opts = opts;
    this.maxAlerts = opts.maxAlerts ?? 1000;
    this.maxOpen = opts.maxOpen ?? 10_000;
    this.prefix = opts.idPrefix;
  }

  addSink(s: AlertSink): void {
    this.sinks.push(s);
  }

  /** Turns a detection into a new alert or folds it into the open one; null when policy dropped it. */
  raise(d: Detection): Alert | null {
    if (d.type !== 'BLACKLISTED_IP' && d.src_ip && this.opts.isWhitelisted?.(d.src_ip)) {
      this.whitelisted++;
      return null;
    }
    const now = d.ts;
    if (now - this.lastExpire >= 1000) this.expire(now);
    const key = `${d.type}|${d.key}`;
    const hold = Math.max(this.opts.suppressionMs(d.type), d.holdMs ?? 0);
    const ep = this.open.get(key);
    if (ep && now - ep.lastTs <= ep.holdMs && RANK[d.severity] <= RANK[ep.alert.severity]) {
      const a = ep.alert;
      a.count++;
      a.last_seen = isoTime(Math.max(now, ep.lastTs));
      a.message = d.message;
      a.details = mergeDetails(a.details, d.details);
      if (a.dst_ip === undefined && d.dst_ip !== undefined) a.dst_ip = d.dst_ip;
      if (a.dst_port === undefined && d.dst_port !== undefined) a.dst_port = d.dst_port;
      if (a.src_port === undefined && d.src_port !== undefined) a.src_port = d.src_port;
      ep.lastTs = Math.max(now, ep.lastTs);
      ep.holdMs = Math.max(ep.holdMs, hold);
      this.folded++;
      this.emit(a, false);
      return a;
    }
    // New episode, or an escalation (which carries the episode's evidence forward).
    const escalatedFrom = ep !== undefined && now - ep.lastTs <= ep.holdMs ? ep.alert : undefined;
    if (escalatedFrom === undefined && this.overLimit(d.type, now)) return null;
    const alert = this.newAlert(d, escalatedFrom);
    // The escalated alert's episode ends here: its final record comes before the alert that takes over.
    if (escalatedFrom) this.emitFinal(escalatedFrom, 'escalated');
    this.open.delete(key);
    if (this.open.size >= this.maxOpen) this.evictHalf(now);
    this.open.set(key, { alert, lastTs: now, holdMs: hold });
    this.list.push(alert);
    if (this.list.length > this.maxAlerts * 2) this.list = this.list.slice(-this.maxAlerts);
    this.count(alert);
    this.emit(alert, true);
    return alert;
  }

  /** Whether a new alert of `type` at `now` is over its rate limit (and then counts it); else counts it in. */
  private overLimit(type: AlertType, now: number): boolean {
    const lim = this.opts.rateLimit?.(type);
    if (!lim) return false;
    let w = this.windows.get(type);
    if (w === undefined || now - w.start >= lim.windowMs || now < w.start) {
      w = { start: now, n: 0 };
      this.windows.set(type, w);
    }
    if (w.n >= lim.count) {
      this.rateLimited++;
      this.sum.rateLimited++;
      this.rateLimitedByType[type] = (this.rateLimitedByType[type] ?? 0) + 1;
      return true;
    }
    w.n++;
    return false;
  }

  private newAlert(d: Detection, escalatedFrom: Alert | undefined): Alert {
    if (this.prefix === undefined) this.prefix = String(Math.floor(d.ts));
    const ts = isoTime(d.ts);
    const details = escalatedFrom ? mergeDetails(escalatedFrom.details, d.details) : { ...d.details };
    if (escalatedFrom) details.escalated_from = escalatedFrom.severity;
    const a: Alert = {
      id: `${this.prefix}-${++this.seq}`,
      timestamp: ts,
      type: d.type,
      severity: d.severity,
      message: d.message,
      details,
      count: 1,
      last_seen: ts,
    };
    if (d.src_ip !== undefined) a.src_ip = d.src_ip;
    if (d.dst_ip !== undefined) a.dst_ip = d.dst_ip;
    if (d.src_port !== undefined) a.src_port = d.src_port;
    if (d.dst_port !== undefined) a.dst_port = d.dst_port;
    if (d.proto !== undefined) a.proto = d.proto;
    if (d.community_id) a.community_id = d.community_id;
    return a;
  }

  private count(a: Alert): void {
    const s = this.sum;
    s.total++;
    s.byType[a.type] = (s.byType[a.type] ?? 0) + 1;
    s.bySeverity[a.severity] = (s.bySeverity[a.severity] ?? 0) + 1;
    if (a.src_ip !== undefined) {
      if (s.bySource[a.src_ip] !== undefined || this.sources < MAX_SOURCES) {
        if (s.bySource[a.src_ip] === undefined) this.sources++;
        s.bySource[a.src_ip] = (s.bySource[a.src_ip] ?? 0) + 1;
      } else {
        s.bySource.other = (s.bySource.other ?? 0) + 1;
      }
    }
  }

  private emit(a: Alert, isNew: boolean): void {
    if (this.sinks.length === 0) return;
    // Sinks get a copy: the funnel keeps updating its own alert object as the episode grows.
    const copy: Alert = { ...a, details: { ...a.details } };
    for (const s of this.sinks) {
      try {
        if (isNew) s.onAlert?.(copy);
        else s.onUpdate?.(copy);
      } catch {
        // A broken sink must not stop detection or the other sinks.
        this.sinkErrors++;
      }
    }
  }

  /** The final record of an alert whose episode closed: a copy marked final, to every sink's onFinal. */
  private emitFinal(a: Alert, reason: FinalReason): void {
    if (this.sinks.length === 0) return;
    const copy: Alert = { ...a, details: { ...a.details }, final: true, final_reason: reason };
    for (const s of this.sinks) {
      try {
        s.onFinal?.(copy);
      } catch {
        this.sinkErrors++;
      }
    }
  }

  /** Alerts newest first (at most n; default all kept). Updated in place as their episodes grow. */
  recent(n?: number): Alert[] {
    const len = Math.min(this.list.length, this.maxAlerts);
    const k = Math.max(0, Math.min(n ?? len, len));
    const out: Alert[] = new Array(k);
    for (let i = 0; i < k; i++) out[i] = this.list[this.list.length - 1 - i];
    return out;
  }

  /** Counts since the start (or the last clear()). The returned records are live: read, don't modify. */
  summary(): FunnelSummary {
    return this.sum;
  }

  clear(): void {
    for (const ep of this.open.values()) this.emitFinal(ep.alert, 'cleared');
    this.list = [];
    this.open.clear();
    this.sum = { total: 0, byType: {}, bySeverity: {}, bySource: {}, rateLimited: 0 };
    this.sources = 0;
  }

  /** Closes episodes whose suppression interval has passed (packet time). */
  onTick(now: number): void {
    this.expire(now);
  }

  /** Closes every open episode with its final record (end of the capture, or exit); call once, at the end. */
  closeAll(): void {
    for (const ep of this.open.values()) this.emitFinal(ep.alert, 'end');
    this.open.clear();
  }

  private expire(now: number): void {
    this.lastExpire = now;
    for (const [k, ep] of this.open) {
      if (now - ep.lastTs > ep.holdMs) {
        this.open.delete(k);
        this.emitFinal(ep.alert, 'timeout');
      }
    }
  }

  /** When full: closes expired episodes, then the oldest half (amortised O(1) per new episode). */
  private evictHalf(now: number): void {
    this.expire(now);
    if (this.open.size < this.maxOpen * 0.75) return;
    let drop = Math.ceil(this.open.size / 2);
    for (const [k, ep] of this.open) {
      if (drop-- <= 0) break;
      this.open.delete(k);
      this.emitFinal(ep.alert, 'evicted');
    }
  }

  /** Open episodes (for tests, the bench and status views). */
  openEpisodes(): number {
    return this.open.size;
  }
}
