// Small shared helpers for detectors: bounded maps and fixed-size address tables, sliding-window
// counters, address keys and names.
import { formatIp } from '../decode/addr.js';
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type IpAddr,
  type Packet,
} from '../decode/packet.js';
import type { Settings } from '../config/schema.js';

/**
 * A map that never holds more than `cap` entries, in two generations: new keys go to the young map;
 * when it holds cap/2 the old generation is dropped (onEvict sees each entry) and the young becomes
 * old. Every operation is O(1) (amortised), unlike evicting a Map's first key one at a time, which V8
 * makes O(deleted entries) per call. Updating or touching a key in the old generation moves it to the
 * young one, so live entries survive a flood of new keys; a flood of more than cap/2 new keys between
 * two touches does push them out (bounded memory wins).
 */
export class BoundedMap<K, V> {
  /** Entries dropped because the map was full (a flood of distinct keys shows up here). */
  evicted = 0;
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private readonly half: number;
  constructor(
    readonly cap: number,
    private readonly onEvict?: (v: V, k: K) => void,
  ) {
    this.half = Math.max(1, Math.floor(cap / 2));
  }
  get size(): number {
    return this.young.size + this.old.size;
  }
  get(key: K): V | undefined {
    const v = this.young.get(key);
    return v !== undefined ? v : this.old.get(key);
  }
  has(key: K): boolean {
    return this.young.has(key) || this.old.has(key);
  }
  set(key: K, value: V): this {
    if (this.young.has(key)) {
      this.young.set(key, value);
      return this;
    }
    this.old.delete(key);
    this.young.set(key, value);
    if (this.young.size >= this.half) this.rotate();
    return this;
  }
  /** Marks an entry as recently used (moves it to the young generation). */
  touch(key: K, value: V): void {
    if (!this.young.has(key)) this.set(key, value);
  }
  delete(key: K): boolean {
    return this.young.delete(key) || this.old.delete(key);
  }
  clear(): void {
    this.young.clear();
    this.old.clear();
  }
  private rotate(): void {
    const dropped = this.old;
    this.evicted += dropped.size;
    if (this.onEvict) for (const [k, v] of dropped) this.onEvict(v, k);
    this.old = this.young;
    this.young = new Map();
  }
  *entries(): IterableIterator<[K, V]> {
    yield* this.old.entries();
    yield* this.young.entries();
  }
  *values(): IterableIterator<V> {
    yield* this.old.values();
    yield* this.young.values();
  }
  *keys(): IterableIterator<K> {
    yield* this.old.keys();
    yield* this.young.keys();
  }
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
  /** Deletes every entry for which `stale` returns true. */
  sweep(stale: (v: V, k: K) => boolean): number {
    let n = 0;
    for (const m of [this.old, this.young]) {
      for (const [k, v] of m) {
        if (stale(v, k)) {
          m.delete(k);
          n++;
        }
      }
    }
    return n;
  }
}

/**
 * Events in a sliding window, kept as `slots` buckets: add() and total() are O(slots) at worst, memory
 * is constant. Time is packet time (ms).
 */
export class WindowCounter {
  private readonly counts: Float64Array;
  private readonly slotMs: number;
  /** Slot index (floor(now / slotMs)) of the newest bucket. */
  private head = -1;
  constructor(windowMs: number, slots = 10) {
    this.counts = new Float64Array(slots);
    this.slotMs = Math.max(1, windowMs / slots);
  }
  private advance(now: number): void {
    const slot = Math.floor(now / this.slotMs);
    if (this.head < 0) {
      this.head = slot;
      return;
    }
    if (slot <= this.head) return;
    const n = this.counts.length;
    const steps = Math.min(n, slot - this.head);
    for (let i = 1; i <= steps; i++) this.counts[(this.head + i) % n] = 0;
    this.head = slot;
  }
  add(now: number, delta = 1): void {
    this.advance(now);
    const slot = Math.floor(now / this.slotMs);
    if (slot > this.head - this.counts.length && slot <= this.head) this.counts[slot % this.counts.length] += delta;
  }
  /** Removes an event added at time `at` if its bucket is still in the window (never below zero). */
  remove(now: number, at: number): void {
    this.advance(now);
    const slot = Math.floor(at / this.slotMs);
    if (slot > this.head - this.counts.length && slot <= this.head) {
      const i = slot % this.counts.length;
      if (this.counts[i] > 0) this.counts[i]--;
    }
  }
  total(now: number): number {
    this.advance(now);
    let s = 0;
    for (let i = 0; i < this.counts.length; i++) s += this.counts[i];
    return s;
  }
  /** Start time (ms) of the oldest bucket that holds events, or `now` when empty. */
  oldest(now: number): number {
    this.advance(now);
    const n = this.counts.length;
    for (let k = n - 1; k >= 0; k--) {
      const slot = this.head - k;
      if (this.counts[((slot % n) + n) % n] > 0) return slot * this.slotMs;
    }
    return now;
  }
}

/** Display name of the transport protocol of a packet. */
export function protoName(p: Packet): string {
  switch (p.ipProto) {
    case IPPROTO_TCP:
      return 'TCP';
    case IPPROTO_UDP:
      return 'UDP';
    case IPPROTO_ICMP:
      return 'ICMP';
    case IPPROTO_ICMPV6:
      return 'ICMPv6';
    default:
      return p.ipVersion ? `IP/${p.ipProto}` : 'Other';
  }
}

/** Map key for an address (IPv4 numbers and IPv6 text never collide: "v4:" is implied by the type). */
export function ipKey(a: IpAddr): string | number {
  return a;
}

export function ipText(a: IpAddr): string {
  return formatIp(a);
}

let isoMs = NaN;
let isoText = '';
/**
 * Packet time as ISO 8601 (the only Date use: formatting a given time, never reading the clock). The
 * last result is reused for the same millisecond: a flood raises many alerts within one.
 */
export function iso(ms: number): string {
  const whole = Math.trunc(ms);
  if (whole !== isoMs) {
    isoText = new Date(whole).toISOString();
    isoMs = whole;
  }
  return isoText;
}

/** Sorted copy of a set of ports, at most `max` of them (evidence samples). */
export function portSample(ports: Iterable<number>, max = 50): number[] {
  return Array.from(ports)
    .sort((a, b) => a - b)
    .slice(0, max);
}

/** The thresholds block with every detection key present (defaults for keys an older settings object lacks). */
export interface Thresholds {
  port_scan: number;
  syn_flood: number;
  connection_flood: number;
  port_sweep: number;
  scan_window: number;
  connection_flood_window: number;
  port_sweep_window: number;
  slow_scan_ports: number;
  slow_scan_idle: number;
  probe_timeout: number;
  icmp_sweep: number;
  suspicious_ports: number[];
  baseline_window: number;
  surge_sigma: number;
  surge_min_pps: number;
  surge_min_bps: number;
  /** decoy-scan.ts */
  decoy_ports: number;
  decoy_sources: number;
  decoy_lockstep: number;
  /** distributed-scan.ts */
  distributed_ports: number;
  distributed_sources: number;
  distributed_source_ports: number;
  distributed_window: number;
}

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

export function thresholds(settings: Settings | undefined): Thresholds {
  const t = (settings?.thresholds ?? {}) as Partial<Thresholds>;
  return { ...DEFAULT_THRESHOLDS, ...t };
}

/** 32-bit hash of an address (IPv4 number or IPv6 text). */
export function hashIp(a: IpAddr): number {
  if (typeof a === 'number') return Math.imul(a ^ (a >>> 15), 0x9e3779b1) >>> 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A fixed-size table of TCP handshakes in progress, keyed by the initiator's 4-tuple given as address
 * hashes (addrHash) and ports (slot by one hash, checked by a second as fingerprint): no allocation per SYN, so a spoofed flood costs nothing but
 * overwritten slots (a collision forgets one handshake, which only makes a count slightly high).
 */
export class HandshakeTable {
  readonly ts: Float64Array;
  readonly fp: Int32Array;
  readonly stage: Uint8Array;
  private readonly mask: number;
  count = 0;
  constructor(bits = 16) {
    const n = 1 << bits;
    this.ts = new Float64Array(n);
    this.fp = new Int32Array(n);
    this.stage = new Uint8Array(n);
    this.mask = n - 1;
  }
  private slotOf(a: number, b: number, sp: number, dp: number): number {
    return ((Math.imul(a ^ Math.imul(b, 0x85ebca6b) ^ ((sp << 16) | dp), 0xc2b2ae35) ^ (a >>> 13)) >>> 0) & this.mask;
  }
  private fpOf(a: number, b: number, sp: number, dp: number): number {
    return Math.imul(b ^ Math.imul(a, 0x27d4eb2f) ^ ((dp << 16) | sp), 0x165667b1) | 1;
  }
  /** Slot of the initiator 4-tuple if present, else -1. `a`, `b`: addrHash() of source and destination. */
  find(a: number, sport: number, b: number, dport: number): number {
    const s = this.slotOf(a, b, sport, dport);
    return this.ts[s] !== 0 && this.fp[s] === this.fpOf(a, b, sport, dport) ? s : -1;
  }
  /** Records a handshake start; returns its slot. `a`, `b`: addrHash() of source and destination. */
  add(a: number, sport: number, b: number, dport: number, now: number, stage = 1): number {
    const s = this.slotOf(a, b, sport, dport);
    if (this.ts[s] === 0) this.count++;
    this.ts[s] = now || 1;
    this.fp[s] = this.fpOf(a, b, sport, dport);
    this.stage[s] = stage;
    return s;
  }
  remove(slot: number): void {
    if (this.ts[slot] !== 0) {
      this.ts[slot] = 0;
      this.count--;
    }
  }
  /** Forgets handshakes older than maxAgeMs. */
  expire(now: number, maxAgeMs: number): void {
    if (this.count === 0) return;
    const ts = this.ts;
    for (let i = 0; i < ts.length; i++) {
      if (ts[i] !== 0 && now - ts[i] > maxAgeMs) {
        ts[i] = 0;
        this.count--;
      }
    }
  }
}

/** 32-bit hash of an address given as the packet keeps it: IPv4 as int32 `a4`, IPv6 as text `a6` ('' for IPv4). */
export function addrHash(a4: number, a6: string): number {
  if (a6 === '') return Math.imul(a4 ^ (a4 >>> 15), 0x9e3779b1);
  let h = 0x811c9dc5;
  for (let i = 0; i < a6.length; i++) h = Math.imul(h ^ a6.charCodeAt(i), 0x01000193);
  return h;
}

/** Display text of an address kept as (int32 IPv4, IPv6 text). */
export function addrText(a4: number, a6: string): string {
  return a6 !== '' ? a6 : formatIp(a4 >>> 0);
}

/** Ways (slots) per bucket of an AddrTable. */
const WAYS = 8;
/** Tag bits of an AddrTable slot. */
const T_USED = 1;
const T_V6 = 2;

/**
 * A fixed-size, set-associative hash table for detector state keyed by up to two addresses and a
 * number: (a4, a6, b4, b6, x), where an address is its int32 IPv4 form plus its IPv6 text ('' for
 * IPv4), as Packet keeps them. It only holds the keys; a detector keeps its values in typed arrays
 * (or plain arrays) indexed by the slot number this table hands out.
 *
 * Why: a Map keyed by a string built per packet costs a string, a Map entry and usually an object per
 * new key, all promoted garbage once the key is evicted; under a spoofed flood of a million sources
 * that garbage, not the live state, is what grew the heap. Here a lookup allocates nothing and the
 * memory is fixed when the table is made. The numeric key fields of a slot sit side by side (a4, b4,
 * x, tag), so scanning a bucket touches two cache lines; IPv6 text is only compared for IPv6 keys.
 *
 * A key lives in one bucket of 8 slots (chosen by hash). When its bucket is full a new key replaces
 * the slot with the lowest pin (the detector's priority, e.g. 1 for state that already holds
 * evidence of a scan), oldest `touched` first: a flood of new keys pushes out single-packet state
 * before real evidence. `replaced` tells the caller that insert() overwrote a live entry (so it can
 * drop that entry's values).
 */
export class AddrTable {
  /** Slots (a power of two, at least 8). */
  readonly slots: number;
  /** Per slot: a4, b4, x, tag (T_USED, T_V6, pin << 8). */
  private readonly k: Int32Array;
  private readonly a6s: string[];
  private readonly b6s: string[];
  /** Last use (packet time); the detector sets it, insert() prefers the oldest as victim. */
  readonly touched: Float64Array;
  /** Insertion sequence number of each entry: reports that go out together keep first-seen order. */
  readonly born: Float64Array;
  private births = 0;
  private readonly mask: number;
  /** Live entries. */
  count = 0;
  /** Live entries replaced because their bucket was full (a flood of distinct keys shows up here). */
  evicted = 0;
  /** Set by insert(): true when the returned slot held a live entry (now replaced). */
  replaced = false;

  constructor(cap: number) {
    let n = WAYS;
    while (n < cap) n *= 2;
    this.slots = n;
    this.k = new Int32Array(n * 4);
    this.a6s = new Array<string>(n).fill('');
    this.b6s = new Array<string>(n).fill('');
    this.touched = new Float64Array(n);
    this.born = new Float64Array(n);
    this.mask = n / WAYS - 1;
  }

  a4(slot: number): number {
    return this.k[slot << 2];
  }
  b4(slot: number): number {
    return this.k[(slot << 2) + 1];
  }
  x(slot: number): number {
    return this.k[(slot << 2) + 2];
  }
  a6(slot: number): string {
    return (this.k[(slot << 2) + 3] & T_V6) !== 0 ? this.a6s[slot] : '';
  }
  b6(slot: number): string {
    return (this.k[(slot << 2) + 3] & T_V6) !== 0 ? this.b6s[slot] : '';
  }
  isUsed(slot: number): boolean {
    return (this.k[(slot << 2) + 3] & T_USED) !== 0;
  }
  /** Eviction priority (lower goes first); 0 after insert(). */
  setPin(slot: number, pin: number): void {
    const i = (slot << 2) + 3;
    this.k[i] = (this.k[i] & 0xff) | (pin << 8);
  }

  private base(a4: number, a6: string, b4: number, b6: string, x: number): number {
    let h = addrHash(a4, a6);
    h = Math.imul(h ^ (h >>> 16) ^ addrHash(b4, b6), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ x, 0xc2b2ae35);
    h ^= h >>> 16;
    return (h & this.mask) * WAYS;
  }

  /** Slot of the key, or -1. */
  find(a4: number, a6: string, b4: number, b6: string, x: number): number {
    const s0 = this.base(a4, a6, b4, b6, x);
    const want = a6 !== '' || b6 !== '' ? T_USED | T_V6 : T_USED;
    const k = this.k;
    for (let s = s0; s < s0 + WAYS; s++) {
      const i = s << 2;
      if (
        (k[i + 3] & (T_USED | T_V6)) === want &&
        k[i + 2] === x &&
        k[i] === a4 &&
        k[i + 1] === b4 &&
        (want === T_USED || (this.a6s[s] === a6 && this.b6s[s] === b6))
      ) {
        return s;
      }
    }
    return -1;
  }

  /**
   * Takes a slot for a key that find() did not return: an empty one of its bucket, else the lowest
   * pin, least recently touched. Sets the key, pin 0 and touched = now; `replaced` says whether a live
   * entry was overwritten.
   */
  insert(a4: number, a6: string, b4: number, b6: string, x: number, now: number): number {
    const s0 = this.base(a4, a6, b4, b6, x);
    const k = this.k;
    let v = -1;
    let vRank = 0;
    for (let s = s0; s < s0 + WAYS; s++) {
      const tag = k[(s << 2) + 3];
      if ((tag & T_USED) === 0) {
        v = s;
        break;
      }
      const rank = tag >>> 8;
      if (v < 0 || rank < vRank || (rank === vRank && this.touched[s] < this.touched[v])) {
        v = s;
        vRank = rank;
      }
    }
    const i = v << 2;
    const old = k[i + 3];
    if ((old & T_USED) !== 0) {
      this.replaced = true;
      this.evicted++;
    } else {
      this.replaced = false;
      this.count++;
    }
    k[i] = a4;
    k[i + 1] = b4;
    k[i + 2] = x;
    if (a6 !== '' || b6 !== '') {
      k[i + 3] = T_USED | T_V6;
      this.a6s[v] = a6;
      this.b6s[v] = b6;
    } else {
      k[i + 3] = T_USED;
      if ((old & T_V6) !== 0) {
        this.a6s[v] = '';
        this.b6s[v] = '';
      }
    }
    this.touched[v] = now;
    this.born[v] = ++this.births;
    return v;
  }

  /** Sorts slots by insertion order (oldest entry first), in place. */
  byAge(slots: number[]): number[] {
    if (slots.length > 1) slots.sort((i, j) => this.born[i] - this.born[j]);
    return slots;
  }

  remove(slot: number): void {
    const i = (slot << 2) + 3;
    const tag = this.k[i];
    if ((tag & T_USED) !== 0) {
      this.k[i] = 0;
      if ((tag & T_V6) !== 0) {
        this.a6s[slot] = '';
        this.b6s[slot] = '';
      }
      this.count--;
    }
  }

  clear(): void {
    this.k.fill(0);
    this.a6s.fill('');
    this.b6s.fill('');
    this.count = 0;
  }
}

/**
 * Per-slot counts for detectors whose first event raises and whose repeats update the same alert at
 * most once per `updateMs` of packet time (suspicious ports, decode anomalies). Slots are those of an
 * AddrTable; an episode idle for `idleMs` starts afresh.
 */
export class EpisodeCounts {
  readonly count: Float64Array;
  readonly reported: Float64Array;
  readonly first: Float64Array;
  readonly last: Float64Array;
  readonly lastRaise: Float64Array;
  private lastSweep = 0;

  constructor(
    readonly tab: AddrTable,
    private readonly updateMs: number,
    private readonly idleMs: number,
  ) {
    const n = tab.slots;
    this.count = new Float64Array(n);
    this.reported = new Float64Array(n);
    this.first = new Float64Array(n);
    this.last = new Float64Array(n);
    this.lastRaise = new Float64Array(n);
  }

  /** True when slot `s` (or no slot, -1) starts a new episode at `now`. */
  isFresh(s: number, now: number): boolean {
    return s < 0 || now - this.last[s] > this.idleMs;
  }

  /** Starts an episode in slot `s`. */
  start(s: number, now: number): void {
    this.count[s] = 1;
    this.reported[s] = 0;
    this.first[s] = now;
    this.last[s] = now;
    this.lastRaise[s] = 0;
  }

  /** Counts a repeat; true when the alert is due an update. */
  repeat(s: number, now: number): boolean {
    this.count[s]++;
    this.last[s] = now;
    return now - this.lastRaise[s] >= this.updateMs;
  }

  /** Notes that slot `s` was reported now (call from the detector's report). */
  reportedAt(s: number, now: number): void {
    this.lastRaise[s] = now;
    this.reported[s] = this.count[s];
  }

  /** Slots whose count grew since their last report, oldest first (onTick's catch-up reports). */
  due(): number[] {
    const tab = this.tab;
    if (tab.count === 0) return [];
    const due: number[] = [];
    for (let s = 0; s < tab.slots; s++) if (tab.isUsed(s) && this.count[s] !== this.reported[s]) due.push(s);
    return tab.byAge(due);
  }

  /** Removes episodes idle past idleMs (every 30 s of packet time unless `force`); `onRemove` clears extra slot data. */
  sweep(now: number, onRemove: (s: number) => void, force = false): void {
    if (!force) {
      if (now - this.lastSweep < 30_000) return;
      this.lastSweep = now;
    }
    const tab = this.tab;
    if (tab.count === 0) return;
    for (let s = 0; s < tab.slots; s++) {
      if (tab.isUsed(s) && now - this.last[s] > this.idleMs) {
        onRemove(s);
        tab.remove(s);
      }
    }
  }
}
