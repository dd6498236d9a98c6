// TextMemo: a text by its bytes is always what latin1() makes of them, whatever the memo held before.
import { describe, expect, it } from 'vitest';
import { TextMemo } from '../../src/decode/text-memo.js';
import { latin1 } from '../../src/decode/addr.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('TextMemo', () => {
  it('gives latin1() of the bytes at any offset, non-ASCII bytes included', () => {
    const m = new TextMemo(16, 32);
    const b = Uint8Array.from([0x41, 0xe9, 0x00, 0x7f, 0x80, 0xff, 0x20, 0x42, 0x43]);
    for (let off = 0; off < b.length; off++) for (let len = 0; len <= b.length - off; len++) {
      expect(m.text(b, off, len)).toBe(latin1(b, off, len));
      expect(m.text(b, off, len)).toBe(latin1(b, off, len));
    }
  });

  it('stops at the end of the buffer as latin1() does', () => {
    const m = new TextMemo(4, 8);
    const b = Uint8Array.from([0x61, 0x62, 0x63]);
    expect(m.text(b, 1, 10)).toBe('bc');
    expect(m.text(b, 3, 5)).toBe('');
    expect(m.text(b, 5, 2)).toBe('');
  });

  it('never gives a replaced text back: 50,000 texts of one length through 2 slots (collisions on every call)', () => {
    const m = new TextMemo(2, 6);
    const r = rng(1);
    const b = new Uint8Array(64);
    for (let i = 0; i < 50_000; i++) {
      const off = Math.floor(r() * 50);
      const len = 1 + Math.floor(r() * 6);
      // Few distinct byte values, so texts of one length differ in a byte or two and come again.
      for (let k = off; k < off + len; k++) b[k] = 0x61 + Math.floor(r() * 3);
      expect(m.text(b, off, len)).toBe(latin1(b, off, len));
    }
  });

  it('makes texts longer than a slot each time, and keeps one that fills a slot exactly', () => {
    const m = new TextMemo(8, 16);
    const long = Uint8Array.from({ length: 200 }, (_, i) => 0x41 + (i % 26));
    expect(m.text(long, 0, 200)).toBe(latin1(long, 0, 200));
    expect(m.text(long, 3, 17)).toBe(latin1(long, 3, 17));
    const exact = Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i);
    expect(m.text(exact, 0, 16)).toBe(latin1(exact, 0, 16));
    exact[15] = 0x21; // a slot's bytes are a copy: changing the buffer changes the text
    expect(m.text(exact, 0, 16)).toBe(latin1(exact, 0, 16));
  });

  it('wants a power of two of slots', () => {
    expect(() => new TextMemo(3, 8)).toThrow();
    expect(() => new TextMemo(0, 8)).toThrow();
  });
});
