// Small shared helpers for detectors: bounded maps, sliding-window counters, address keys and names.
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

/** A Map that never holds more than `cap` entries: inserting into a full map drops the oldest insertion. */
export class BoundedMap<K, V> extends Map<K, V> {
  /** Entries dropped because the map was full (a flood of distinct keys shows up here). */
  evicted = 0;
  constructor(readonly cap: number) {
    super();
  }
  override set(key: K, value: V): this {
    if (this.size >= this.cap && !this.has(key)) {
      const oldest = this.keys().next();
      if (!oldest.done) {
        this.delete(oldest.value);
        this.evicted++;
      }
    }
    return super.set(key, value);
  }
  /** Moves an entry to the young end (least-recently-used order for eviction). */
  touch(key: K, value: V): void {
    this.delete(key);
    this.set(key, value);
  }
  /** Deletes every entry for which `stale` returns true. */
  sweep(stale: (v: V, k: K) => boolean): number {
    let n = 0;
    for (const [k, v] of this) {
      if (stale(v, k)) {
        this.delete(k);
        n++;
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

/** Packet time as ISO 8601 (the only Date use: formatting a given time, never reading the clock). */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
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
};

export function thresholds(settings: Settings | undefined): Thresholds {
  const t = (settings?.thresholds ?? {}) as Partial<Thresholds>;
  return { ...DEFAULT_THRESHOLDS, ...t };
}
