// The writer round trip: what NetGuard writes, tshark and tcpdump read back with the same packet bytes,
// lengths and timestamps as the original capture.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openFile, PcapWriter, SourceError, writePcapFile, type RawPacket } from '../../src/capture/index.js';
import { corpusFile, frame, readAll, tmpDir, tsharkFields, type ReadPacket } from './helpers.js';

const run = promisify(execFile);
const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const FIELDS = ['frame.time_epoch', 'frame.len', 'frame.cap_len'];

/** tcpdump's own re-encoding of a capture as nanosecond pcap, without the 24-byte file header. */
async function tcpdumpRecords(file: string): Promise<Buffer> {
  const r = await run('tcpdump', ['-r', file, '--time-stamp-precision=nano', '-w', '-'], { encoding: 'buffer', maxBuffer: 256 << 20 });
  return r.stdout.subarray(24);
}

function asRaw(p: ReadPacket): RawPacket {
  return { ...p, data: p.data, off: 0 };
}

describe('PcapWriter round trip', () => {
  const files = [
    'ndpi/synscan.pcap',
    'chrissanders-packets/synscan.pcapng',
    'ndpi/fuzz-2006-06-26-2594.pcap',
    'tcpdump/tcp-handshake-nano.pcap',
    'zeek/pcapng-multi-interface.pcapng',
    'tcpdump/dns-badcookie.pcap',
    'suricata-verify/decode-sll2-01/input.pcap',
    'zeek/tcp/truncated-header.pcap',
    'tcpdump/dns_fwdptr.pcap',
  ];
  for (const rel of files) {
    it(`${rel}: tshark and tcpdump read our copy as the original`, async () => {
      const orig = corpusFile(rel);
      const src = openFile(orig);
      const r = await readAll(src);
      const out = path.join(dir, `${path.basename(rel)}.out.pcap`);
      const w = new PcapWriter(out, src.linkTypes[0]);
      for (const p of r.packets) w.write(asRaw(p));
      await w.close();
      expect(w.count).toBe(r.packets.length);
      expect(w.skipped).toBe(0);

      // Nanosecond magic exactly when the source had nanosecond timestamps.
      const magic = fs.readFileSync(out).readUInt32LE(0);
      expect(magic).toBe(r.packets.some((p) => p.tsNanos) ? 0xa1b23c4d : 0xa1b2c3d4);

      expect(await tsharkFields(out, FIELDS)).toEqual(await tsharkFields(orig, FIELDS));
      const ours = await tcpdumpRecords(out);
      expect(ours.length).toBeGreaterThan(0);
      expect(ours.equals(await tcpdumpRecords(orig))).toBe(true);

      const back = await readAll(openFile(out));
      expect(back.packets.map((p) => [p.tsSec, p.tsNsec, p.len, p.data.toString('hex')])).toEqual(
        r.packets.map((p) => [p.tsSec, p.tsNsec, p.len, p.data.toString('hex')]),
      );
    });
  }

  it('live-style packets (ts in ms only) are written as microsecond pcap with the same time', async () => {
    const out = path.join(dir, 'live.pcap');
    const w = new PcapWriter(out, 1);
    const ts = [1_700_000_000_000, 1_700_000_000_001, 1_700_000_001_999];
    for (const t of ts) w.write({ ts: t, caplen: 24, len: 24, linkType: 1, data: frame(10), off: 0, ifIndex: 0 });
    await w.close();
    const rows = await tsharkFields(out, ['frame.time_epoch']);
    expect(rows.map((r) => r[0])).toEqual(['1700000000.000000000', '1700000000.001000000', '1700000001.999000000']);
  });

  it('cuts packets to the snap length and keeps the wire length', async () => {
    const out = path.join(dir, 'snap.pcap');
    const w = new PcapWriter(out, 1, { snaplen: 20 });
    w.write({ ts: 1000, caplen: 64, len: 64, linkType: 1, data: frame(50), off: 0, ifIndex: 0 });
    await w.close();
    expect(await tsharkFields(out, ['frame.len', 'frame.cap_len'])).toEqual([['64', '20']]);
  });

  it('packets of another link type are counted, not written', async () => {
    const out = path.join(dir, 'mixed.pcap');
    const w = new PcapWriter(out, 1);
    w.write({ ts: 1000, caplen: 24, len: 24, linkType: 1, data: frame(10), off: 0, ifIndex: 0 });
    w.write({ ts: 1001, caplen: 24, len: 24, linkType: 113, data: frame(10), off: 0, ifIndex: 1 });
    await w.close();
    expect([w.count, w.skipped]).toEqual([1, 1]);
    expect((await readAll(openFile(out))).packets).toHaveLength(1);
  });

  it('an empty capture is still a valid pcap file', async () => {
    const out = path.join(dir, 'empty.pcap');
    await new PcapWriter(out, 1).close();
    expect(fs.statSync(out).size).toBe(24);
    const r = await readAll(openFile(out));
    expect([r.error, r.packets.length, r.warnings]).toEqual([null, 0, []]);
  });

  it('a file it cannot create: SourceError at construction, one line', () => {
    const out = path.join(dir, 'no-such-dir', 'x.pcap');
    expect(() => new PcapWriter(out, 1)).toThrow(new SourceError(`cannot write capture file ${out}: no such directory`, 'ENOENT'));
  });

  it('writes in batches as it goes: a quiet capture reaches the disk within about a second', async () => {
    const out = path.join(dir, 'follow.pcap');
    const w = new PcapWriter(out, 1);
    w.write({ ts: 1000, caplen: 24, len: 24, linkType: 1, data: frame(10), off: 0, ifIndex: 0 });
    expect(fs.statSync(out).size).toBe(0); // nothing written synchronously on the packet path
    await new Promise((r) => setTimeout(r, 1500));
    expect(fs.statSync(out).size).toBe(24 + 16 + 24);
    await w.close();
  });
});

describe('writePcapFile (dashboard export)', () => {
  it('one link type: an atomic pcap that tcpdump reads byte for byte', async () => {
    const orig = corpusFile('chrissanders-packets/activeosfingerprinting.pcapng');
    const r = await readAll(openFile(orig));
    const out = path.join(dir, 'capture.pcap');
    fs.writeFileSync(out, 'old contents');
    expect(await writePcapFile(out, r.packets.map(asRaw))).toBe(48);
    expect(fs.readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
    expect(await tsharkFields(out, FIELDS)).toEqual(await tsharkFields(orig, FIELDS));
    expect((await tcpdumpRecords(out)).equals(await tcpdumpRecords(orig))).toBe(true);
  });

  it('mixed link types: pcapng with one interface per link type, read back by tshark', async () => {
    const a = await readAll(openFile(corpusFile('tcpdump/dns-badcookie.pcap'))); // NULL
    const b = await readAll(openFile(corpusFile('tcpdump/tcp-handshake-nano.pcap'))); // SLL, ns
    const c = await readAll(openFile(corpusFile('tcpdump/dns_udp.pcap'))); // Ethernet
    const all = [...a.packets, ...b.packets, ...c.packets];
    const out = path.join(dir, 'mixed.pcapng');
    expect(await writePcapFile(out, all.map(asRaw))).toBe(all.length);
    const want = [
      ...(await tsharkFields(corpusFile('tcpdump/dns-badcookie.pcap'), [...FIELDS, 'frame.protocols'])),
      ...(await tsharkFields(corpusFile('tcpdump/tcp-handshake-nano.pcap'), [...FIELDS, 'frame.protocols'])),
      ...(await tsharkFields(corpusFile('tcpdump/dns_udp.pcap'), [...FIELDS, 'frame.protocols'])),
    ];
    expect(await tsharkFields(out, [...FIELDS, 'frame.protocols'])).toEqual(want);
    const back = await readAll(openFile(out));
    expect(back.packets.map((p) => [p.linkType, p.ifIndex])).toEqual(all.map((p) => [p.linkType, [0, 113, 1].indexOf(p.linkType)]));
    expect(back.packets.map((p) => p.data.toString('hex'))).toEqual(all.map((p) => p.data.toString('hex')));
  });

  it('a directory it cannot write to: SourceError, no file left behind', async () => {
    const out = path.join(dir, 'missing', 'capture.pcap');
    await expect(writePcapFile(out, [])).rejects.toThrow(`cannot write capture file ${out}: no such directory`);
  });
});
