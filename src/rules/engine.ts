// The custom rule engine (the seed's rule_engine): rules from rules.yaml compiled to predicates, matches
// counted per source/destination/pair in a window, CUSTOM_RULE raised at the threshold. No I/O here: the
// file access for loadFile, reload and toggle persistence is injected (RuleIo, see rule-file.ts).
import { ALERT_ADDRESSES } from '../alert/address-text.js';
import type { Detection } from '../alert/types.js';
import { ruleEntrySchema, type RuleEntry } from '../config/rules-file.js';
import { PARSE_ONCE } from '../config/schema.js';
import { readPlainYaml } from '../config/plain-yaml.js';
import { locate, parseLocated, findNodes, valueOffsets, caretExcerpt as caret, type Located } from '../config/yaml-position.js';
import { nearest } from '../config/schema-walk.js';
import { formatIp } from '../decode/addr.js';
import { LAYER_ARP, LAYER_ICMP, LAYER_ICMPV6, LAYER_TCP, LAYER_UDP, type IpAddr, type Packet } from '../decode/packet.js';
import type { Detector, Raise } from '../detect/types.js';
import type { RuleNote, RuleView } from '../engine/types.js';
import { compileRule, type Predicate } from './compile.js';
import { fitsKey, fitsPort, packetKey, type RuleGate } from './prefilter.js';
import { RuleSyntaxError } from './lexer.js';

/** Track keys remembered per rule (a spoofed-source flood cannot grow memory beyond this). */
export const MAX_KEYS_PER_RULE = 10_000;
/** Rules per file. */
export const MAX_RULES = 1_000;

/** File access the engine needs, injected so that the engine itself does no I/O. */
export interface RuleIo {
  /** Reads the rules file (throws an errno error when it cannot). */
  read(path: string): string;
  /** Persists a rule's enabled flag into the rules file (keeping its comments), atomically. */
  writeEnabled(path: string, name: string, enabled: boolean): void;
  /** Copies a rules file to a new one (never over an existing file); needed for `userCopy`. */
  copy?(from: string, to: string): void;
}

export interface RuleEngineOptions {
  /**
   * Where a toggle is saved when the loaded file is the copy shipped with NetGuard: the shipped file is
   * part of the installation (root-owned, or tracked in a checkout), so the first toggle writes a copy of
   * it with the change here (./rules.yaml, which is read first on the next start) and goes on with it.
   */
  userCopy?: string;
}

export interface LoadResult {
  ok: boolean;
  /** Rules loaded (0 when !ok: the previous rules stay). */
  rules: number;
  enabled: number;
  /** Each error: "file:line:col: rule "name": message", then the source line and a caret line. */
  errors: string[];
  warnings: string[];
}

interface Bucket {
  start: number;
  count: number;
  fired: boolean;
}

interface CompiledRule {
  entry: RuleEntry;
  pred: Predicate;
  /** What a packet must have before pred can hold: most packets are turned away here. */
  gate: RuleGate;
  enabled: boolean;
  matches: number;
  windowMs: number;
  buckets: Map<IpAddr | string, Bucket>;
  /**
   * The cursor makeRoom() evicts the oldest key from: a live iterator over `buckets`, kept between calls.
   * A new iterator walks from the start of the Map's table over every deleted entry not yet compacted
   * away (thousands when a flood of new keys evicts one per packet); this one stays past the entries it
   * evicted. No key lives behind it: it only passes keys it yields, each deleted at once, and new keys go last.
   */
  oldest: Iterator<IpAddr | string> | null;
  lastSweep: number;
}

/**
 * Forgets a rule's keys whose window has ended. forEach, not for-of: in an alert storm the sweep meets a full
 * rule of 10,000 keys, and each [key, bucket] pair and iterator result of a for-of was a new object (about
 * 5 MB over the storm capture). Its own function: the callback's closure over `now` inside makeRoom made
 * V8 allocate a context at every call of makeRoom, one per new key past the cap, sweeping or not.
 */
function sweepBuckets(r: CompiledRule, now: number): void {
  r.lastSweep = now;
  expireBuckets(r, now);
}

/** Forgets r's keys whose window has passed at `now` (the tick's sweep; sweepBuckets also notes the time). */
function expireBuckets(r: CompiledRule, now: number): void {
  r.buckets.forEach((b, k) => {
    if (now - b.start > r.windowMs) r.buckets.delete(k);
  });
}

/**
 * A CUSTOM_RULE detection's key (the rule and its track key): the one text both its raise and its fold
 * (foldNew) use, so the two find the same episode.
 */
function episodeKey(rule: string, key: IpAddr | string): string {
  return `${rule}|${typeof key === 'number' ? ALERT_ADDRESSES.text(key, '') : key}`;
}

function display(file: string): string {
  return file.startsWith('./') ? file.slice(2) : file;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function protoName(p: Packet): string | undefined {
  if (p.layers & LAYER_TCP) return 'TCP';
  if (p.layers & LAYER_UDP) return 'UDP';
  if (p.layers & LAYER_ICMPV6) return 'ICMPv6';
  if (p.layers & LAYER_ICMP) return 'ICMP';
  if (p.layers & LAYER_ARP) return 'ARP';
  return p.ipVersion ? String(p.ipProto) : undefined;
}

export class RuleEngineCore implements Detector {
  readonly name = 'rules';
  private rules: CompiledRule[] = [];
  private active: CompiledRule[] = [];
  /**
   * The enabled rules a packet can match, by its gate bits and TCP flags (prefilter.ts packetKey),
   * in file order; made when a key is first seen, dropped when rules change. A TCP segment without SYN
   * then walks only the rules that need no SYN, a DNS answer only those that may match DNS.
   */
  private byKey: Array<CompiledRule[] | undefined> = [];
  private sourcePath: string | null = null;
  private lastSweep = 0;
  /** What a toggle did to the file beyond the rule itself (a copy made, a save that failed); see takeNotes. */
  private readonly notes: RuleNote[] = [];
  private userCopy: string | null;

  constructor(
    private readonly raise: Raise,
    private readonly io: RuleIo | null = null,
    opts: RuleEngineOptions = {},
  ) {
    this.userCopy = opts.userCopy ?? null;
  }

  /** The notes of toggles since the last call, for the view that toggled (menu, dashboard), then forgotten. */
  takeNotes(): RuleNote[] {
    return this.notes.splice(0);
  }

  /** Parses rules from text (`file` names it in messages). All or nothing: on any error nothing changes. */
  load(text: string, file: string): LoadResult {
    const name = display(file);
    // A plain file (the shipped one, and most) is read without the yaml package, whose first parse in a
    // process costs about 30 ms of CPU (src/config/plain-yaml.ts); the positions a message needs are then
    // parsed only when there is a message to give.
    let raw: unknown = readPlainYaml(text);
    let located: Located | null = null;
    if (raw === undefined) {
      const parsed = parseLocated(text, name);
      if (parsed.errors.length) return { ok: false, rules: 0, enabled: 0, errors: parsed.errors, warnings: [] };
      located = parsed.located;
      raw = located.doc.toJS({ maxAliasCount: 100 });
    }
    const where = (): Located => (located ??= parseLocated(text, name).located);
    let list: unknown[];
    let base: Array<string | number>;
    if (raw === null || raw === undefined) {
      list = [];
      base = ['rules'];
    } else if (Array.isArray(raw)) {
      list = raw;
      base = [];
    } else if (isRecord(raw)) {
      const extra = Object.keys(raw).filter((k) => k !== 'rules');
      if (extra.length) {
        const pos = locate(where(), [extra[0]], 'key');
        return { ok: false, rules: 0, enabled: 0, errors: [`${name}:${pos.line}:${pos.col}: unknown top-level key '${extra[0]}' (a rules file has one key, 'rules')`], warnings: [] };
      }
      const r = raw.rules ?? [];
      if (!Array.isArray(r)) {
        const pos = locate(where(), ['rules']);
        return { ok: false, rules: 0, enabled: 0, errors: [`${name}:${pos.line}:${pos.col}: 'rules' must be a list of rules`], warnings: [] };
      }
      list = r;
      base = ['rules'];
    } else {
      return { ok: false, rules: 0, enabled: 0, errors: [`${name}:1:1: a rules file is a mapping with a 'rules' list`], warnings: [] };
    }
    if (list.length > MAX_RULES) return { ok: false, rules: 0, enabled: 0, errors: [`${name}:1:1: more than ${MAX_RULES} rules`], warnings: [] };

    const errors: string[] = [];
    const compiled: CompiledRule[] = [];
    const seen = new Map<string, number>();
    const keys = Object.keys(ruleEntrySchema.shape);
    list.forEach((item, i) => {
      const at = [...base, i];
      const label = isRecord(item) && typeof item.name === 'string' ? `rule "${item.name}"` : `rule ${i + 1}`;
      const prefix = (path: Array<string | number>, which: 'key' | 'value' = 'value'): string => {
        const pos = locate(where(), [...at, ...path], which);
        return `${name}:${pos.line}:${pos.col}: ${label}`;
      };
      if (!isRecord(item)) {
        errors.push(`${prefix([])}: each rule is a mapping with name, condition, threshold, window, severity`);
        return;
      }
      if (typeof item.name === 'string') {
        const dup = seen.get(item.name);
        if (dup !== undefined) {
          errors.push(`${prefix(['name'])}: duplicate rule name (rule ${dup + 1} has it too)`);
          return;
        }
        seen.set(item.name, i);
      }
      const parsed = ruleEntrySchema.safeParse(item, PARSE_ONCE);
      if (!parsed.success) {
        for (const iss of parsed.error.issues) {
          if (iss.code === 'unrecognized_keys') {
            for (const k of iss.keys) {
              const hint = nearest(k, keys);
              errors.push(`${prefix([k], 'key')}: unknown key '${k}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
            }
            continue;
          }
          const path = iss.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
          const k = String(path[0] ?? '');
          const got = item[k];
          let what: string;
          if (got === undefined) what = `is missing '${k}'`;
          else if (k === 'severity') what = `severity must be one of LOW, WARNING, HIGH, CRITICAL (got ${JSON.stringify(got)})`;
          else if (k === 'track') what = `track must be src, dst or pair (got ${JSON.stringify(got)})`;
          else if (k === 'threshold') what = `threshold must be a positive integer (got ${JSON.stringify(got)})`;
          else if (k === 'window') what = `window must be a positive number of seconds (got ${JSON.stringify(got)})`;
          else if (k === 'enabled') what = `enabled must be true or false (got ${JSON.stringify(got)})`;
          else what = `${k} must be a non-empty string (got ${JSON.stringify(got)})`;
          errors.push(`${prefix(got === undefined ? [] : path)}: ${what}`);
        }
        return;
      }
      const entry = parsed.data;
      let pred: Predicate;
      let gate: RuleGate;
      try {
        ({ pred, gate } = compileRule(entry.condition));
      } catch (e) {
        if (!(e instanceof RuleSyntaxError)) throw e;
        errors.push(this.conditionError(where(), [...at, 'condition'], entry.condition, label, e));
        return;
      }
      compiled.push({ entry, pred, gate, enabled: entry.enabled, matches: 0, windowMs: entry.window * 1000, buckets: new Map(), oldest: null, lastSweep: 0 });
    });
    if (errors.length) return { ok: false, rules: 0, enabled: 0, errors, warnings: [] };

    // Keep match counters of rules whose condition did not change (a reload is not a reset).
    const old = new Map(this.rules.map((r) => [r.entry.name, r]));
    for (const r of compiled) {
      const o = old.get(r.entry.name);
      if (o && o.entry.condition === r.entry.condition) r.matches = o.matches;
    }
    this.rules = compiled;
    this.refreshActive();
    return { ok: true, rules: compiled.length, enabled: this.active.length, errors: [], warnings: [] };
  }

  private conditionError(loc: Located, path: Array<string | number>, condition: string, label: string, e: RuleSyntaxError): string {
    const node = findNodes(loc.doc, path).value;
    const range = node?.range;
    let startOff = 0;
    let endOff = 0;
    if (range) {
      const offs = valueOffsets(loc.text, range[0], range[1], condition);
      startOff = offs[Math.min(e.start, condition.length)];
      const lastChar = offs[Math.max(e.start, Math.min(e.end, condition.length) - 1)];
      endOff = e.end > e.start ? lastChar + 1 : startOff + 1;
      if (e.start >= condition.length) endOff = startOff + 1;
    }
    const lp = loc.lines.linePos(startOff);
    return `${loc.file}:${lp.line}:${lp.col}: ${label}: ${e.message}\n${caret(loc.text, startOff, endOff, lp.line)}`;
  }

  /** Reads and loads a rules file through the injected I/O; remembers it for reload() and toggle(). */
  loadFile(path: string): LoadResult {
    if (!this.io) return { ok: false, rules: 0, enabled: 0, errors: [`${display(path)}: this rule engine has no file access`], warnings: [] };
    let text: string;
    try {
      text = this.io.read(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'rules file not found' : `cannot read rules file (${code ?? String(e)})`;
      return { ok: false, rules: 0, enabled: 0, errors: [`${display(path)}: ${why}`], warnings: [] };
    }
    const r = this.load(text, path);
    if (r.ok) this.sourcePath = path;
    return r;
  }

  /** Re-reads the rules file (menu 24, dashboard, SIGHUP). On errors the running rules stay. */
  reload(): { ok: boolean; message: string } {
    if (!this.sourcePath) return { ok: false, message: 'no rules file loaded; nothing to reload' };
    const r = this.loadFile(this.sourcePath);
    if (!r.ok) return { ok: false, message: `reload failed, keeping the ${this.rules.length} running rules:\n${r.errors.join('\n')}` };
    return { ok: true, message: `reloaded ${r.rules} rules from ${display(this.sourcePath)} (${r.enabled} enabled)` };
  }

  /** Flips a rule (by exact name, else case-insensitively); returns its new state or null if unknown. */
  toggle(name: string): boolean | null {
    const r = this.rules.find((x) => x.entry.name === name) ?? this.rules.find((x) => x.entry.name.toLowerCase() === name.toLowerCase());
    if (!r) return null;
    r.enabled = !r.enabled;
    r.buckets.clear();
    r.oldest = null;
    this.refreshActive();
    if (this.sourcePath && this.io) {
      let target = this.sourcePath;
      try {
        if (this.userCopy !== null && this.userCopy !== this.sourcePath) {
          target = this.userCopy;
          if (!this.io.copy) throw new Error('this rule engine cannot copy files');
          this.io.copy(this.sourcePath, target);
          const shipped = this.sourcePath;
          // From now on this run reads (reload) and saves (toggle) the copy; the next start finds it first.
          this.sourcePath = target;
          this.userCopy = null;
          this.notes.push({
            text: `saved in ${display(target)}, a copy of the shipped ${display(shipped)} with this change (that file is unchanged); ${display(target)} is read from now on`,
            saved: true,
          });
        }
        this.io.writeEnabled(target, r.entry.name, r.enabled);
      } catch (e) {
        this.notes.push({
          text: `${display(target)}: could not save the state of rule "${r.entry.name}": ${(e as Error).message} (it stays ${r.enabled ? 'enabled' : 'disabled'} for this run only)`,
          saved: false,
        });
      }
    }
    return r.enabled;
  }

  list(): RuleView[] {
    return this.rules.map((r) => ({
      name: r.entry.name,
      description: r.entry.description,
      condition: r.entry.condition,
      threshold: r.entry.threshold,
      window: r.entry.window,
      severity: r.entry.severity,
      enabled: r.enabled,
      matches: r.matches,
    }));
  }

  /** The loaded file (null before loadFile succeeded). */
  get path(): string | null {
    return this.sourcePath;
  }

  private refreshActive(): void {
    this.active = this.rules.filter((r) => r.enabled);
    this.byKey = [];
  }

  /**
   * The enabled rules a packet of this key can match, kept in byKey. Its own method: the filter's closure
   * captures `key`, and a closure in onPacket made V8 allocate a context for every call of it, packet or
   * not (measured: 41 of the 395 bytes the full pipeline allocated per packet on the bench's benign mix).
   */
  private rulesFor(key: number): CompiledRule[] {
    return (this.byKey[key] = this.active.filter((r) => fitsKey(r.gate, key)));
  }

  onPacket(p: Packet): void {
    if (this.active.length === 0) return;
    const key = packetKey(p);
    let list = this.byKey[key];
    if (list === undefined) list = this.rulesFor(key);
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (fitsPort(r.gate, p) && r.pred(p)) this.count(r, p);
    }
  }

  /**
   * Counts a packet that matched rule r, and raises at the threshold. Its own method, called only on a
   * match (a few packets in a thousand), so V8 does not inline it into onPacket and the Engine's handle:
   * its branches first taken late in a run (a key's second match, a window's restart, the first alert)
   * then make V8 recompile this method alone, not the whole packet path it was inlined into. The time is
   * p.ts (a number argument would be boxed per call).
   */
  private count(r: CompiledRule, p: Packet): void {
    const now = p.ts;
    r.matches++;
    const track = r.entry.track;
    const key: IpAddr | string = track === 'src' ? p.ipSrc : track === 'dst' ? p.ipDst : `${formatIp(p.ipSrc)}>${formatIp(p.ipDst)}`;
    let b = r.buckets.get(key);
    if (b && now - b.start > r.windowMs) {
      b.start = now;
      b.count = 0;
      b.fired = false;
    }
    if (!b) {
      if (r.buckets.size >= MAX_KEYS_PER_RULE) this.makeRoom(r, now);
      b = { start: now, count: 0, fired: false };
      r.buckets.set(key, b);
    }
    b.count++;
    if (!b.fired && b.count >= r.entry.threshold) {
      b.fired = true;
      if (!this.foldNew(r, p, now, key)) this.raise(this.detection(r, p, now, b.count, key));
    }
  }

  private makeRoom(r: CompiledRule, now: number): void {
    if (now - r.lastSweep >= 1000) sweepBuckets(r, now);
    // Still full: forget the oldest key (Map keeps insertion order).
    if (r.buckets.size >= MAX_KEYS_PER_RULE) {
      // Never done: the table is full, and every key it holds is at or after the cursor.
      const first = (r.oldest ??= r.buckets.keys()).next();
      if (!first.done) r.buckets.delete(first.value);
    }
  }

  onTick(now: number): void {
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    // forEach, not for-of over the entries: each entry of a for-of was an [key, bucket] array and an
    // iterator result made in this seldom-optimized loop (the attack mix's keys, every second).
    for (let i = 0; i < this.rules.length; i++) expireBuckets(this.rules[i], now);
  }

  status(): Record<string, unknown> {
    let keys = 0;
    for (const r of this.rules) keys += r.buckets.size;
    return { rules: this.rules.length, enabled: this.active.length, trackedKeys: keys, maxKeysPerRule: MAX_KEYS_PER_RULE };
  }

  /**
   * Offers the funnel the facts of the detection about to be made (raise.foldNew, see FoldNew): over
   * CUSTOM_RULE's storm budget it is folded from them, as raise() would fold the detection, and its message
   * and details are never made (an alert storm's custom rule alerts were made only to be folded). False:
   * nothing happened, the detection is raised.
   */
  private foldNew(r: CompiledRule, p: Packet, now: number, key: IpAddr | string): boolean {
    const fold = this.raise.foldNew;
    if (fold === undefined) return false;
    const e = r.entry;
    const hasPorts = (p.layers & (LAYER_TCP | LAYER_UDP)) !== 0;
    // Addresses as the detectors name them (the alert path's shared texts): no new text per fold, and a
    // storm source is then one string in every detection of it (the funnel, storm control and the
    // reputation score compare it with the source they saw last).
    return fold(
      'CUSTOM_RULE',
      e.severity,
      now,
      episodeKey(e.name, key),
      p.ipVersion ? ALERT_ADDRESSES.text(p.ip4Src, p.ip6Src) : undefined,
      p.ipVersion ? ALERT_ADDRESSES.text(p.ip4Dst, p.ip6Dst) : undefined,
      hasPorts ? p.srcPort : undefined,
      hasPorts ? p.dstPort : undefined,
      protoName(p),
      e.name,
    );
  }

  private detection(r: CompiledRule, p: Packet, now: number, count: number, key: IpAddr | string): Detection {
    const e = r.entry;
    const src = p.ipVersion ? ALERT_ADDRESSES.text(p.ip4Src, p.ip6Src) : undefined;
    const dst = p.ipVersion ? ALERT_ADDRESSES.text(p.ip4Dst, p.ip6Dst) : undefined;
    const who = e.track === 'src' ? `from ${src ?? '?'}` : e.track === 'dst' ? `to ${dst ?? '?'}` : `${src ?? '?'} -> ${dst ?? '?'}`;
    const message =
      e.threshold <= 1 ? `Rule "${e.name}" matched ${who}` : `Rule "${e.name}": ${count} matching packets in ${e.window}s ${who}`;
    const hasPorts = (p.layers & (LAYER_TCP | LAYER_UDP)) !== 0;
    return {
      type: 'CUSTOM_RULE',
      severity: e.severity,
      message,
      ts: now,
      key: episodeKey(e.name, key),
      src_ip: src,
      dst_ip: dst,
      src_port: hasPorts ? p.srcPort : undefined,
      dst_port: hasPorts ? p.dstPort : undefined,
      proto: protoName(p),
      details: {
        rule: e.name,
        description: e.description,
        condition: e.condition,
        count,
        threshold: e.threshold,
        window: e.window,
        track: e.track,
      },
    };
  }
}
