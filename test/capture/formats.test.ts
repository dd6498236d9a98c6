// pcapng features the corpus lacks, built by hand and checked against tshark: big-endian sections,
// several sections, if_tsresol in powers of ten and two, if_tsoffset, Simple and obsolete Packet
// Blocks, and blocks NetGuard skips.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openFile } from '../../src/capture/index.js';
import { epochText, frame, PcapngBuilder, readAll, tmpDir, tsharkFields } from './helpers.js';

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const T = 1_700_000_000n; // 2023-11-14, seconds

function build(): Buffer {
  // Section 1, little-endian: microsecond, nanosecond and 2^-20 s interfaces, plus skipped blocks.
  const a = new PcapngBuilder(true)
    .shb(true)
    .idb(1, 65535)
    .idb(1, 0, { tsresol: 9 })
    .idb(101, 0, { tsresol: 0x80 | 20 })
    .epb(0, T * 1_000_000n + 123_456n, frame(10, 1))
    .block(4, Buffer.alloc(8)) // name resolution block: skipped
    .epb(1, T * 1_000_000_000n + 987_654_321n, frame(20, 2))
    .block(0x00000005, Buffer.alloc(12)) // interface statistics block: skipped
    .epb(2, (T << 20n) + 524_288n, Buffer.from([0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]))
    .pb(0, (T + 1n) * 1_000_000n + 5n, frame(30, 3))
    .block(0x12345678, Buffer.alloc(40, 7)); // unknown block type: skipped
  // Section 2, big-endian: millisecond interface, and a Simple Packet Block interface of its own.
  const b = new PcapngBuilder(false)
    .shb(false)
    .idb(1, 0, { tsresol: 3 })
    .epb(0, (T + 2n) * 1000n + 250n, frame(40, 4), 1000)
    .epb(0, (T + 3n) * 1000n + 999n, frame(12, 5));
  // Section 3: an SPB holds min(original length, snaplen) bytes: 20 of a 54-byte frame.
  const c = new PcapngBuilder(true).shb(true).idb(1, 20).spb(frame(40, 6).subarray(0, 20), 54);
  return Buffer.concat([a.bytes(), b.bytes(), c.bytes()]);
}

describe('hand-built pcapng', () => {
  const file = path.join(dir, 'features.pcapng');
  fs.writeFileSync(file, build());

  it('reads every packet block, numbering interfaces across sections', async () => {
    const src = openFile(file);
    const r = await readAll(src);
    expect(r.error).toBeNull();
    expect(r.warnings).toEqual([]);
    expect(r.packets.map((p) => [p.ifIndex, p.linkType, p.caplen, p.len])).toEqual([
      [0, 1, 24, 24],
      [1, 1, 34, 34],
      [2, 101, 20, 20],
      [0, 1, 44, 44],
      [3, 1, 54, 1000],
      [3, 1, 26, 26],
      [4, 1, 20, 54],
    ]);
    expect(src.linkTypes).toEqual([1, 1, 101, 1, 1]);
    expect(src.nanosecond).toBe(true);
    expect(r.packets[2].data[0]).toBe(0x45);
    expect(r.packets[6].data.equals(frame(40, 6).subarray(0, 20))).toBe(true);
  });

  it('timestamps in every resolution match tshark', async () => {
    const r = await readAll(openFile(file));
    const want = await tsharkFields(file, ['frame.time_epoch', 'frame.len', 'frame.cap_len']);
    // A Simple Packet Block has no timestamp: tshark prints none, NetGuard reads the epoch (0).
    const spb = r.packets.length - 1;
    expect(r.packets[spb].ts).toBe(0);
    expect(r.packets.map((p, i) => [i === spb ? '' : epochText(p), String(p.len), String(p.caplen)])).toEqual(want);
    expect(epochText(r.packets[0])).toBe('1700000000.123456000');
    expect(epochText(r.packets[1])).toBe('1700000000.987654321');
    expect(epochText(r.packets[2])).toBe('1700000000.500000000');
    expect(epochText(r.packets[4])).toBe('1700000002.250000000');
    expect(r.packets[4].ts).toBe(1700000002250);
    expect(r.packets[1].tsNanos).toBe(true);
    expect(r.packets[4].tsNanos).toBe(false);
  });

  it('if_tsoffset adds whole seconds', async () => {
    const f = path.join(dir, 'offset.pcapng');
    fs.writeFileSync(f, new PcapngBuilder().shb().idb(1, 0, { tsoffset: 1_000_000_000 }).epb(0, 700_000_000_000_001n, frame(4)).bytes());
    const r = await readAll(openFile(f));
    expect(epochText(r.packets[0])).toBe('1700000000.000001000');
  });

  it('64-bit nanosecond counts beyond 2^53 stay exact; picoseconds (10^-12) too', async () => {
    const f = path.join(dir, 'fine.pcapng');
    fs.writeFileSync(
      f,
      new PcapngBuilder()
        .shb()
        .idb(1, 0, { tsresol: 9 })
        .idb(1, 0, { tsresol: 12 })
        .epb(0, 4_102_444_800_999_999_999n, frame(4)) // 2100-01-01 + 0.999999999
        .epb(1, 1_700_000_000_123_456_789_012n & 0xffffffffffffffffn, frame(4))
        .bytes(),
    );
    const r = await readAll(openFile(f));
    expect(epochText(r.packets[0])).toBe('4102444800.999999999');
    const v = 1_700_000_000_123_456_789_012n & 0xffffffffffffffffn;
    expect(r.packets[1].tsSec).toBe(Number(v / 10n ** 12n));
    expect(r.packets[1].tsNsec).toBe(Number((v % 10n ** 12n) / 1000n));
  });
});

describe('blocks that are skipped or only counted', () => {
  it('custom blocks are skipped; interface statistics give the drop count', async () => {
    const f = path.join(dir, 'isb.pcapng');
    const isb = Buffer.alloc(24);
    isb.writeUInt32LE(0, 0); // interface 0
    isb.writeUInt16LE(5, 12); // isb_ifdrop
    isb.writeUInt16LE(8, 14);
    isb.writeBigUInt64LE(42n, 16);
    fs.writeFileSync(
      f,
      new PcapngBuilder()
        .shb()
        .idb(1)
        .epb(0, 1n, frame(4))
        .block(0x00000bad, Buffer.from('PEN!copyable custom'))
        .block(0x40000bad, Buffer.from('PEN!not copyable'))
        .block(5, isb)
        .epb(0, 2n, frame(4))
        .bytes(),
    );
    const src = openFile(f);
    expect(src.drops()).toBeNull();
    const r = await readAll(src);
    expect(r.packets).toHaveLength(2);
    expect(r.warnings).toEqual([]);
    expect(src.drops()).toBe(42);
  });
});
