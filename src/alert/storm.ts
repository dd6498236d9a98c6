// Storm control for the alert funnel (Suricata's rate_filter and Snort's event_filter, without losing
// the facts): beyond a per-type budget of new alerts in a window of packet time, further alerts of that
// type are folded into one storm alert per type and window, which counts them and lists a bounded sample
// of their sources, destination ports and flows.
//
// Knobs (settings.yaml, `alerts`):
//   storm_control   true     false: no budgets at all, every new alert is raised
//   rate_limit      SUSPICIOUS_PORT, DECODE_ANOMALY 100 per 60 s; SQL_INJECTION, DIRECTORY_TRAVERSAL,
//                   MALICIOUS_IP, BLACKLISTED_IP 200 per 60 s   the budget, {TYPE: {count, seconds}};
//                   TYPE: false takes a default budget away
//   storm_sample    10       sources, ports and flows listed (each) in a storm alert
//
// - A type's window opens with its first new alert and lasts `seconds` of packet time; the next new
//   alert after it opens the next window, with a fresh budget and, once that is spent, a new storm alert.
// - A storm alert has the folded type, `details.storm: true`, `count` = the alerts folded into it (new
//   alerts that were not raised), `details.repeats` = later detections of those same episodes, and the
//   highest severity folded. It is raised (onAlert) once, complete, when its window ends (seen at the
//   next new alert of its type or the next tick) or at the end of the run, so every output gets its
//   exact counts in one record; later repeats reach the sinks as updates (onUpdate), once per tick.
// - Bounded: one open storm per type; per storm at most `sample` entries per list and MAX_DISTINCT
//   distinct sources counted (beyond, `distinct_sources` is a lower bound and `distinct_sources_capped`).
// No I/O, no clock: time is the detection's packet time.
import { AddressSet } from './address-set.js';
import type { Alert, AlertType, Detection, Severity } from './types.js';

/** A type's budget: at most `count` new alerts per `windowMs` of packet time. */
export interface StormBudget {
  count: number;
  windowMs: number;
}

export interface StormOptions {
  /** The budget of a type; null: never folded. One budget per type for the run: an open window keeps the one it opened with. */
  budget: (type: AlertType) => StormBudget | null;
  /** Entries kept per sample list (sources, ports, flows). Default 10. */
  sample?: number;
  /** A fresh alert id (the funnel's "<prefix>-<seq>"). */
  newId: (ts: number) => string;
  /** Fills in a detection's community_id before its flow is sampled (computed only for the sample). */
  complete?: (d: Detection) => void;
}

/** What storm control has folded, for the summary line, the dashboard and tests. */
export interface StormCounts {
  /** New alerts folded into storm alerts (not raised on their own), in all and per type. */
  folded: number;
  foldedByType: Record<string, number>;
  /** Storm alerts raised (one per type and window that went over its budget). */
  storms: number;
}

/** Distinct sources counted per storm (an AddressSet each). */
export const MAX_DISTINCT = 65_536;
const DEFAULT_SAMPLE = 10;
/** What takeFinished() and takeChanged() return when there is nothing (asked at every new alert: no array made). */
const NONE: readonly Alert[] = Object.freeze([]);

/**
 * A severity's rank (LOW 0 ... CRITICAL 3): compares of constant texts, not a load from a record by a key that
 * changes from fold to fold (one of V8's megamorphic keyed loads, twice per folded alert).
 */
function rank(s: Severity): number {
  return s === 'LOW' ? 0 : s === 'WARNING' ? 1 : s === 'HIGH' ? 2 : 3;
}

export interface StormFlow {
  src_ip?: string;
  src_port?: number;
  dst_ip?: string;
  dst_port?: number;
  proto?: string;
  community_id?: string;
}

interface Storm {
  alert: Alert;
  budget: StormBudget;
  windowStart: number;
  first: number;
  last: number;
  folded: number;
  repeats: number;
  severity: Severity;
  /** rank(severity). */
  rank: number;
  sources: AddressSet;
  /** The source of the last alert folded in (undefined before one with a source). */
  lastSource: string | undefined;
  sourcesCapped: boolean;
  sampleSources: string[];
  ports: Set<number>;
  sampleFlows: StormFlow[];
  /** Custom rules' names and how many of their alerts were folded (at most `sample` names; the rest in `other`). */
  rules: Map<string, number> | null;
  /** The one destination address (and port, protocol) every folded alert had; null once they differ. */
  dst: string | null | undefined;
  dstPort: number | null | undefined;
  proto: string | null | undefined;
  /** Its type's count of folded alerts, over all windows (see StormControl.typeCounts). */
  typeCount: { n: number };
  /** Raised (its window ended or the run did): later changes go out as updates. */
  raised: boolean;
  /** Changed since the sinks last saw it (only tracked once raised). */
  dirty: boolean;
}

/** Per type: the current window's start, the budget it was opened with, and the new alerts raised in it. */
interface Window {
  start: number;
  budget: StormBudget;
  n: number;
  storm: Storm | null;
}

/**
 * StormCounts whose foldedByType is read from `cells` (see StormControl.typeCounts), one record brought up to
 * date in place. The getter is defined on a plain object, not written in the literal: V8 makes an object
 * literal with a getter in dictionary mode, and `counts.folded++` at every fold was then a lookup in its
 * property dictionary through V8's generic load and store (about 160 instructions a fold in an alert storm).
 */
function countsOf(cells: Map<AlertType, { n: number }>): StormCounts {
  const rec: Record<string, number> = {};
  const counts = { folded: 0 } as StormCounts;
  Object.defineProperty(counts, 'foldedByType', {
    get(): Record<string, number> {
      for (const [type, c] of cells) rec[type] = c.n;
      return rec;
    },
    enumerable: true,
    configurable: true,
  });
  counts.storms = 0;
  return counts;
}

function isoTime(ms: number): string {
  return new Date(Math.trunc(ms)).toISOString();
}

/** Keeps the single value all samples share: undefined before the first, null once two differ. */
function same<T>(cur: T | null | undefined, v: T | undefined): T | null | undefined {
  if (cur === null) return null;
  if (v === undefined) return cur === undefined ? undefined : null;
  if (cur === undefined) return v;
  return cur === v ? cur : null;
}

export class StormControl {
  private readonly opts: StormOptions;
  private readonly sample: number;
  private readonly windows = new Map<AlertType, Window>();
  /** Storms whose window has ended, to be raised by the caller (takeFinished). */
  private finished: Storm[] = [];
  private readonly dirty = new Set<Storm>();
  /** Each storm by its alert, also after its window has passed (its folded episodes may still repeat). */
  private readonly byAlert = new WeakMap<Alert, Storm>();
  /**
   * Folded alerts per type, each in a cell its storms share, the types in the order they first folded: a fold
   * adds one to its storm's cell, where a store into counts.foldedByType by its type was a keyed load and
   * store that went megamorphic (a storm folds five or six types in turn). The record is filled in from the
   * cells when it is read.
   */
  private typeCounts = new Map<AlertType, { n: number }>();
  counts: StormCounts = countsOf(this.typeCounts);
  /**
   * The type spent() last found spent and its window (windows.get(spentType) whenever spentType is set):
   * the funnel asks spent() and then folds, and fold() takes the window from here, not from a second lookup
   * in `windows` (one per folded alert). Forgotten whenever `windows` changes.
   */
  private spentType: AlertType | undefined;
  private spentWindow: Window | undefined;

  constructor(opts: StormOptions) {
    this.opts = opts;
    this.sample = Math.max(0, Math.floor(opts.sample ?? DEFAULT_SAMPLE));
  }

  /**
   * Whether a new alert of `type` at `now` is within its type's budget; if it is, it is counted in the
   * window. A window that has run out is replaced by the next (its storm alert is finished).
   */
  admit(type: AlertType, now: number): boolean {
    const b = this.opts.budget(type);
    if (!b) return true;
    let w = this.windows.get(type);
    if (w === undefined || now - w.start >= b.windowMs || now < w.start) {
      if (w !== undefined) this.finish(w);
      w = { start: now, budget: b, n: 0, storm: null };
      this.windows.set(type, w);
      this.spentType = this.spentWindow = undefined;
    }
    if (w.n >= b.count) return false;
    w.n++;
    return true;
  }

  /**
   * Whether admit(type, now) would refuse a new alert, asked without counting one: the type's window is
   * still open at `now` and its budget spent. A window that has run out is not spent (admit opens the next).
   */
  spent(type: AlertType, now: number): boolean {
    const w = this.windows.get(type);
    if (w === undefined) return false;
    // The budget the window opened with (the type's budget: see StormOptions.budget), not asked again per fold.
    const b = w.budget;
    if (now - w.start >= b.windowMs || now < w.start) return false;
    if (w.n < b.count) return false;
    this.spentType = type;
    this.spentWindow = w;
    return true;
  }

  /**
   * Folds a new alert that admit() refused into its type's storm alert for the current window, opened
   * by the first one. Returns that alert (raised later, by the caller, from takeFinished()).
   */
  fold(d: Detection): Alert {
    const w = d.type === this.spentType ? this.spentWindow : this.windows.get(d.type);
    if (!w) throw new Error(`storm: fold() of ${d.type} without admit() refusing it first`);
    let s = w.storm;
    if (s === null) {
      s = w.storm = this.open(d, w.budget, w.start);
      this.byAlert.set(s.alert, s);
      this.counts.storms++;
    }
    s.folded++;
    this.counts.folded++;
    s.typeCount.n++;
    if (d.ts > s.last) s.last = d.ts;
    if (d.ts < s.first) s.first = d.ts;
    const r = rank(d.severity);
    if (r > s.rank) {
      s.severity = d.severity;
      s.rank = r;
    }
    const src = d.src_ip;
    if (src !== undefined && src !== s.lastSource) {
      // A new source grows the set: one operation on it, not a lookup and then an insert (in a storm from
      // spoofed sources the set holds tens of thousands). The source of the last fold is in the set already
      // (or counted as past the cap): a storm's alerts come a few per source, one after the other.
      const sources = s.sources;
      let isNew: boolean;
      if (sources.size < MAX_DISTINCT) isNew = sources.add(src);
      else if ((isNew = !sources.has(src))) s.sourcesCapped = true;
      if (isNew && s.sampleSources.length < this.sample && !s.sampleSources.includes(src)) s.sampleSources.push(src);
      s.lastSource = src;
    }
    if (d.dst_port !== undefined && s.ports.size < this.sample) s.ports.add(d.dst_port);
    if (s.sampleFlows.length < this.sample) {
      this.opts.complete?.(d);
      const f: StormFlow = {};
      if (d.src_ip !== undefined) f.src_ip = d.src_ip;
      if (d.src_port !== undefined) f.src_port = d.src_port;
      if (d.dst_ip !== undefined) f.dst_ip = d.dst_ip;
      if (d.dst_port !== undefined) f.dst_port = d.dst_port;
      if (d.proto !== undefined) f.proto = d.proto;
      if (d.community_id) f.community_id = d.community_id;
      s.sampleFlows.push(f);
    }
    const rule = d.details.rule;
    if (typeof rule === 'string') {
      const rules = (s.rules ??= new Map());
      const name = rules.has(rule) || rules.size < this.sample ? rule : 'other';
      rules.set(name, (rules.get(name) ?? 0) + 1);
    }
    s.dst = same(s.dst, d.dst_ip);
    s.dstPort = same(s.dstPort, d.dst_port);
    s.proto = same(s.proto, d.proto);
    return s.alert;
  }

  /** A later detection of an episode that was folded: counted as a repeat in the storm alert it went to. */
  repeat(alert: Alert, ts: number): void {
    const s = this.byAlert.get(alert);
    if (s === undefined) return;
    s.repeats++;
    if (ts > s.last) s.last = ts;
    if (s.raised && !s.dirty) {
      s.dirty = true;
      this.dirty.add(s);
    }
  }

  /** Ends the windows that have run out by `now` (packet time); their storms are then in takeFinished(). */
  tick(now: number): void {
    for (const [type, w] of this.windows) {
      if (now - w.start >= w.budget.windowMs) {
        this.finish(w);
        this.windows.delete(type);
        this.spentType = this.spentWindow = undefined;
      }
    }
  }

  /** Ends every window (the end of the run): every storm alert open is then in takeFinished(). */
  finishAll(): void {
    for (const w of this.windows.values()) this.finish(w);
    this.windows.clear();
    this.spentType = this.spentWindow = undefined;
  }

  private finish(w: Window): void {
    if (w.storm === null) return;
    this.finished.push(w.storm);
    w.storm = null;
  }

  /** Storm alerts whose window has ended, complete, oldest first: the caller raises each (onAlert) once. */
  takeFinished(): readonly Alert[] {
    if (this.finished.length === 0) return NONE;
    const out: Alert[] = [];
    for (const s of this.finished) {
      this.render(s);
      s.raised = true;
      out.push(s.alert);
    }
    this.finished = [];
    return out;
  }

  /** Raised storm alerts that changed since (later repeats), brought up to date: the caller emits updates. */
  takeChanged(): readonly Alert[] {
    if (this.dirty.size === 0) return NONE;
    const out: Alert[] = [];
    for (const s of this.dirty) {
      this.render(s);
      out.push(s.alert);
    }
    this.dirty.clear();
    return out;
  }

  /** Forgets every window and storm and starts the counts again (the funnel's clear()). */
  clear(): void {
    this.windows.clear();
    this.spentType = this.spentWindow = undefined;
    this.finished = [];
    this.dirty.clear();
    this.typeCounts = new Map();
    this.counts = countsOf(this.typeCounts);
  }

  private open(d: Detection, b: StormBudget, windowStart: number): Storm {
    const ts = isoTime(d.ts);
    const alert: Alert = {
      id: this.opts.newId(d.ts),
      timestamp: ts,
      type: d.type,
      severity: d.severity,
      message: '',
      details: {},
      count: 0,
      last_seen: ts,
    };
    return {
      alert,
      budget: b,
      windowStart,
      first: d.ts,
      last: d.ts,
      folded: 0,
      repeats: 0,
      severity: d.severity,
      rank: rank(d.severity),
      sources: new AddressSet(),
      lastSource: undefined,
      sourcesCapped: false,
      sampleSources: [],
      ports: new Set(),
      sampleFlows: [],
      rules: null,
      dst: undefined,
      dstPort: undefined,
      proto: undefined,
      typeCount: this.typeCount(d.type),
      raised: false,
      dirty: false,
    };
  }

  /** The cell of `type` in typeCounts (made at its first fold: a storm opens with its first). */
  private typeCount(type: AlertType): { n: number } {
    let c = this.typeCounts.get(type);
    if (c === undefined) {
      c = { n: 0 };
      this.typeCounts.set(type, c);
    }
    return c;
  }

  /** Writes a storm's counts and samples into its alert (new objects, so copies sinks hold stay as they were). */
  private render(s: Storm): void {
    s.dirty = false;
    const a = s.alert;
    const b = s.budget;
    const secs = b.windowMs / 1000;
    const n = s.sources.size;
    const from = n > 0 ? ` from ${n}${s.sourcesCapped ? '+' : ''} source${n === 1 ? '' : 's'}` : '';
    const to = typeof s.dst === 'string' ? ` to ${s.dst}` : '';
    a.message = `Alert storm: ${s.folded} more ${a.type} alert${s.folded === 1 ? '' : 's'}${from}${to} folded into this one (over the budget of ${b.count} per ${secs} s)`;
    a.count = s.folded;
    a.severity = s.severity;
    a.last_seen = isoTime(s.last);
    a.timestamp = isoTime(s.first);
    if (typeof s.dst === 'string') a.dst_ip = s.dst;
    else delete a.dst_ip;
    if (typeof s.dstPort === 'number') a.dst_port = s.dstPort;
    else delete a.dst_port;
    if (typeof s.proto === 'string') a.proto = s.proto;
    else delete a.proto;
    a.details = {
      storm: true,
      folded: s.folded,
      repeats: s.repeats,
      budget: b.count,
      window_seconds: secs,
      window_start: isoTime(s.windowStart),
      distinct_sources: n,
      ...(s.sourcesCapped ? { distinct_sources_capped: true } : {}),
      sources: s.sampleSources.slice(),
      ports: [...s.ports].sort((x, y) => x - y),
      flows: s.sampleFlows.map((f) => ({ ...f })),
      ...(s.rules ? { rules: Object.fromEntries(s.rules) } : {}),
    };
  }
}
