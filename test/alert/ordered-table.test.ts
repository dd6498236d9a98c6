// The insertion-ordered table of the funnel's open episodes and the history's write queue
// (src/alert/ordered-table.ts), held to a Map: the same values, the same order, and the same visits when
// entries come and go during an iteration, through compactions and growth.
import { describe, expect, it } from 'vitest';
import { OrderedTable } from '../../src/alert/ordered-table.js';
import { rng } from '../../bench/traffic-gen.js';

type Hash = (k: string) => number;
/** The table's own hash, and one that puts every key of a length in one probe chain (collisions on every lookup). */
const HASHES: Array<[string, Hash]> = [
  ['textHash', (k) => OrderedTable.hash(k)],
  ['colliding', (k) => k.length],
];

function same(t: OrderedTable<number>, m: Map<string, number>): void {
  expect(t.size).toBe(m.size);
  const seen: number[] = [];
  t.each((v) => {
    seen.push(v);
  });
  expect(seen).toEqual([...m.values()]);
  expect(t.first()).toBe(m.values().next().value);
}

describe('OrderedTable', () => {
  for (const [name, hash] of HASHES) {
    it(`holds what a Map holds, in its order, through random sets, deletes, shifts and clears (${name} hash)`, () => {
      const r = rng(name === 'colliding' ? 5 : 3);
      const t = new OrderedTable<number>();
      const m = new Map<string, number>();
      for (let i = 0; i < 40_000; i++) {
        const k = `k${Math.floor(r() * 700)}`;
        const op = r();
        if (op < 0.3) {
          t.set(k, i, hash(k));
          m.set(k, i);
        } else if (op < 0.45) {
          // add(): only for a key not held (as the funnel calls it), else set().
          if (m.has(k)) t.set(k, i, hash(k));
          else t.add(k, i, hash(k));
          m.set(k, i);
        } else if (op < 0.8) {
          expect(t.delete(k, hash(k))).toBe(m.delete(k));
        } else if (op < 0.9) {
          expect(t.get(k, hash(k))).toBe(m.get(k));
          expect(t.has(k, hash(k))).toBe(m.has(k));
        } else if (op < 0.9995) {
          const oldest = m.keys().next();
          expect(t.shift()).toBe(oldest.done ? undefined : m.get(oldest.value));
          if (!oldest.done) m.delete(oldest.value);
        } else {
          t.clear();
          m.clear();
        }
        if (i % 997 === 0) same(t, m);
      }
      same(t, m);
    });

    it(`visits what a Map's iteration visits while entries are added and deleted during it (${name} hash)`, () => {
      const r = rng(name === 'colliding' ? 17 : 13);
      const t = new OrderedTable<number>();
      const m = new Map<string, number>();
      let next = 0;
      for (let round = 0; round < 300; round++) {
        const n = Math.floor(r() * 60);
        for (let i = 0; i < n; i++) {
          const k = `k${Math.floor(r() * 200)}`;
          const v = next++;
          t.set(k, v, hash(k));
          m.set(k, v);
        }
        // The same random edits at each visit (decided by the value visited, so both get the same ones).
        const script = new Map<number, Array<['set' | 'del', string]>>();
        for (const v of m.values()) {
          const edits: Array<['set' | 'del', string]> = [];
          const e = Math.floor(r() * 4);
          for (let j = 0; j < e; j++) edits.push([r() < 0.5 ? 'set' : 'del', `k${Math.floor(r() * 260)}`]);
          script.set(v, edits);
        }
        const stopAt = r() < 0.3 ? Math.floor(r() * 40) : -1;
        const visit = (table: 'm' | 't', v: number, seen: number[]): boolean => {
          seen.push(v);
          if (seen.length === stopAt) return false;
          // An entry added during this iteration gets no edits (its value is new): the script is fixed.
          for (const [op, k] of script.get(v) ?? []) {
            if (table === 't') {
              if (op === 'set') t.set(k, 100_000 + seen.length, hash(k));
              else t.delete(k, hash(k));
            } else if (op === 'set') m.set(k, 100_000 + seen.length);
            else m.delete(k);
          }
          return true;
        };
        const fromMap: number[] = [];
        for (const v of m.values()) if (!visit('m', v, fromMap)) break;
        const fromTable: number[] = [];
        t.each((v) => visit('t', v, fromTable));
        expect(fromTable).toEqual(fromMap);
        same(t, m);
        // Values set during the iteration are renumbered so that the next round's script keys stay apart.
        for (const [k, v] of m) {
          if (v < 100_000) continue;
          const w = next++;
          m.set(k, w);
          t.set(k, w, hash(k));
        }
      }
    });
  }

  it('stops an iteration that clears the table, and visits what is added after the clear', () => {
    const t = new OrderedTable<number>();
    const m = new Map<string, number>();
    for (let i = 0; i < 10; i++) {
      t.set(`a${i}`, i);
      m.set(`a${i}`, i);
    }
    const fromMap: number[] = [];
    for (const v of m.values()) {
      fromMap.push(v);
      if (v === 3) {
        m.clear();
        m.set('b', 99);
      }
    }
    const fromTable: number[] = [];
    t.each((v) => {
      fromTable.push(v);
      if (v === 3) {
        t.clear();
        t.set('b', 99);
      }
    });
    expect(fromTable).toEqual(fromMap);
    same(t, m);
  });

  // A table emptied again and again used to keep its index's DELETED marks when it started over at position 0:
  // after some hundreds of keys no slot was EMPTY and the next lookup of a missing key never returned (a live
  // capture's history queue, emptied by every write, hung NetGuard that way). A regression hangs this test.
  it('emptied again and again (by delete, shift, and delete during each), its lookups of missing keys still end', () => {
    const t = new OrderedTable<number>();
    for (let i = 0; i < 20_000; i++) {
      const k = `1700000000000-${i}`;
      expect(t.get(k)).toBeUndefined();
      t.set(k, i);
      expect(t.get(k)).toBe(i);
      if (i % 3 === 0) t.delete(k);
      else if (i % 3 === 1) expect(t.shift()).toBe(i);
      else t.each(() => void t.delete(k));
      expect(t.size).toBe(0);
    }
    // Batches written and emptied, as the history's queue is: 300 keys in, all out.
    for (let b = 0; b < 200; b++) {
      for (let j = 0; j < 300; j++) t.set(`b${b}-${j}`, j);
      for (let j = 0; j < 300; j++) expect(t.delete(`b${b}-${j}`)).toBe(true);
      expect(t.has(`b${b}-missing`)).toBe(false);
    }
    t.set('last', 1);
    expect(t.first()).toBe(1);
    expect(t.size).toBe(1);
  });

  it('keeps its place through thousands of entries added and the oldest half deleted, as the funnel cap does', () => {
    const t = new OrderedTable<number>();
    const m = new Map<string, number>();
    for (let i = 0; i < 50_000; i++) {
      if (m.size >= 1000) {
        let drop = 500;
        t.each((v) => {
          if (drop-- <= 0) return false;
          t.delete(`SQL_INJECTION|1.0.${v >> 8}.${v & 255}`);
        });
        let d2 = 500;
        for (const k of m.keys()) {
          if (d2-- <= 0) break;
          m.delete(k);
        }
      }
      const k = `SQL_INJECTION|1.0.${i >> 8}.${i & 255}`;
      t.set(k, i);
      m.set(k, i);
    }
    same(t, m);
    for (const k of ['SQL_INJECTION|1.0.195.79', 'SQL_INJECTION|1.0.0.1', 'SQL_INJECTION|1.0.194.255']) expect(t.get(k)).toBe(m.get(k));
  });

  for (const [name, hash] of HASHES) {
    it(`keeps a key under each tag apart, as a Map keyed by tag|key does, through deletes and compactions (${name} hash)`, () => {
      // The funnel's open episodes: the raise site's key tagged with the alert type (one connection's SQL
      // injection and traversal share a key).
      const TAGS = ['SQL_INJECTION', 'DIRECTORY_TRAVERSAL', ''];
      const r = rng(name === 'colliding' ? 11 : 7);
      const t = new OrderedTable<number>();
      const m = new Map<string, number>();
      for (let i = 0; i < 20_000; i++) {
        const key = `k${Math.floor(r() * 300)}`;
        const tag = TAGS[Math.floor(r() * TAGS.length)];
        const h = hash(key);
        const op = r();
        if (op < 0.5) {
          t.set(key, i, h, tag);
          m.set(`${tag}|${key}`, i);
        } else if (op < 0.8) {
          expect(t.delete(key, h, tag)).toBe(m.delete(`${tag}|${key}`));
        } else {
          expect(t.get(key, h, tag)).toBe(m.get(`${tag}|${key}`));
          expect(t.has(key, h, tag)).toBe(m.has(`${tag}|${key}`));
        }
      }
      same(t, m);
    });
  }
});
