// AddrTable (fixed, set-associative detector state keyed by two addresses and a number): find, insert
// (with eviction by pin and age when a bucket is full), remove and clear give exactly the slots the table
// gave before the per-slot key fingerprints and the separate pin array were added (random operations
// against a reference copy of that table, IPv4 and IPv6 keys, full buckets, pins past 24 bits), and a key
// is found until it is removed or evicted.
import { describe, expect, it } from 'vitest';
import { AddrTable } from '../../src/detect/state/index.js';
import { addrHash } from '../../src/detect/state/addr-keys.js';
import { rng } from '../helpers/seeded-random.js';

const WAYS = 8;
const T_USED = 1;
const T_V6 = 2;

/** AddrTable.insert and the touched time its callers set at once. */
function put(t: AddrTable, a4: number, a6: string, b4: number, b6: string, x: number, now: number): number {
  const s = t.insert(a4, a6, b4, b6, x);
  t.touched[s] = now;
  return s;
}

/** The table as it was before the fingerprints (src/detect/state/addr-table.ts, unchanged otherwise). */
class OldAddrTable {
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

type Key = [number, string, number, string, number];

/** The table's inside: its pairs of IPv6 texts, and each slot's pair. */
function inside(t: AddrTable): { texts: string[]; v6at: Int32Array } {
  return t as unknown as { texts: string[]; v6at: Int32Array };
}

/** The IPv6 texts the table still keeps for a slot (a free slot's must be '', not the last key's). */
function kept(t: AddrTable, slot: number): [string, string] {
  const { texts, v6at } = inside(t);
  return [texts[2 * v6at[slot]], texts[2 * v6at[slot] + 1]];
}

describe('AddrTable', () => {
  it('finds a key until it is removed; a full bucket evicts the lowest pin, oldest first', () => {
    const t = new AddrTable(8); // one bucket of 8 slots
    const keys: Key[] = [];
    for (let i = 0; i < 8; i++) {
      const k: Key = [0x0a000001 + i, '', 0x0a0000fe, '', 80];
      keys.push(k);
      const s = put(t, ...k, 1000 + i);
      expect(t.replaced).toBe(false);
      if (i !== 3) t.setPin(s, 1); // key 3 keeps pin 0: it goes first
    }
    expect(t.count).toBe(8);
    for (const k of keys) expect(t.find(...k)).toBeGreaterThanOrEqual(0);
    const s3 = t.find(...keys[3]);
    const n = put(t, 0x0b000001, '', 0x0a0000fe, '', 80, 2000);
    expect(n).toBe(s3);
    expect(t.replaced).toBe(true);
    expect(t.evicted).toBe(1);
    expect(t.find(...keys[3])).toBe(-1);
    expect(t.find(0x0b000001, '', 0x0a0000fe, '', 80)).toBe(n);
    // All pinned now except the new one (pin 0 after insert): it is the next victim.
    expect(put(t, 0x0c000001, '', 0x0a0000fe, '', 80, 3000)).toBe(n);
    t.remove(t.find(...keys[0]));
    expect(t.find(...keys[0])).toBe(-1);
    expect(t.count).toBe(7);
    // The freed slot is taken before any eviction.
    const free = put(t, ...keys[0], 4000);
    expect(t.replaced).toBe(false);
    expect(t.find(...keys[0])).toBe(free);
    // A reused slot starts at pin 0 whatever its last entry's pin was (key 0 had pin 1): with the
    // others pinned, it is the next victim.
    t.setPin(n, 1);
    expect(put(t, 0x0d000001, '', 0x0a0000fe, '', 80, 5000)).toBe(free);
    expect(t.replaced).toBe(true);
    t.clear();
    expect(t.count).toBe(0);
    for (const k of keys) expect(t.find(...k)).toBe(-1);
  });

  it('keeps the pin setPin() stored, as pinOf() reads it back (setPin(s, pinOf(s)) changes nothing)', () => {
    const t = new AddrTable(8);
    const s = put(t, 0x0a000001, '', 0x0a0000fe, '', 80, 1);
    expect(t.pinOf(s)).toBe(0);
    for (const pin of [1, 3, -1, 0x1000002]) {
      t.setPin(s, pin);
      const stored = t.pinOf(s);
      expect(stored).toBe((pin << 8) >>> 8);
      t.setPin(s, stored);
      expect(t.pinOf(s)).toBe(stored);
    }
  });

  it('drops the IPv6 texts of a key an IPv4 key replaces, from a free slot or by eviction', () => {
    const t = new AddrTable(8); // one bucket of 8 slots
    const v6: number[] = [];
    for (let i = 0; i < 8; i++) v6.push(put(t, 0, `2001:db8::${i}`, 0, '2001:db8::fe', 443, 100 + i));
    // Full: the oldest IPv6 key (touched at 100) goes, and its texts with it.
    const s = put(t, 0x0a000001, '', 0x0a0000fe, '', 80, 200);
    expect(t.replaced).toBe(true);
    expect(s).toBe(v6[0]);
    expect(kept(t, s)).toEqual(['', '']);
    expect(t.find(0x0a000001, '', 0x0a0000fe, '', 80)).toBe(s);
    // A removed IPv6 key's slot is free and clear; an IPv6 key taking a slot keeps its own texts.
    t.remove(v6[1]);
    expect(kept(t, v6[1])).toEqual(['', '']);
    const s6 = put(t, 0, '2001:db8::99', 0, '2001:db8::fe', 443, 300);
    expect(s6).toBe(v6[1]);
    expect([t.a6(s6), t.b6(s6)]).toEqual(['2001:db8::99', '2001:db8::fe']);
  });

  it('removeIf(slot, true) is remove(slot); removeIf(slot, false) changes nothing, on a live or a free slot', () => {
    const t = new AddrTable(8); // one bucket of 8 slots
    const s4 = put(t, 0x0a000001, '', 0x0a0000fe, '', 80, 1);
    const s6 = put(t, 0, '2001:db8::1', 0, '2001:db8::fe', 443, 2);
    const free = 7;
    expect(t.isUsed(free)).toBe(false);
    for (const s of [s4, s6, free]) t.removeIf(s, false);
    expect(t.count).toBe(2);
    expect(t.find(0x0a000001, '', 0x0a0000fe, '', 80)).toBe(s4);
    expect(t.find(0, '2001:db8::1', 0, '2001:db8::fe', 443)).toBe(s6);
    expect([t.a6(s6), t.b6(s6)]).toEqual(['2001:db8::1', '2001:db8::fe']);
    // A free slot stays free (and uncounted) when asked to go.
    t.removeIf(free, true);
    expect(t.count).toBe(2);
    t.removeIf(s6, true);
    expect(t.count).toBe(1);
    expect(t.isUsed(s6)).toBe(false);
    expect(t.find(0, '2001:db8::1', 0, '2001:db8::fe', 443)).toBe(-1);
    expect(kept(t, s6)).toEqual(['', '']);
    t.removeIf(s4, true);
    expect(t.count).toBe(0);
    expect(t.find(0x0a000001, '', 0x0a0000fe, '', 80)).toBe(-1);
    // The freed slots are taken again, first in slot order.
    expect(put(t, 0x0a000002, '', 0x0a0000fe, '', 80, 3)).toBe(Math.min(s4, s6));
    expect(t.replaced).toBe(false);
  });

  it('keeps one pair of IPv6 texts per slot that ever held an IPv6 key, however many keys come and go', () => {
    const t = new AddrTable(64);
    const { texts } = inside(t);
    expect(texts).toEqual(['', '']);
    // IPv4 keys alone take no pair.
    for (let i = 0; i < 1000; i++) put(t, 0x0a000000 + i, '', 0x0a0000fe, '', 80, i);
    expect(texts.length).toBe(2);
    // 20,000 IPv6 keys through 64 slots, by eviction and removal, mixed with IPv4 keys over them.
    const next = rng(99);
    for (let i = 0; i < 20_000; i++) {
      const v6 = next() < 0.7;
      const s = v6 ? put(t, 0, `2001:db8::${i.toString(16)}`, 0, `2001:db8:1::${i % 7}`, 443, 1000 + i) : put(t, 0x0b000000 + i, '', 0x0a0000fe, '', 80, 1000 + i);
      if (v6) expect([t.a6(s), t.b6(s)]).toEqual([`2001:db8::${i.toString(16)}`, `2001:db8:1::${i % 7}`]);
      else expect(kept(t, s)).toEqual(['', '']);
      if (next() < 0.3) t.remove(s);
    }
    expect(texts.length).toBeLessThanOrEqual(2 * (t.slots + 1));
    // Pair 0 (the slots that never held an IPv6 key) is never written with a text.
    expect([texts[0], texts[1]]).toEqual(['', '']);
    // A free slot keeps no text; clear() leaves every pair ''.
    for (let s = 0; s < t.slots; s++) if (!t.isUsed(s)) expect(kept(t, s)).toEqual(['', '']);
    t.clear();
    expect(texts.every((x) => x === '')).toBe(true);
  });

  it('tells IPv4 and IPv6 keys apart and compares IPv6 text', () => {
    const t = new AddrTable(64);
    const s6 = put(t, 0, '2001:db8::1', 0, '2001:db8::2', 443, 1);
    const s4 = put(t, 0, '', 0, '', 443, 1);
    expect(s6).not.toBe(s4);
    expect(t.find(0, '2001:db8::1', 0, '2001:db8::2', 443)).toBe(s6);
    expect(t.find(0, '2001:db8::1', 0, '2001:db8::3', 443)).toBe(-1);
    expect(t.find(0, '', 0, '', 443)).toBe(s4);
    expect(t.a6(s6)).toBe('2001:db8::1');
    expect(t.b6(s6)).toBe('2001:db8::2');
  });

  it.each([
    [8, 1],
    [64, 2],
    [1024, 3],
    [65536, 4],
  ])('gives the same slots as the table without fingerprints under random operations (%i slots, seed %i)', (cap, seed) => {
    const t = new AddrTable(cap);
    const r = new OldAddrTable(cap);
    const next = rng(seed * 2654435761);
    // Keys drawn from a small space, so they repeat, fill buckets and get evicted; some IPv6.
    const key = (): Key => {
      const v6 = next() < 0.2;
      const a = Math.floor(next() * 40);
      const b = Math.floor(next() * 6);
      return v6 ? [0, `2001:db8::${a.toString(16)}`, 0, `2001:db8:1::${b}`, Math.floor(next() * 4)] : [0x0a000000 + a, '', 0x0a010000 + b, '', Math.floor(next() * 4)];
    };
    let now = 0;
    // Differences are collected (first few kept) rather than asserted per step: 20,000 steps stay quick.
    const diffs: string[] = [];
    const same = (what: string, a: unknown, b: unknown): void => {
      if (a !== b && diffs.length < 5) diffs.push(`step ${what}: ${String(a)} vs ${String(b)}`);
    };
    let inserts = 0;
    let evictions = 0;
    for (let i = 0; i < 20_000; i++) {
      now += Math.floor(next() * 10);
      const k = key();
      const op = next();
      const s = t.find(...k);
      same(`${i} find`, s, r.find(...k));
      // The same lookup with the addresses' hashes given.
      const ha = addrHash(k[0], k[1]);
      const hb = addrHash(k[2], k[3]);
      same(`${i} findH`, t.findH(ha, hb, ...k), s);
      if (op < 0.5) {
        if (s < 0) {
          // Half of the inserts through insertH (the caller's time set at once, as put() does).
          let a: number;
          if (next() < 0.5) {
            a = t.insertH(ha, hb, ...k);
            t.touched[a] = now;
          } else {
            a = put(t, ...k, now);
          }
          inserts++;
          if (t.replaced) evictions++;
          same(`${i} insert`, a, r.insert(...k, now));
          same(`${i} replaced`, t.replaced, r.replaced);
          if (next() < 0.3) {
            // Mostly small pins; now and then one past 24 bits or negative, ranked as the tag word's
            // unsigned 24 bits ranked them (the pins have their own array now).
            const u = next();
            const pin = u < 0.02 ? -1 : u < 0.04 ? 0x1000002 : 1 + Math.floor(next() * 3);
            t.setPin(a, pin);
            r.setPin(a, pin);
          }
        } else {
          t.touched[s] = now;
          r.touched[s] = now;
        }
      } else if (op < 0.8) {
        if (s >= 0) {
          // Half of the removals through removeIf, which must do what remove does.
          if (next() < 0.5) t.removeIf(s, true);
          else t.remove(s);
          r.remove(s);
        }
        // removeIf(slot, false) on any slot, live or free: no change.
        t.removeIf(Math.floor(next() * t.slots), false);
      } else if (op < 0.8005) {
        t.clear();
        r.clear();
      }
      same(`${i} count`, t.count, r.count);
      same(`${i} evicted`, t.evicted, r.evicted);
    }
    for (let s = 0; s < t.slots; s++) {
      same(`end used ${s}`, t.isUsed(s), r.isUsed(s));
      if (t.isUsed(s)) same(`end key ${s}`, [t.a4(s), t.a6(s), t.b4(s), t.b6(s), t.x(s)].join(), [r.a4(s), r.a6(s), r.b4(s), r.b6(s), r.x(s)].join());
    }
    expect(diffs).toEqual([]);
    expect(inserts).toBeGreaterThan(1000);
    // Small tables fill up: evictions happened there (the case the fingerprints must follow too).
    if (cap <= 64) expect(evictions).toBeGreaterThan(100);
  });
});
