// Bad capture input: not a capture, empty, cut short at every offset, lying length fields, random
// mutations. The reader must never crash or hang; the only exception is a SourceError for not-a-capture.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openFile, SourceError } from '../../src/capture/index.js';
import { corpusFile, frame, pcapBytes, PcapngBuilder, readAll, tmpDir } from './helpers.js';

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let seq = 0;
function write(bytes: Uint8Array, name = `f${seq++}.bin`): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

/** Reads and checks the one allowed failure: SourceError with code EFORMAT. */
async function readChecked(file: string) {
  const r = await readAll(openFile(file));
  if (r.error) {
    expect(r.error).toBeInstanceOf(SourceError);
    expect((r.error as SourceError).code).toBe('EFORMAT');
  }
  return r;
}

describe('files that are not captures', () => {
  it('missing file: ENOENT with a one-line message', async () => {
    const f = path.join(dir, 'nope.pcap');
    const r = await readAll(openFile(f));
    expect(r.error).toBeInstanceOf(SourceError);
    expect((r.error as SourceError).code).toBe('ENOENT');
    expect(r.error?.message).toBe(`cannot read capture file ${f}: no such file`);
  });

  it('a directory is refused with a clear message', async () => {
    const r = await readAll(openFile(dir));
    expect((r.error as SourceError).code).toBe('EOTHER');
    expect(r.error?.message).toBe(`cannot read capture file ${dir}: it is a directory`);
  });

  it('empty file: EFORMAT "is empty"', async () => {
    const f = write(Buffer.alloc(0));
    const r = await readAll(openFile(f));
    expect((r.error as SourceError).code).toBe('EFORMAT');
    expect(r.error?.message).toBe(`${f} is empty, not a pcap or pcapng file`);
  });

  it('an HTML page: EFORMAT naming its first bytes', async () => {
    const f = write(Buffer.from('<html><body>hello</body></html>\n'));
    const r = await readAll(openFile(f));
    expect(r.error?.message).toBe(`${f} is not a pcap or pcapng file (starts with 0x3c68746d)`);
    expect(r.packets).toHaveLength(0);
  });

  it('random bytes: EFORMAT', async () => {
    let x = 12345;
    const b = Buffer.alloc(4096, 0).map(() => (x = (x * 1103515245 + 12345) >>> 0) >>> 24);
    b[0] = 0x17; // make sure it does not start with a magic number
    const f = write(b);
    const r = await readAll(openFile(f));
    expect((r.error as SourceError).code).toBe('EFORMAT');
    expect(r.error?.message).toMatch(/is not a pcap or pcapng file \(starts with 0x17[0-9a-f]{6}\)$/);
  });

  it('a gzip-compressed capture gets a hint', async () => {
    const { gzipSync } = await import('node:zlib');
    const f = write(gzipSync(fs.readFileSync(corpusFile('tcpdump/dns_udp.pcap'))));
    const r = await readAll(openFile(f));
    expect(r.error?.message).toMatch(/starts with 0x1f8b08..\); it looks gzip-compressed, gunzip it first$/);
  });

  it('a pcapng magic with a bad byte-order magic is not a capture', async () => {
    const b = new PcapngBuilder().shb().bytes();
    b.writeUInt32LE(0x12345678, 8);
    const r = await readAll(openFile(write(b)));
    expect((r.error as SourceError).code).toBe('EFORMAT');
  });
});

describe('pcap edge cases', () => {
  it('header only: no packets, no warnings', async () => {
    const r = await readChecked(write(pcapBytes({}, [])));
    expect(r.error).toBeNull();
    expect(r.packets).toHaveLength(0);
    expect(r.warnings).toEqual([]);
  });

  it('a pcap header cut short is reported as such', async () => {
    const f = write(pcapBytes({}, []).subarray(0, 10));
    const r = await readAll(openFile(f));
    expect(r.error?.message).toBe(`${f}: pcap file header is cut short (10 of 24 bytes)`);
  });

  it('record longer than the snap length: delivered whole, reported', async () => {
    const f = write(pcapBytes({ snaplen: 64 }, [
      { sec: 1, frac: 0, data: frame(20) },
      { sec: 2, frac: 0, data: frame(86) },
      { sec: 3, frac: 0, data: frame(30) },
    ]));
    const r = await readChecked(f);
    expect(r.packets.map((p) => p.caplen)).toEqual([34, 100, 44]);
    expect(r.warnings).toEqual([`${f}: packet 2 at byte offset 74 has 100 captured bytes, more than the snap length 64; reading them anyway`]);
  });

  it('huge record length: reported, not trusted, no allocation, packets before it kept', async () => {
    const good = { sec: 1, frac: 0, data: frame(20) };
    const f = write(pcapBytes({}, [good, { sec: 2, frac: 0, data: frame(20), caplen: 0x7fffffff, len: 0x7fffffff }, good]));
    const before = process.memoryUsage().arrayBuffers;
    const r = await readChecked(f);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
    expect(r.packets).toHaveLength(1);
    expect(r.warnings).toEqual([
      `${f}: packet 2 at byte offset 74 claims 2147483647 captured bytes, more than the 262144-byte maximum; the rest of the file is not read`,
    ]);
  });

  it('record longer than the rest of the file: a truncated-record warning with packet and offset', async () => {
    const f = write(pcapBytes({}, [{ sec: 1, frac: 0, data: frame(20) }, { sec: 2, frac: 0, data: frame(20), caplen: 5000 }]));
    const r = await readChecked(f);
    expect(r.packets).toHaveLength(1);
    expect(r.warnings).toEqual([`${f}: truncated record at packet 2, byte offset 74 (needs 5016 bytes, file has 50)`]);
  });

  it('big-endian, nanosecond, version 2.2 with swapped lengths (libpcap < 2.3 order)', async () => {
    const f = write(pcapBytes({ le: false, nano: true, major: 2, minor: 2 }, [{ sec: 1700000000, frac: 123456789, data: frame(20), caplen: 1514, len: 34 }]));
    // The record stores 1514 as caplen and 34 as len; in a 2.2 file that means len 1514, caplen 34.
    const r = await readChecked(f);
    expect(r.packets).toHaveLength(1);
    expect(r.packets[0]).toMatchObject({ caplen: 34, len: 1514, tsSec: 1700000000, tsNsec: 123456789, tsNanos: true });
    expect(r.packets[0].ts).toBeCloseTo(1700000000123.456789, 3);
  });

  it('unknown link type: named, packets still delivered', async () => {
    const f = write(pcapBytes({ linkType: 147 }, [{ sec: 1, frac: 0, data: frame(4) }]));
    const r = await readChecked(f);
    expect(r.packets).toHaveLength(1);
    expect(r.packets[0].linkType).toBe(147);
    expect(r.warnings).toEqual([`${f}: interface 0 has link type 147 (USER0), which NetGuard cannot decode`]);
  });
});

describe('cut at every offset', () => {
  for (const rel of ['tcpdump/dns_tcp.pcap', 'ndpi/fuzz-2006-06-26-2594.pcap', 'zeek/pcapng-multi-interface.pcapng', 'tcpdump/icmp-length-zero.pcapng']) {
    it(`${rel}: every prefix reads to a clean end`, async () => {
      const whole = fs.readFileSync(corpusFile(rel));
      const limit = Math.min(whole.length, 1500);
      const full = await readChecked(corpusFile(rel));
      const f = path.join(dir, `cut-${path.basename(rel)}`);
      let lastCount = 0;
      for (let cut = 0; cut <= limit; cut++) {
        fs.writeFileSync(f, whole.subarray(0, cut));
        const r = await readChecked(f);
        if (r.error) {
          // Only a file too short to hold its own header is "not a capture".
          expect(cut, `cut ${cut}: ${r.error.message}`).toBeLessThan(rel.endsWith('.pcapng') ? whole.readUInt32LE(4) : 24);
          continue;
        }
        expect(r.packets.length).toBeGreaterThanOrEqual(lastCount);
        lastCount = r.packets.length;
        // What was read is exactly the start of the full read.
        r.packets.forEach((p, i) => {
          expect(p.data.equals(full.packets[i].data)).toBe(true);
          expect(p.ts).toBe(full.packets[i].ts);
        });
        for (const w of r.warnings) expect(w).toMatch(/truncated record at packet \d+, byte offset \d+ \(needs \d+ bytes, file has \d+\)$/);
      }
      if (limit === whole.length) expect(lastCount).toBe(full.packets.length);
    });
  }
});

describe('random mutations (fast-check)', () => {
  const seeds = [fs.readFileSync(corpusFile('tcpdump/dns_udp.pcap')), fs.readFileSync(corpusFile('zeek/pcapng-multi-interface.pcapng'))];
  it('never throws anything but EFORMAT and always ends', async () => {
    const f = path.join(dir, 'mutant.bin');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        async (which, edits, cut) => {
          const b = Buffer.from(seeds[which]);
          // Keep the magic most of the time so the mutation reaches the record parser.
          for (const [at, v] of edits) b[4 + (at % (b.length - 4))] = v;
          fs.writeFileSync(f, b.subarray(0, b.length - (cut % 64)));
          const r = await readChecked(f);
          for (const p of r.packets) expect(p.data.length).toBeLessThanOrEqual(262144);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('pcapng edge cases', () => {
  const eth = 1;
  it('a packet naming an interface the section does not describe is skipped with a warning', async () => {
    const f = write(new PcapngBuilder().shb().idb(eth).epb(0, 1000000n, frame(10)).epb(3, 2000000n, frame(10)).epb(0, 3000000n, frame(10)).bytes());
    const r = await readChecked(f);
    expect(r.packets).toHaveLength(2);
    expect(r.warnings).toEqual([`${f}: packet block at byte offset 104 names interface 3, but its section describes 1; skipped`]);
  });

  it('a block with an invalid length stops reading with a warning', async () => {
    const b = new PcapngBuilder().shb().idb(eth).epb(0, 1000000n, frame(10)).bytes();
    const bad = Buffer.alloc(12);
    bad.writeUInt32LE(6, 0);
    bad.writeUInt32LE(7, 4);
    const f = write(Buffer.concat([b, bad, new PcapngBuilder().epb(0, 1n, frame(10)).bytes()]));
    const r = await readChecked(f);
    expect(r.packets).toHaveLength(1);
    expect(r.warnings).toEqual([`${f}: block at byte offset ${b.length} has an invalid length 7; the rest of the file is not read`]);
  });

  it('an EPB whose captured length exceeds its block is skipped, reading goes on', async () => {
    const f = write(new PcapngBuilder().shb().idb(eth).epb(0, 1n, frame(10), 24, 5000).epb(0, 2n, frame(10)).bytes());
    const r = await readChecked(f);
    expect(r.packets).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/packet 1 at byte offset 48 claims 5000 captured bytes but its block holds 24; skipped$/);
  });

  it('mismatched trailing length stops reading with a warning', async () => {
    const b = new PcapngBuilder().shb().idb(eth).epb(0, 1n, frame(10)).epb(0, 2n, frame(10)).bytes();
    b.writeUInt32LE(999, 48 + 56 - 4); // trailer of the first EPB (56 bytes at 48, after SHB 28 + IDB 20)
    const f = write(b);
    const r = await readChecked(f);
    expect(r.packets).toHaveLength(0);
    expect(r.warnings[0]).toMatch(/block at byte offset 48 has mismatched leading and trailing lengths/);
  });

  it('an oversized unknown block is streamed past without buffering; an oversized one at the end is a truncation', async () => {
    const big = Buffer.alloc(3 << 20, 0x41);
    const f = write(new PcapngBuilder().shb().idb(eth).epb(0, 1n, frame(10)).block(0x0bad, big).epb(0, 2n, frame(11)).bytes());
    const r = await readChecked(f);
    expect(r.packets.map((p) => p.caplen)).toEqual([24, 25]);
    expect(r.warnings).toEqual([]);
    const g = write(new PcapngBuilder().shb().idb(eth).epb(0, 1n, frame(10)).block(0x0bad, big).bytes().subarray(0, 2 << 20));
    const r2 = await readChecked(g);
    expect(r2.packets).toHaveLength(1);
    expect(r2.warnings).toEqual([`${g}: truncated record at packet 2, byte offset 104 (needs ${12 + big.length} bytes, file has ${(2 << 20) - 104})`]);
  });
});
