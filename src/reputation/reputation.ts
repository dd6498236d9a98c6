// IP reputation (the seed's ip.py): blacklist, whitelist and known-malicious lists, plus a suspicion score
// per source address that alerts raise, that decays over time, and that promotes an address to malicious
// (MALICIOUS_IP) at ip_reputation.score_threshold. No I/O: lists come in as text, state as objects.
import type { Alert, Detection, FoldNew } from '../alert/types.js';
import { formatIp, isNormalIpv4, isNormalIpv6, parseIp } from '../decode/addr.js';
import type { IpAddr } from '../decode/packet.js';
import { IpList } from './ip-list.js';
import { ReasonLists, type ReasonNode } from './reason-lists.js';

export type ReputationStatus = 'clean' | 'suspicious' | 'malicious' | 'blacklisted' | 'whitelisted';

export interface IpStatus {
  ip: string;
  score: number;
  status: ReputationStatus;
  reasons: string[];
  /** Packet time of the first and the latest alert that scored the address (from the state), or null. */
  firstSeen: number | null;
  lastSeen: number | null;
}

export interface ReputationConfig {
  score_threshold: number;
  decay_per_hour: number;
  points: Record<string, number>;
  max_tracked: number;
}

export const DEFAULT_REPUTATION_CONFIG: ReputationConfig = {
  score_threshold: 50,
  decay_per_hour: 5,
  points: { default: 5 },
  max_tracked: 100_000,
};

/** Persisted form of one scored address. */
export interface ScoreEntry {
  ip: string;
  score: number;
  /** ms, packet time of the last change (decay runs from here). */
  updated: number;
  /** Newest last, at most MAX_REASONS. */
  reasons: string[];
  promoted: boolean;
  promotedAt: number | null;
  /** ms, packet time of the first and the latest alert that scored it (absent in older state files). */
  firstSeen?: number;
  lastSeen?: number;
}

/**
 * A scored address as held: its ScoreEntry and the shared list its reasons are (see ReasonLists), or null
 * when its reasons are an array of its own (read from a state file, or made when no more lists were shared).
 */
interface Scored extends ScoreEntry {
  shared: ReasonNode | null;
}

export interface ReputationState {
  version: 1;
  entries: ScoreEntry[];
}

const MAX_REASONS = 20;
/** Reason texts kept made (see IpReputation.reasonTexts). */
const REASON_TEXTS_MAX = 1024;
/** Addresses whose list membership is cached (list lookups cost a CIDR scan). */
const CACHE_MAX = 65_536;
const HOUR = 3_600_000;
/** Least packet time between two decay passes made to evict at capacity (see IpReputation.evict). */
const DECAY_PASS_MS = 1000;

export const LIST_BLACK = 1;
export const LIST_WHITE = 2;
export const LIST_MALICIOUS = 4;

export class IpReputation {
  readonly blacklist = new IpList('blacklist.txt');
  readonly whitelist = new IpList('whitelist.txt');
  readonly maliciousList = new IpList('malicious.txt');
  private scores = new Map<string, Scored>();
  /**
   * The entries of `scores` that are not promoted, in the same order (least recently scored first): what
   * evict forgets first, found without stepping past promoted ones. Stepping past them cost a walk over
   * up to max_tracked entries for every new address once the table was full of promoted ones, as in a
   * storm of spoofed sources (measured: 1.1 ms per new address at 100,000 promoted).
   */
  private unpromoted = new Map<string, Scored>();
  /**
   * The last key of `scores` (undefined: not known). Scoring the address scored last needs no delete and
   * re-insert to make it the newest: in an alert storm each source's alerts come one after the other, and
   * re-inserting each time left the map's table full of deleted entries to rebuild.
   */
  private newest: string | undefined;
  /** The entry of `newest` (its alerts come one after another in a storm: found without a lookup in `scores`). */
  private newestEntry: Scored | undefined;
  /**
   * The address scored last, when it is not promoted: the newest of the unpromoted, not yet put in
   * `unpromoted` (it goes there, last, when another address is scored or `unpromoted` is read). In a storm
   * of spoofed sources each source is promoted within its own few alerts: it never enters `unpromoted`,
   * where it cost an insert and a delete in a table of thousands.
   */
  private pendingUnpromoted: string | undefined;
  private pendingEntry: Scored | undefined;
  private cache = new Map<IpAddr, number>();
  private clock = 0;
  /** Packet time of the last decay pass made to evict (see evict). */
  private lastDecayPass = -Infinity;
  /**
   * Each reason's text ("SQL_INJECTION (+25)") by reason, with the points it was made for: made once, not
   * per alert. Every scored address keeps up to MAX_REASONS of them; made per alert, each was a string of
   * its own that lived as long as the address (in an alert storm from 20,000 spoofed sources, 200,000 of
   * them, a quarter of what each young-generation collection had to copy).
   */
  private readonly reasonTexts = new Map<string, { points: number; text: string }>();
  /**
   * Each alert type's points and reason text, made at its first alert (points come from cfg.points, fixed
   * for the run): onAlert's one lookup per alert. Reading cfg.points by a type that changes from alert to
   * alert was one of V8's megamorphic keyed loads, and the reason text another Map lookup, at every alert
   * of a storm (folded ones included).
   */
  private readonly typeReasons = new Map<string, { points: number; text: string }>();
  /** The reasons lists entries share (see ReasonLists). */
  private readonly reasonLists = new ReasonLists(MAX_REASONS);
  readonly cfg: ReputationConfig;

  constructor(cfg: Partial<ReputationConfig> = {}) {
    this.cfg = { ...DEFAULT_REPUTATION_CONFIG, ...cfg, points: { ...DEFAULT_REPUTATION_CONFIG.points, ...(cfg.points ?? {}) } };
  }

  /** Loads list texts (any may be omitted); returns warnings for lines that are not addresses. */
  loadLists(lists: { blacklist?: string; whitelist?: string; malicious?: string }, names: { blacklist?: string; whitelist?: string; malicious?: string } = {}): string[] {
    const w: string[] = [];
    const fill = (list: IpList, text: string | undefined, name: string | undefined): void => {
      if (text === undefined) return;
      const l = new IpList(name ?? list.label);
      w.push(...l.load(text));
      for (const e of l.entries()) list.add(e);
    };
    fill(this.blacklist, lists.blacklist, names.blacklist);
    fill(this.whitelist, lists.whitelist, names.whitelist);
    fill(this.maliciousList, lists.malicious, names.malicious);
    this.cache.clear();
    return w;
  }

  /** Adds an entry to a list in memory (the store appends it to the file). False when not an address/CIDR. */
  addToList(which: 'blacklist' | 'whitelist' | 'malicious', entry: string): boolean {
    const list = which === 'blacklist' ? this.blacklist : which === 'whitelist' ? this.whitelist : this.maliciousList;
    const ok = list.add(entry);
    if (ok) this.cache.clear();
    return ok;
  }

  /** Removes an entry (any spelling) from a list in memory; the entries removed, as written. */
  removeFromList(which: 'blacklist' | 'whitelist' | 'malicious', entry: string): string[] {
    const list = which === 'blacklist' ? this.blacklist : which === 'whitelist' ? this.whitelist : this.maliciousList;
    const gone = list.remove(entry);
    if (gone.length) this.cache.clear();
    return gone;
  }

  /**
   * LIST_* bits for an address (cached). An address on both the blacklist and the whitelist keeps both
   * bits: the blacklist is a deliberate alarm, so BLACKLISTED_IP is raised for it all the same, while
   * the whitelist keeps it out of scoring and behaviour alerts. The whitelist removes the malicious bit.
   */
  lists(ip: IpAddr): number {
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit;
    let bits = 0;
    if (this.whitelist.size && this.whitelist.match(ip) !== null) bits = LIST_WHITE;
    if (this.blacklist.size && this.blacklist.match(ip) !== null) bits |= LIST_BLACK;
    if (!(bits & LIST_WHITE) && this.maliciousList.size && this.maliciousList.match(ip) !== null) bits |= LIST_MALICIOUS;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(ip, bits);
    return bits;
  }

  /** True when any list has entries (the detector's fast path skips everything otherwise). */
  get hasLists(): boolean {
    return this.blacklist.size + this.maliciousList.size > 0;
  }

  /** On the blacklist (also when whitelisted too: BLACKLISTED_IP is raised all the same). */
  isBlacklisted(ip: IpAddr): boolean {
    return (this.lists(ip) & LIST_BLACK) !== 0;
  }

  isWhitelisted(ip: IpAddr | string): boolean {
    if (this.whitelist.size === 0) return false;
    const a = typeof ip === 'string' ? parseIp(ip) : ip;
    if (a === null) return false;
    return (this.lists(a) & LIST_WHITE) !== 0;
  }

  private decayed(e: Scored, now: number): number {
    if (now <= e.updated || this.cfg.decay_per_hour <= 0) return e.score;
    return Math.max(0, e.score - (this.cfg.decay_per_hour * (now - e.updated)) / HOUR);
  }

  private norm(ip: string): string | null {
    // An address as it is written out (what the decoders give): its own normal form, with no parse and
    // format (a new source in a storm of spoofed ones paid about 3 us for them; an IPv6 one, scored in code
    // not yet compiled, the few times a run scores a new one, tens of us).
    if (isNormalIpv4(ip) || isNormalIpv6(ip)) return ip;
    const a = parseIp(ip);
    return a === null ? null : formatIp(a);
  }

  /**
   * Adds suspicion points to an address. Returns the MALICIOUS_IP detection when this pushes the score
   * to score_threshold (once per promotion), else null. Whitelisted addresses are never scored. With `fold`
   * (the funnel's foldNew), a promotion over MALICIOUS_IP's storm budget is folded there and null returned:
   * in an alert storm of spoofed sources each source is promoted, and its message and details were made
   * only to be folded.
   */
  addScore(ip: string, points: number, reason: string, now: number, fold?: FoldNew): Detection | null {
    if (points <= 0) return null;
    return this.score(ip, points, this.reasonText(reason, points), now, fold);
  }

  /** addScore with the reason's text made (`points` past its test). */
  private score(ip: string, points: number, text: string, now: number, fold: FoldNew | undefined): Detection | null {
    // An address already scored is its own key (keys are in normal form): no parse and format again,
    // which an alert storm from a few thousand sources would otherwise pay on every alert.
    let e = ip === this.newest ? this.newestEntry : this.scores.get(ip);
    const key = e !== undefined ? ip : this.norm(ip);
    if (key === null) return null;
    if (now > this.clock) this.clock = now;
    if (this.whitelist.size > 0 && this.isWhitelisted(key)) return null;
    // Another spelling of an address scored before (the key differs): its entry. The same text was asked above.
    if (e === undefined && key !== ip) e = this.scores.get(key);
    if (this.pendingUnpromoted !== undefined && key !== this.pendingUnpromoted) this.settleUnpromoted();
    if (!e) {
      if (this.scores.size >= this.cfg.max_tracked) this.evict(now);
      const root = this.reasonLists.root;
      e = { ip: key, score: 0, updated: now, reasons: root.list as string[], promoted: false, promotedAt: null, firstSeen: now, lastSeen: now, shared: root };
    } else {
      e.score = this.decayed(e, now);
      // Decayed to nothing since the promotion: the address is clean again and may be promoted anew.
      if (e.score === 0) e.promoted = false;
      // Re-inserted below, so the Map's order is least recently scored first (unless it is the newest already).
      if (key !== this.newest) this.scores.delete(key);
      if (key !== this.pendingUnpromoted) this.unpromoted.delete(key);
    }
    e.updated = Math.max(e.updated, now);
    e.firstSeen = Math.min(e.firstSeen ?? now, now);
    e.lastSeen = Math.max(e.lastSeen ?? now, now);
    e.score += points;
    this.addReason(e, text);
    if (key !== this.newest) {
      this.scores.set(key, e);
      this.newest = key;
      this.newestEntry = e;
    }
    if (!e.promoted && e.score < this.cfg.score_threshold) {
      this.pendingUnpromoted = key;
      this.pendingEntry = e;
    } else if (key === this.pendingUnpromoted) {
      this.pendingUnpromoted = this.pendingEntry = undefined;
    }
    if (!e.promoted && e.score >= this.cfg.score_threshold) {
      e.promoted = true;
      e.promotedAt = now;
      if (fold?.('MALICIOUS_IP', 'HIGH', now, key, key, undefined, undefined, undefined, undefined)) return null;
      const score = Math.round(e.score * 10) / 10;
      return {
        type: 'MALICIOUS_IP',
        severity: 'HIGH',
        message: `${key} promoted to malicious: suspicion score ${score} reached ${this.cfg.score_threshold}`,
        ts: now,
        key,
        src_ip: key,
        details: { score, threshold: this.cfg.score_threshold, reasons: [...e.reasons] },
      };
    }
    return null;
  }

  /** Adds a reason text to an entry's reasons (the newest MAX_REASONS are kept): a shared list while there are, else its own. */
  private addReason(e: Scored, text: string): void {
    const from = e.shared;
    if (from !== null) {
      const to = this.reasonLists.after(from, text);
      if (to !== null) {
        e.shared = to;
        e.reasons = to.list as string[];
        return;
      }
      // No more lists are shared: the entry's own copy from here on.
      e.shared = null;
      e.reasons = e.reasons.slice();
    }
    e.reasons.push(text);
    if (e.reasons.length > MAX_REASONS) e.reasons.splice(0, e.reasons.length - MAX_REASONS);
  }

  private reasonText(reason: string, points: number): string {
    const r = this.reasonTexts.get(reason);
    if (r !== undefined && r.points === points) return r.text;
    const text = `${reason} (+${points})`;
    // Reasons are alert types and the few names of manual scoring: the bound only guards against a caller with many.
    if (this.reasonTexts.size >= REASON_TEXTS_MAX) this.reasonTexts.clear();
    this.reasonTexts.set(reason, { points, text });
    return text;
  }

  /** Points for an alert's type (ip_reputation.points; `default` for unlisted types). */
  pointsFor(type: string): number {
    const p = this.cfg.points[type];
    return p !== undefined ? p : (this.cfg.points.default ?? 0);
  }

  /** Scores the source of an alert; returns MALICIOUS_IP when it promotes the source (unless `fold` folded it: see addScore). */
  onAlert(a: Pick<Alert, 'type' | 'src_ip'>, now: number, fold?: FoldNew): Detection | null {
    if (!a.src_ip || a.type === 'MALICIOUS_IP' || a.type === 'BLACKLISTED_IP') return null;
    let r = this.typeReasons.get(a.type);
    if (r === undefined) {
      const points = this.pointsFor(a.type);
      r = { points, text: points <= 0 ? '' : this.reasonText(a.type, points) };
      this.typeReasons.set(a.type, r);
    }
    // addScore's test of the points, as it makes it.
    return r.points <= 0 ? null : this.score(a.src_ip, r.points, r.text, now, fold);
  }

  /**
   * Forgets the least recently scored address that is not promoted (or the oldest at all), after
   * forgetting those decayed to nothing. The decay pass visits every tracked address, so it runs at most
   * once per DECAY_PASS_MS of packet time here: at capacity, a storm of new (spoofed) sources would
   * otherwise pay max_tracked steps for each one.
   */
  private evict(now: number): void {
    this.settleUnpromoted();
    if (now - this.lastDecayPass >= DECAY_PASS_MS || now < this.lastDecayPass) {
      this.lastDecayPass = now;
      this.decay(now);
    }
    if (this.scores.size < this.cfg.max_tracked) return;
    const first = (this.unpromoted.size > 0 ? this.unpromoted : this.scores).keys().next();
    if (!first.done) this.forget(first.value);
  }

  /** Puts the pending unpromoted address (see pendingUnpromoted) in `unpromoted`, last. */
  private settleUnpromoted(): void {
    if (this.pendingUnpromoted === undefined) return;
    this.unpromoted.set(this.pendingUnpromoted, this.pendingEntry as Scored);
    this.pendingUnpromoted = this.pendingEntry = undefined;
  }

  private forget(key: string): void {
    this.scores.delete(key);
    this.unpromoted.delete(key);
    if (key === this.newest) this.newest = this.newestEntry = undefined;
    if (key === this.pendingUnpromoted) this.pendingUnpromoted = this.pendingEntry = undefined;
  }

  /** Applies decay up to `now`; addresses whose score reached 0 are forgotten (clean again). */
  decay(now: number): void {
    if (now > this.clock) this.clock = now;
    // forEach, in for-of's order (forgetting the visited entry is allowed in both): for-of made a [key,
    // entry] array per address, and at max_tracked an attack's new sources run this pass every second.
    this.scores.forEach((e, k) => {
      const s = this.decayed(e, now);
      if (s <= 0) this.forget(k);
      else if (now > e.updated) {
        e.score = s;
        e.updated = now;
      }
    });
  }

  status(ip: string): IpStatus {
    const key = this.norm(ip);
    if (key === null) return { ip, score: 0, status: 'clean', reasons: ['not an IP address'], firstSeen: null, lastSeen: null };
    const addr = parseIp(key) as IpAddr;
    const bits = this.lists(addr);
    const e = this.scores.get(key);
    const score = e ? Math.round(this.decayed(e, this.clock) * 10) / 10 : 0;
    const reasons = e ? [...e.reasons] : [];
    const seen = { firstSeen: e?.firstSeen ?? null, lastSeen: e?.lastSeen ?? null };
    const white = `listed in ${this.whitelist.label} (${this.whitelist.match(addr)})`;
    if (bits & LIST_BLACK) {
      const black = `listed in ${this.blacklist.label} (${this.blacklist.match(addr)})`;
      if (bits & LIST_WHITE) return { ip: key, score: 0, status: 'blacklisted', reasons: [black, `also ${white}: never scored, and BLACKLISTED_IP is its only alert`], ...seen };
      return { ip: key, score, status: 'blacklisted', reasons: [black, ...reasons], ...seen };
    }
    if (bits & LIST_WHITE) return { ip: key, score: 0, status: 'whitelisted', reasons: [white], ...seen };
    if (bits & LIST_MALICIOUS) return { ip: key, score, status: 'malicious', reasons: [`listed in ${this.maliciousList.label} (${this.maliciousList.match(addr)})`, ...reasons], ...seen };
    if (e && e.promoted && score > 0) return { ip: key, score, status: 'malicious', reasons, ...seen };
    if (score > 0) return { ip: key, score, status: 'suspicious', reasons, ...seen };
    return { ip: key, score: 0, status: 'clean', reasons: [], firstSeen: null, lastSeen: null };
  }

  /** Scored addresses below the threshold, highest score first. */
  suspicious(): IpStatus[] {
    return [...this.scores.keys()].map((ip) => this.status(ip)).filter((s) => s.status === 'suspicious').sort((a, b) => b.score - a.score);
  }

  /** Promoted addresses, then the entries of the malicious list. */
  malicious(): IpStatus[] {
    const promoted = [...this.scores.keys()].map((ip) => this.status(ip)).filter((s) => s.status === 'malicious').sort((a, b) => b.score - a.score);
    const listed = this.maliciousList.entries().map((t) => ({ ip: t, score: 0, status: 'malicious' as const, reasons: [`listed in ${this.maliciousList.label}`], firstSeen: null, lastSeen: null }));
    return [...promoted, ...listed];
  }

  get tracked(): number {
    return this.scores.size;
  }

  toState(): ReputationState {
    // The entry's fields in its own order, without the shared list (the reasons as a copy).
    return {
      version: 1,
      entries: [...this.scores.values()].map((e) => {
        const { shared: _, ...entry } = e;
        return { ...entry, reasons: [...e.reasons] };
      }),
    };
  }

  /** Replaces the scores with a persisted state (entries that do not look right are skipped). */
  fromState(s: ReputationState): void {
    this.scores.clear();
    this.unpromoted.clear();
    this.newest = this.newestEntry = undefined;
    this.pendingUnpromoted = this.pendingEntry = undefined;
    for (const e of s.entries) {
      const key = this.norm(String(e.ip));
      if (key === null || typeof e.score !== 'number' || !Number.isFinite(e.score) || e.score <= 0) continue;
      const entry: Scored = {
        ip: key,
        score: e.score,
        updated: Number(e.updated) || 0,
        reasons: Array.isArray(e.reasons) ? e.reasons.map(String).slice(-MAX_REASONS) : [],
        promoted: Boolean(e.promoted),
        promotedAt: typeof e.promotedAt === 'number' ? e.promotedAt : null,
        ...(typeof e.firstSeen === 'number' ? { firstSeen: e.firstSeen } : {}),
        ...(typeof e.lastSeen === 'number' ? { lastSeen: e.lastSeen } : {}),
        shared: null,
      };
      this.scores.set(key, entry);
      if (entry.promoted) this.unpromoted.delete(key);
      else this.unpromoted.set(key, entry);
      if (this.scores.size >= this.cfg.max_tracked) break;
      if (e.updated > this.clock) this.clock = e.updated;
    }
  }
}
