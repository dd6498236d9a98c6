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
// - Storm control (storm.ts; alerts.rate_limit, alerts.storm_control): beyond a type's budget of new
//   alerts per window of packet time, a new alert is folded into that type's storm alert instead of
//   being raised; sinks with onFolded still see it (reputation, history). The storm alert is raised once,
//   complete, when its window ends (or at flushStorms(), the end of the run). A folded alert's episode
//   stays open as usual, so its repeats fold (into the storm) exactly as they would have into it;
//   escalations of raised alerts are never folded.
// - Bounded: open episodes are capped and expire by packet time; the recent list keeps maxAlerts.
// - Final records: an alert is written when raised (onAlert) and once more when its episode closes
//   (onFinal: the same id with final: true and final_reason), so logs that only append (JSONL, text
//   log, EVE, stdout) also end with the episode's whole evidence: its suppression interval passed
//   ("timeout"), an escalation took it over ("escalated"), the cap closed it ("evicted"), closeAll() at
//   the end of the capture or at exit ("end"), or clear() ("cleared"). Every alert gets exactly one.
// No I/O, no clock: time is the detection's packet time.
import type { Settings } from '../config/schema.js';
import { StormControl, type StormBudget, type StormCounts } from './storm.js';
import { OrderedTable } from './ordered-table.js';
import { TextFilter } from './text-filter.js';
import type { Alert, AlertSink, AlertType, Detection, Details, FinalReason, FoldNew, Severity } from './types.js';

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
  /** Storm control: a type's budget of new alerts per window (ms of packet time); null or absent: none. */
  rateLimit?: (type: AlertType) => StormBudget | null;
  /** Sources, ports and flows listed (each) in a storm alert; default 10. */
  stormSample?: number;
}

export interface FunnelSummary {
  /** Alerts raised (not detections: a folded repeat does not count). */
  total: number;
  byType: Record<string, number>;
  bySeverity: Record<string, number>;
  bySource: Record<string, number>;
  /** New alerts folded into storm alerts (not raised on their own), in all, per type, and the storm alerts. */
  storm: StormCounts;
}

interface Episode {
  /** Its key in the open episodes (the detection's key, tagged with its type), so a sweep over them can delete it. */
  key: string;
  type: AlertType;
  /** episodeHash(key, type) (an int32: kept in a small-integer field, not a boxed number), which the open episodes take with the key. */
  hash: number;
  alert: Alert;
  lastTs: number;
  /** ms after lastTs that the episode stays open. */
  holdMs: number;
  /** Set when the episode's alert was folded into a storm (then `alert` is the storm alert): its severity. */
  folded: Severity | undefined;
}

/**
 * The spare episodes of a new funnel: an array V8 already holds as an array of objects (an empty literal holds
 * small integers until the first object goes in, and that change of its hidden class, at the cap's first
 * eviction deep into a storm, threw away the optimized code that takes spare episodes out of it), with one
 * spare in it, so that the first episode opened is a spare filled in: the code that fills one in has run before
 * V8 compiles the fold path, where it was first reached after the cap's first eviction and threw that code away.
 */
function episodeArray(): Episode[] {
  // lastTs a double (-0.5), as the packet times it will hold are: the spare's fields start in the
  // representation a filled-in episode needs, so filling it in changes no hidden class.
  return [{ key: '', type: 'SUSPICIOUS_PORT', hash: 0, alert: null as unknown as Alert, lastTs: -0.5, holdMs: 0, folded: undefined }];
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

/** The storm budgets from settings: alerts.rate_limit (seconds there, ms here), none if alerts.storm_control is off. */
export function rateLimitFromSettings(settings: Settings): (type: AlertType) => StormBudget | null {
  const per = settings.alerts.rate_limit as Partial<Record<AlertType, { count: number; seconds: number } | false>>;
  const on = settings.alerts.storm_control;
  // One budget object per type, made once: storm control asks for it at every new alert of the type.
  const made = new Map<AlertType, StormBudget | null>();
  return (type) => {
    let b = made.get(type);
    if (b === undefined) {
      const r = per[type];
      b = on && r ? { count: r.count, windowMs: r.seconds * 1000 } : null;
      made.set(type, b);
    }
    return b;
  };
}

/** The suppression function from settings: alerts.suppression_interval, with alerts.suppression overrides. */
export function suppressionFromSettings(settings: Settings): (type: AlertType) => number {
  const per = settings.alerts.suppression as Record<string, number>;
  const base = settings.alerts.suppression_interval;
  // Made once per type: the funnel asks at every detection and every folded alert, and a load from the
  // record by a type that changes from call to call was one of V8's megamorphic keyed loads.
  const made = new Map<AlertType, number>();
  return (type) => {
    let ms = made.get(type);
    if (ms === undefined) {
      ms = 1000 * (per[type] ?? base);
      made.set(type, ms);
    }
    return ms;
  };
}

/**
 * A copy of an alert (fields in one order, so every copy has one shape: an object spread of alerts with
 * different optional fields made V8 go through dictionary mode). It shares the details object: the funnel
 * never changes an alert's details in place once the alert is out, it replaces them (mergeDetails and the
 * storm alerts build new ones), so a copy's details stay as they were when it was made.
 */
function copyAlert(a: Alert, final?: FinalReason): Alert {
  const { src_ip, dst_ip, src_port, dst_port, proto, community_id } = a;
  if (src_ip !== undefined && dst_ip !== undefined && src_port !== undefined && dst_port !== undefined && proto !== undefined) {
    // An alert about one flow (most are): the copy made whole in one literal, keys in the same order. Built
    // field by field, a copy grew its out-of-object properties in steps (another allocation each), and a
    // final record two more.
    const { id, timestamp, type, severity, message, details, count, last_seen } = a;
    if (community_id === undefined) {
      if (final === undefined) return { id, timestamp, type, severity, message, details, count, last_seen, src_ip, dst_ip, src_port, dst_port, proto };
      return { id, timestamp, type, severity, message, details, count, last_seen, src_ip, dst_ip, src_port, dst_port, proto, final: true, final_reason: final };
    }
    if (final === undefined) return { id, timestamp, type, severity, message, details, count, last_seen, src_ip, dst_ip, src_port, dst_port, proto, community_id };
    return { id, timestamp, type, severity, message, details, count, last_seen, src_ip, dst_ip, src_port, dst_port, proto, community_id, final: true, final_reason: final };
  }
  const c: Alert = {
    id: a.id,
    timestamp: a.timestamp,
    type: a.type,
    severity: a.severity,
    message: a.message,
    details: a.details,
    count: a.count,
    last_seen: a.last_seen,
  };
  if (a.src_ip !== undefined) c.src_ip = a.src_ip;
  if (a.dst_ip !== undefined) c.dst_ip = a.dst_ip;
  if (a.src_port !== undefined) c.src_port = a.src_port;
  if (a.dst_port !== undefined) c.dst_port = a.dst_port;
  if (a.proto !== undefined) c.proto = a.proto;
  if (a.community_id !== undefined) c.community_id = a.community_id;
  if (final !== undefined) {
    c.final = true;
    c.final_reason = final;
  }
  return c;
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

/**
 * An episode key as one flat string. A raise site's key made by concatenation is a rope (V8's cons strings of
 * addresses and ports), and the open episodes keep their keys: each rope's every node lived as long as its
 * episode, most of what an alert storm's young-generation collections copied. Reading a character makes V8
 * flatten the rope into one string (the rope's other nodes are then garbage, collected young).
 */
function flatKey(k: string): string {
  k.charCodeAt(0);
  return k;
}

/**
 * The open episodes' hash of a key with its type (the table's tag): the key's, with the type's length mixed
 * in, so that one key under two types (a connection's SQL injection and traversal) seldom shares a probe chain.
 */
function episodeHash(key: string, type: AlertType): number {
  return OrderedTable.hash(key) ^ Math.imul(type.length, 0x9e3779b1);
}

/** A Detection with every field present, for foldNew to fill in (one shape for all of them). */
function newScratch(): Detection {
  return {
    type: 'SUSPICIOUS_PORT',
    severity: 'LOW',
    message: '',
    ts: 0,
    key: '',
    src_ip: undefined,
    dst_ip: undefined,
    src_port: undefined,
    dst_port: undefined,
    proto: undefined,
    details: { rule: undefined } satisfies ScratchDetails,
    community_id: undefined,
  };
}

/** The details of foldNew's detections: only what storm control reads of them, a custom rule's name. */
interface ScratchDetails extends Details {
  rule: string | undefined;
}

/**
 * Alerts per source for summary().bySource: counted in a Map (a miss in a record of 10,000 keys, every source
 * past them in an alert storm, went through V8's slow path, about 2 us each), and the record made from it
 * when it is asked for (a store into a record of thousands of keys was the dearest line of counting a
 * source). The record is one object, brought up to date in place: keys in the order sources were first
 * counted, "other" (sources past MAX_SOURCES) after them.
 */
class SourceCounts {
  readonly counts = new Map<string, number>();
  other = 0;
  /** Counted since the record was last brought up to date. */
  stale = false;
  private readonly rec: Record<string, number> = {};

  record(): Record<string, number> {
    if (this.stale) {
      const rec = this.rec;
      for (const [ip, n] of this.counts) rec[ip] = n;
      if (this.other > 0) rec.other = this.other;
      this.stale = false;
    }
    return this.rec;
  }
}

export class AlertFunnel {
  private readonly opts: FunnelOptions;
  private readonly maxAlerts: number;
  private readonly maxOpen: number;
  /**
   * The open episodes by key, oldest first (see OrderedTable: in an alert storm every new alert adds one and
   * the cap deletes thousands at a time, and a Map of that size cost 0.3-1 us per operation).
   */
  private readonly open = new OrderedTable<Episode>();
  /**
   * Episodes the cap or a sweep closed, for new episodes to reuse: in an alert storm every folded alert opened
   * one, and the cap closed half of them every few thousand, each an object that had lived through a young
   * collection or two on its way to the old generation. At most maxOpen are kept.
   */
  private readonly spareEpisodes: Episode[] = episodeArray();
  private readonly sinks: AlertSink[] = [];
  /** Newest last; trimmed to maxAlerts. */
  private list: Alert[] = [];
  private seq = 0;
  private prefix: string | undefined;
  private lastExpire = 0;
  private readonly storm: StormControl;
  /** The sinks with an onFolded hook (the reputation score, the history), called per folded alert. */
  private readonly foldSinks: AlertSink[] = [];
  /** The sinks with an onTick hook (the history, when it paces its writes by packet time). */
  private readonly tickSinks: AlertSink[] = [];
  private flowIds: ((d: Detection) => void) | null = null;
  /** Alerts that got a key after newAlert made them (a later detection filled in a port or address). */
  private readonly lateKeys = new WeakSet<Alert>();
  private sum: FunnelSummary;
  /** The counts of summary().bySource (see SourceCounts). */
  private sources = new SourceCounts();
  /** The sources in sourceCounts, asked before it once it is full (see TextFilter). */
  private readonly sourceFilter = new TextFilter();
  /** The source countSource counted last and its count there (-1: counted in "other"). */
  private lastSource: string | undefined;
  private lastSourceCount = 0;
  /**
   * No open episode ends before this packet time (lastTs + holdMs of each is at least this): a lower bound,
   * exact after a sweep; an episode's repeats only move its end later, so it stays one until the next sweep.
   */
  private endsFrom = Infinity;
  /**
   * The detections foldNew hands to storm control and the fold sinks (they read one during the call only),
   * one per depth: a fold sink's promotion (the reputation's MALICIOUS_IP) may fold again while they read.
   */
  private readonly scratch: Detection[] = [];
  private depth = 0;
  /** foldNew bound to this funnel, for raise sites (see FoldNew). */
  readonly foldNew: FoldNew = (type, severity, ts, key, src, dst, srcPort, dstPort, proto, rule) => this.tryFold(type, severity, ts, key, src, dst, srcPort, dstPort, proto, rule);
  /** Detections folded into an existing alert, dropped by the whitelist, and sink hooks that threw. */
  folded = 0;
  whitelisted = 0;
  sinkErrors = 0;

  constructor(opts: FunnelOptions) {
    this.opts = opts;
    this.maxAlerts = opts.maxAlerts ?? 1000;
    this.maxOpen = opts.maxOpen ?? 10_000;
    this.prefix = opts.idPrefix;
    this.storm = new StormControl({
      budget: opts.rateLimit ?? (() => null),
      sample: opts.stormSample,
      newId: (ts) => this.nextId(ts),
      complete: (d) => this.flowIds?.(d),
    });
    this.sum = this.emptySummary();
  }

  private emptySummary(): FunnelSummary {
    const sources = this.sources;
    // The getter defined on a plain object, as storm control's counts are (see countsOf in storm.ts): an
    // object literal with a getter is in dictionary mode, and count() updates this one at every alert raised.
    const sum = { total: 0, byType: {}, bySeverity: {} } as FunnelSummary;
    Object.defineProperty(sum, 'bySource', {
      get(): Record<string, number> {
        return sources.record();
      },
      enumerable: true,
      configurable: true,
    });
    sum.storm = this.storm.counts;
    return sum;
  }

  private nextId(ts: number): string {
    if (this.prefix === undefined) this.prefix = String(Math.floor(ts));
    return `${this.prefix}-${++this.seq}`;
  }

  /**
   * Fills in a detection's flow ids (community_id) when the funnel makes an alert of it or samples its
   * flow in a storm alert; the engine sets it. A detection folded into an alert or a storm needs none,
   * and in an alert storm a SHA-1 per detection was a tenth of the time.
   */
  setFlowIds(fill: (d: Detection) => void): void {
    this.flowIds = fill;
  }

  addSink(s: AlertSink): void {
    if (s.onFolded) this.foldSinks.push(s);
    if (s.onTick) this.tickSinks.push(s);
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
    const key = flatKey(d.key);
    const hold = Math.max(this.opts.suppressionMs(d.type), d.holdMs ?? 0);
    const hash = episodeHash(key, d.type);
    const ep = this.open.get(key, hash, d.type);
    const live = ep !== undefined && now - ep.lastTs <= ep.holdMs;
    if (live && RANK[d.severity] <= RANK[ep.folded ?? ep.alert.severity]) {
      const a = ep.alert;
      if (ep.folded !== undefined) {
        // A repeat of an alert that was folded into a storm: counted there, as it would have been here.
        ep.lastTs = Math.max(now, ep.lastTs);
        ep.holdMs = Math.max(ep.holdMs, hold);
        this.folded++;
        this.storm.repeat(a, now);
        return a;
      }
      a.count++;
      a.last_seen = isoTime(Math.max(now, ep.lastTs));
      a.message = d.message;
      a.details = mergeDetails(a.details, d.details);
      if ((a.dst_ip === undefined && d.dst_ip !== undefined) || (a.dst_port === undefined && d.dst_port !== undefined) || (a.src_port === undefined && d.src_port !== undefined)) {
        // Added after the alert was made, these keys come last in it (and in its final record's JSON).
        this.lateKeys.add(a);
        if (a.dst_ip === undefined && d.dst_ip !== undefined) a.dst_ip = d.dst_ip;
        if (a.dst_port === undefined && d.dst_port !== undefined) a.dst_port = d.dst_port;
        if (a.src_port === undefined && d.src_port !== undefined) a.src_port = d.src_port;
      }
      ep.lastTs = Math.max(now, ep.lastTs);
      ep.holdMs = Math.max(ep.holdMs, hold);
      this.folded++;
      this.emit(a, false);
      return a;
    }
    // New episode, or an escalation (which carries the episode's evidence forward).
    const escalatedFrom = live && ep.folded === undefined ? ep.alert : undefined;
    if (escalatedFrom === undefined && !this.storm.admit(d.type, now)) return this.foldIntoStorm(d, key, d.type, hash, hold, now, ep === undefined);
    // Whether `key` is still known to have no episode when this one opens (no Map delete needed then).
    let absent = ep === undefined;
    // admit() may have ended the type's window: its storm alert goes out before this new alert. Its sinks
    // may raise (a reputation promotion): after that the key is looked up again by the delete.
    for (const a of this.storm.takeFinished()) {
      this.raised(a);
      absent = false;
    }
    const alert = this.newAlert(d, escalatedFrom);
    // The escalated alert's episode ends here: its final record comes before the alert that takes over.
    if (escalatedFrom) this.emitFinal(escalatedFrom, 'escalated');
    this.openEpisode(this.episode(key, d.type, hash, alert, now, hold, undefined), absent, now);
    this.raised(alert);
    return alert;
  }

  /**
   * FoldNew: a new detection over its type's budget, folded from its facts as raise() would fold its
   * Detection (the same checks in the same order, the same storm, episode, counts and fold sinks), so the
   * raise site need not make one. Anything else (within budget, a whitelisted source, an episode open for
   * its key: a repeat or an escalation) is left to raise(): false, and nothing changed.
   */
  private tryFold(
    type: AlertType,
    severity: Severity,
    ts: number,
    key: string,
    src: string | undefined,
    dst: string | undefined,
    srcPort: number | undefined,
    dstPort: number | undefined,
    proto: string | undefined,
    rule: string | undefined,
  ): boolean {
    if (!this.storm.spent(type, ts)) return false;
    if (type !== 'BLACKLISTED_IP' && src && this.opts.isWhitelisted?.(src)) return false;
    if (ts - this.lastExpire >= 1000) this.expire(ts);
    const k = flatKey(key);
    const hash = episodeHash(k, type);
    const ep = this.open.get(k, hash, type);
    // A live episode: a repeat or an escalation, raise()'s business. An ended one not swept yet is replaced, as raise() does.
    if (ep !== undefined && ts - ep.lastTs <= ep.holdMs) return false;
    const d = this.scratch[this.depth] ?? (this.scratch[this.depth] = newScratch());
    d.type = type;
    d.severity = severity;
    d.ts = ts;
    d.key = k;
    d.src_ip = src;
    d.dst_ip = dst;
    d.src_port = srcPort;
    d.dst_port = dstPort;
    d.proto = proto;
    d.community_id = undefined;
    (d.details as ScratchDetails).rule = rule;
    this.depth++;
    try {
      // No episode had the key: one Map operation less (a miss in a table of thousands, per folded alert).
      this.foldIntoStorm(d, k, type, hash, this.opts.suppressionMs(type), ts, ep === undefined);
    } finally {
      this.depth--;
    }
    return true;
  }

  /**
   * Opens `ep` for its key and type, replacing (at the end of the order) any episode they had, ended or
   * escalated. `absent`: the caller has just found no episode for them (no delete to make).
   */
  private openEpisode(ep: Episode, absent: boolean, now: number): void {
    const key = ep.key;
    if (!absent) this.open.delete(key, ep.hash, ep.type);
    // The key is not held now: added without a lookup, unless the cap closed episodes first (their final
    // records went to the sinks, and a sink may have raised again).
    if (this.open.size >= this.maxOpen) {
      this.evictHalf(now);
      this.open.set(key, ep, ep.hash, ep.type);
    } else this.open.add(key, ep, ep.hash, ep.type);
    if (ep.lastTs + ep.holdMs < this.endsFrom) this.endsFrom = ep.lastTs + ep.holdMs;
  }

  /** An episode object: a spare one (see spareEpisodes) filled in, or a new one. */
  private episode(key: string, type: AlertType, hash: number, alert: Alert, lastTs: number, holdMs: number, folded: Severity | undefined): Episode {
    const ep = this.spareEpisodes.pop();
    if (ep === undefined) return { key, type, hash, alert, lastTs, holdMs, folded };
    ep.key = key;
    ep.type = type;
    ep.hash = hash;
    ep.alert = alert;
    ep.lastTs = lastTs;
    ep.holdMs = holdMs;
    ep.folded = folded;
    return ep;
  }

  /** An episode deleted from `open` and closed: kept for reuse (nothing else holds it once closed() returns). */
  private spare(ep: Episode): void {
    if (this.spareEpisodes.length < this.maxOpen) this.spareEpisodes.push(ep);
  }

  private raised(alert: Alert): void {
    this.list.push(alert);
    if (this.list.length > this.maxAlerts * 2) this.list = this.list.slice(-this.maxAlerts);
    this.count(alert);
    this.emit(alert, true);
  }

  /** A new alert over its type's budget: into the storm alert (raised when its window ends), episode kept. */
  private foldIntoStorm(d: Detection, key: string, type: AlertType, hash: number, hold: number, now: number, absent: boolean): Alert {
    const alert = this.storm.fold(d);
    this.openEpisode(this.episode(key, type, hash, alert, now, hold, d.severity), absent, now);
    if (d.src_ip !== undefined) this.countSource(d.src_ip);
    for (let i = 0; i < this.foldSinks.length; i++) {
      try {
        this.foldSinks[i].onFolded!(d, alert);
      } catch {
        this.sinkErrors++;
      }
    }
    return alert;
  }

  /** Raises the storm alerts whose window has ended, then emits later changes of raised ones as updates. */
  private emitStorms(): void {
    for (const a of this.storm.takeFinished()) this.raised(a);
    for (const a of this.storm.takeChanged()) this.emit(a, false);
  }

  /** The end of the run: every storm alert still open is raised, complete, and every change emitted. */
  flushStorms(): void {
    this.storm.finishAll();
    this.emitStorms();
  }

  private newAlert(d: Detection, escalatedFrom: Alert | undefined): Alert {
    this.flowIds?.(d);
    const id = this.nextId(d.ts);
    const ts = isoTime(d.ts);
    const details = escalatedFrom ? mergeDetails(escalatedFrom.details, d.details) : { ...d.details };
    if (escalatedFrom) details.escalated_from = escalatedFrom.severity;
    const { type, severity, message, src_ip, dst_ip, src_port, dst_port, proto, community_id } = d;
    if (src_ip !== undefined && dst_ip !== undefined && src_port !== undefined && dst_port !== undefined && proto !== undefined) {
      // About one flow (most alerts): made whole in one literal, keys in the order below, as copyAlert does.
      // Built field by field, each alert grew its out-of-object properties in steps.
      if (community_id) return { id, timestamp: ts, type, severity, message, details, count: 1, last_seen: ts, src_ip, dst_ip, src_port, dst_port, proto, community_id };
      return { id, timestamp: ts, type, severity, message, details, count: 1, last_seen: ts, src_ip, dst_ip, src_port, dst_port, proto };
    }
    const a: Alert = {
      id,
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
    if (a.src_ip !== undefined) this.countSource(a.src_ip);
  }

  /** Alerts per source: raised ones and those folded into storm alerts (a source's count is a fact kept). */
  private countSource(ip: string): void {
    const counts = this.sources.counts;
    // The source counted last (its alerts come one after the other in a storm) needs no lookup: its count,
    // or -1 when it went to "other".
    let n: number;
    if (ip === this.lastSource) n = this.lastSourceCount;
    else {
      // Past MAX_SOURCES each lookup is a miss in a big table (every new source of a storm): the filter of
      // the sources in `counts` is asked first. It is asked, and `counts` looked up, whether `counts` is full
      // or not, and "other" is counted without a branch of its own: code first reached when the counts
      // filled up (deep into a storm) threw away the optimized fold path to compile it again.
      const full = counts.size >= MAX_SOURCES;
      const may = this.sourceFilter.mayHave(ip);
      n = may || !full ? (counts.get(ip) ?? (full ? -1 : 0)) : -1;
      if (n === 0) this.sourceFilter.add(ip);
    }
    this.lastSource = ip;
    this.sources.stale = true;
    if (n >= 0) counts.set(ip, n + 1);
    this.lastSourceCount = n >= 0 ? n + 1 : -1;
    this.sources.other += n >= 0 ? 0 : 1;
  }

  private emit(a: Alert, isNew: boolean): void {
    if (this.sinks.length === 0) return;
    // Sinks get a copy: the funnel keeps updating its own alert object as the episode grows.
    const copy = copyAlert(a);
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

  /**
   * An episode closed: its alert's final record. An episode folded into a storm has none of its own (its
   * `alert` is the storm alert, which is raised once, complete, when its window ends).
   */
  private closed(ep: Episode, reason: FinalReason): void {
    if (ep.folded === undefined) this.emitFinal(ep.alert, reason);
  }

  /** The final record of an alert whose episode closed: a copy marked final, to every sink's onFinal. */
  private emitFinal(a: Alert, reason: FinalReason): void {
    if (this.sinks.length === 0) return;
    // The alert's own key order: newAlert's, which copyAlert builds without an object spread (a spread was
    // the dearest part of an alert storm's final records), unless a key came later.
    let copy: Alert;
    if (this.lateKeys.has(a)) copy = { ...a, details: { ...a.details }, final: true, final_reason: reason };
    else copy = copyAlert(a, reason);
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
    this.open.each((ep) => this.closed(ep, 'cleared'));
    this.list = [];
    this.open.clear();
    this.endsFrom = Infinity;
    this.storm.clear();
    this.sources = new SourceCounts();
    this.sum = this.emptySummary();
    this.sourceFilter.clear();
    this.lastSource = undefined;
  }

  /** Closes episodes whose suppression interval has passed (packet time), then tells the sinks that keep packet time. */
  onTick(now: number): void {
    this.expire(now);
    this.storm.tick(now);
    this.emitStorms();
    // After the final records and storm alerts of this tick, so a sink that writes now writes them too.
    for (const s of this.tickSinks) {
      try {
        s.onTick!(now);
      } catch {
        this.sinkErrors++;
      }
    }
  }

  /** Closes every open episode with its final record (end of the capture, or exit); call once, at the end. */
  closeAll(): void {
    this.open.each((ep) => this.closed(ep, 'end'));
    this.open.clear();
    this.endsFrom = Infinity;
  }

  private expire(now: number): void {
    this.lastExpire = now;
    // No episode can have ended yet (with a millisecond to spare for rounding): no sweep. In an alert storm
    // the cap calls for one every few thousand new alerts, over all open episodes, none of them ended.
    if (now < this.endsFrom - 1) return;
    let next = Infinity;
    this.open.each((ep) => {
      if (now - ep.lastTs > ep.holdMs) {
        this.open.delete(ep.key, ep.hash, ep.type);
        this.closed(ep, 'timeout');
        this.spare(ep);
      } else if (ep.lastTs + ep.holdMs < next) next = ep.lastTs + ep.holdMs;
    });
    this.endsFrom = next;
  }

  /** When full: closes expired episodes, then the oldest half (amortised O(1) per new episode). */
  private evictHalf(now: number): void {
    this.expire(now);
    if (this.open.size < this.maxOpen * 0.75) return;
    // The oldest first, each taken off the front of the table: no lookup by its key, as a delete makes (in
    // an alert storm, one for every folded alert past the cap).
    for (let drop = Math.ceil(this.open.size / 2); drop > 0; drop--) {
      const ep = this.open.shift();
      if (ep === undefined) break;
      this.closed(ep, 'evicted');
      this.spare(ep);
    }
  }

  /** Open episodes (for tests, the bench and status views). */
  openEpisodes(): number {
    return this.open.size;
  }
}
