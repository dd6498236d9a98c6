// ByteMemo: values found by the bytes of a key wherever those bytes lie, held to a Map of the same keys
// as text; emptied when its entries or its arena are used up, and never holding a key longer than the arena.
import { describe, expect, it } from 'vitest';
import { ByteMemo, hashBytes } from '../../src/detect/state/index.js';
import { prng } from '../decode/helpers/corpus.js';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('ByteMemo', () => {
  it('finds a key by its bytes at any offset of any buffer, exactly (case and non-ASCII bytes count)', () => {
    const m = new ByteMemo<string>(16, 1024);
    const a = bytes('xxUser-Agent: caf\u00e9yy');
    m.set(a, 2, 18, 'first');
    expect(m.get(bytes('User-Agent: caf\u00e9'), 0, 16)).toBe('first');
    expect(m.get(bytes('..User-Agent: caf\u00e9'), 2, 18)).toBe('first');
    expect(m.get(bytes('user-agent: caf\u00e9'), 0, 16)).toBeUndefined();
    expect(m.get(bytes('User-Agent: cafe'), 0, 16)).toBeUndefined();
    expect(m.get(bytes('User-Agent: caf\u00c9'), 0, 16)).toBeUndefined();
    // A prefix is another key.
    expect(m.get(a, 2, 17)).toBeUndefined();
    // The key was copied: changing the buffer it came from changes nothing.
    a.fill(0);
    expect(m.get(bytes('User-Agent: caf\u00e9'), 0, 16)).toBe('first');
    // Set again: replaced, not added.
    m.set(bytes('User-Agent: caf\u00e9'), 0, 16, 'second');
    expect(m.get(bytes('User-Agent: caf\u00e9'), 0, 16)).toBe('second');
    expect(m.size).toBe(1);
    // The empty key is a key like any other.
    const e = new Uint8Array(4);
    m.set(e, 2, 2, 'empty');
    expect(m.get(bytes('abc'), 1, 1)).toBe('empty');
    expect(m.size).toBe(2);
  });

  it('is emptied when its entries are used up, then fills again', () => {
    const m = new ByteMemo<number>(4, 1024);
    for (let i = 0; i < 4; i++) m.set(bytes(`k${i}`), 0, 2, i);
    expect(m.size).toBe(4);
    expect(m.clears).toBe(0);
    for (let i = 0; i < 4; i++) expect(m.get(bytes(`k${i}`), 0, 2)).toBe(i);
    m.set(bytes('k4'), 0, 2, 4);
    expect(m.clears).toBe(1);
    expect(m.size).toBe(1);
    expect(m.get(bytes('k0'), 0, 2)).toBeUndefined();
    expect(m.get(bytes('k4'), 0, 2)).toBe(4);
  });

  it('is emptied when its arena is used up, and does not keep a key longer than the arena', () => {
    const m = new ByteMemo<number>(100, 10);
    m.set(bytes('abcd'), 0, 4, 1);
    m.set(bytes('efgh'), 0, 4, 2);
    expect(m.size).toBe(2);
    // 4 + 4 + 4 > 10: everything goes first.
    m.set(bytes('ijkl'), 0, 4, 3);
    expect(m.clears).toBe(1);
    expect([m.get(bytes('abcd'), 0, 4), m.get(bytes('ijkl'), 0, 4)]).toEqual([undefined, 3]);
    // Exactly the arena's size fits, after emptying.
    m.set(bytes('0123456789'), 0, 10, 4);
    expect(m.get(bytes('0123456789'), 0, 10)).toBe(4);
    m.set(bytes('0123456789A'), 0, 11, 5);
    expect(m.get(bytes('0123456789A'), 0, 11)).toBeUndefined();
    expect(m.get(bytes('0123456789'), 0, 10)).toBe(4);
  });

  it('answers as a Map of the same keys as text over 100,000 seeded operations with many hash collisions', () => {
    const rnd = prng(0x5eed);
    // Keys from a small alphabet with bytes above 0x7f, many of the same length.
    const alphabet = [0x41, 0x61, 0x2f, 0x25, 0x00, 0x80, 0xe9, 0xff];
    const keys: Uint8Array[] = [];
    for (let i = 0; i < 3000; i++) {
      const len = Math.floor(rnd() * 12);
      keys.push(Uint8Array.from({ length: len }, () => alphabet[Math.floor(rnd() * alphabet.length)]));
    }
    const m = new ByteMemo<number>(512, 4096);
    let model = new Map<string, number>();
    let clears = 0;
    for (let op = 0; op < 100_000; op++) {
      const k = keys[Math.floor(rnd() * keys.length)];
      // Somewhere inside a larger buffer, as wire bytes are.
      const pad = Math.floor(rnd() * 5);
      const buf = new Uint8Array(pad + k.length + 3).fill(0x7a);
      buf.set(k, pad);
      const text = Buffer.from(k).toString('latin1');
      if (rnd() < 0.4) {
        m.set(buf, pad, pad + k.length, op);
        if (m.clears !== clears) {
          clears = m.clears;
          model = new Map();
        }
        model.set(text, op);
      } else {
        expect(m.get(buf, pad, pad + k.length)).toBe(model.get(text));
      }
      if (op % 97 === 0) expect(m.size).toBe(model.size);
    }
    expect(clears).toBeGreaterThan(5);
  });

  it('hashes the bytes of the range only', () => {
    const b = bytes('..abc..');
    expect(hashBytes(b, 2, 5)).toBe(hashBytes(bytes('abc'), 0, 3));
    expect(hashBytes(b, 2, 5)).not.toBe(hashBytes(bytes('abd'), 0, 3));
    expect(hashBytes(b, 3, 3)).toBe(hashBytes(new Uint8Array(0), 0, 0));
  });
  it('is filled and emptied thousands of times with distinct keys and still answers, missing keys too', () => {
    // Lookups probe until an empty index slot; the index is emptied with the entries (no deletion marks,
    // see e81a962 for a table that kept them), so this bounded churn must keep answering: a regression
    // that lost the empty slots would hang a lookup, ended by vitest's timeout.
    const m = new ByteMemo<number>(8, 1 << 16);
    for (let i = 0; i < 40_000; i++) {
      m.set(bytes(`key-${i}`), 0, `key-${i}`.length, i);
      expect(m.get(bytes(`key-${i}`), 0, `key-${i}`.length)).toBe(i);
      expect(m.get(bytes(`missing-${i}`), 0, `missing-${i}`.length)).toBeUndefined();
      // The entry set 8 earlier was forgotten by the clear that made room since.
      if (i >= 8) expect(m.get(bytes(`key-${i - 8}`), 0, `key-${i - 8}`.length)).toBeUndefined();
    }
    expect(m.clears).toBe(40_000 / 8 - 1);
    expect(m.size).toBe(8);
  });
});
