// The held-packet ring: frames copied into reused slots, kept oldest-first up to capacity, and handed
// out as copies that later pushes cannot change.
import { describe, expect, it } from 'vitest';
import { PacketHistory, SLOT_BYTES } from '../../src/engine/history.js';
import type { RawPacket } from '../../src/capture/types.js';

/** A frame of `len` bytes whose every byte is `fill`, at offset `off` of a larger buffer the source reuses. */
function raw(fill: number, len: number, ts: number, off = 3): RawPacket {
  const data = new Uint8Array(off + len + 5).fill(0xee);
  data.fill(fill, off, off + len);
  return { ts, caplen: len, len: len + 4, linkType: 1, data, off, ifIndex: 2, tsSec: Math.floor(ts / 1000), tsNsec: 123, tsNanos: true };
}

describe('PacketHistory', () => {
  it('keeps the frame bytes and fields, not the source buffer around them', () => {
    const h = new PacketHistory(4);
    const r = raw(7, 60, 1_700_000_000_123);
    h.push(1, r);
    r.data.fill(0); // the source reuses its buffer
    const [held] = h.list();
    expect(held.n).toBe(1);
    expect(held.raw.data).toEqual(new Uint8Array(60).fill(7));
    expect(held.raw).toMatchObject({ ts: 1_700_000_000_123, caplen: 60, len: 64, linkType: 1, off: 0, ifIndex: 2, tsSec: 1_700_000_000, tsNsec: 123, tsNanos: true });
  });

  it('below capacity lists every frame oldest first', () => {
    const h = new PacketHistory(5);
    for (let i = 1; i <= 3; i++) h.push(i, raw(i, 40 + i, i));
    expect(h.size).toBe(3);
    expect(h.list().map((x) => [x.n, x.raw.caplen, x.raw.data[0]])).toEqual([
      [1, 41, 1],
      [2, 42, 2],
      [3, 43, 3],
    ]);
  });

  it('past capacity evicts the oldest and wraps around, many times over', () => {
    const h = new PacketHistory(3);
    for (let i = 1; i <= 10; i++) h.push(i, raw(i, 60 - i, i));
    expect(h.size).toBe(3);
    const l = h.list();
    expect(l.map((x) => x.n)).toEqual([8, 9, 10]);
    // A shorter frame in a slot that held a longer one: only its own bytes are listed.
    expect(l.map((x) => x.raw.data.length)).toEqual([52, 51, 50]);
    expect(l.map((x) => Array.from(new Set(x.raw.data)))).toEqual([[8], [9], [10]]);
  });

  it('a capacity of one holds the newest frame', () => {
    const h = new PacketHistory(1);
    h.push(1, raw(1, 60, 1));
    h.push(2, raw(2, 70, 2));
    expect(h.list().map((x) => [x.n, x.raw.caplen])).toEqual([[2, 70]]);
  });

  it('a frame longer than a slot grows that slot and is kept whole', () => {
    const h = new PacketHistory(2);
    const big = raw(9, SLOT_BYTES * 3 + 17, 1);
    h.push(1, big);
    h.push(2, raw(4, 60, 2));
    h.push(3, raw(5, 100, 3)); // reuses the grown slot for a small frame
    h.push(4, raw(6, 9000, 4));
    const l = h.list();
    expect(l.map((x) => [x.n, x.raw.caplen, x.raw.data.length])).toEqual([
      [3, 100, 100],
      [4, 9000, 9000],
    ]);
    expect(l[1].raw.data.every((b) => b === 6)).toBe(true);
  });

  it('listed packets are copies: later pushes into the same slots do not change them', () => {
    const h = new PacketHistory(2);
    h.push(1, raw(1, 60, 1));
    h.push(2, raw(2, 60, 2));
    const before = h.list();
    h.push(3, raw(3, 80, 3));
    h.push(4, raw(4, 80, 4));
    expect(before.map((x) => [x.n, x.raw.ts, x.raw.caplen, x.raw.data[0], x.raw.data[59]])).toEqual([
      [1, 1, 60, 1, 1],
      [2, 2, 60, 2, 2],
    ]);
    expect(h.list().map((x) => x.n)).toEqual([3, 4]);
  });

  it('keeps optional timestamp fields absent when the source has none (live capture)', () => {
    const h = new PacketHistory(2);
    h.push(1, { ts: 5, caplen: 3, len: 3, linkType: 1, data: new Uint8Array([1, 2, 3]), off: 0, ifIndex: 0 });
    const [x] = h.list();
    expect('tsSec' in x.raw || 'tsNsec' in x.raw || 'tsNanos' in x.raw).toBe(false);
  });
});
