// Reads every capture in the shared corpus: no crash, capinfos' packet count, tshark's timestamps.
import { describe, expect, it } from 'vitest';
import { openFile } from '../../src/capture/index.js';
import { corpusFile, epochText, manifest, readAll, tsharkFields } from './helpers.js';

const rows = manifest();

// Files whose warnings are expected, and what they must say.
const EXPECTED_WARNINGS: Record<string, RegExp> = {
  'ndpi/fuzz-2021-10-13.pcap': /fuzz-2021-10-13\.pcap: truncated record at packet 2, byte offset 237 \(needs 16 bytes, file has 2\)$/,
  'tcpdump/unsupported-link-type-160.pcap': /interface 0 has link type 160 \(USER13\), which NetGuard cannot decode$/,
  'zeek/trunc/trunc-hdr.pcap': /packet 1 at byte offset 24 has 8 captured bytes, more than the snap length 1/,
};

describe('corpus: every capture file', () => {
  it('MANIFEST lists the corpus files', () => {
    expect(rows.length).toBeGreaterThanOrEqual(70);
  });

  for (const row of rows) {
    it(`${row.path}: ${row.packetCount} packets, as capinfos counts`, async () => {
      const src = openFile(corpusFile(row.path));
      const r = await readAll(src);
      expect(r.error).toBeNull();
      expect(r.packets.length).toBe(row.packetCount);
      // Format comes from the magic number, whatever the extension says.
      expect(src.format).toBe(row.fileFormat.startsWith('pcapng') ? 'pcapng' : 'pcap');
      const wantLinks = row.linkType.split(' ')[0].split(';').map((s) => Number(s.split('/')[0]));
      expect(src.linkTypes).toEqual(wantLinks);
      for (const p of r.packets) {
        expect(p.data.length).toBe(p.caplen);
        expect(Number.isFinite(p.ts)).toBe(true);
        expect(wantLinks).toContain(p.linkType);
      }
      const expected = EXPECTED_WARNINGS[row.path];
      if (expected) {
        expect(r.warnings).toHaveLength(1);
        expect(r.warnings[0]).toMatch(expected);
      } else {
        expect(r.warnings).toEqual([]);
      }
    });
  }
});

describe('corpus: agreement with tshark', () => {
  // Both byte orders, both pcap resolutions, pcapng with one and two interfaces (ns and us), SLL, NULL.
  const files = [
    'ndpi/fuzz-2006-06-26-2594.pcap',
    'tcpdump/tcp-handshake-nano.pcap',
    'zeek/pcapng-multi-interface.pcapng',
    'chrissanders-packets/synscan.pcapng',
    'ndpi/dns.pcap',
    'tcpdump/dns-badcookie.pcap',
    'suricata-verify/decode-sll2-01/input.pcap',
    'zeek/tcp/truncated-header.pcap',
    'tcpdump/icmp-length-zero.pcapng',
    'stopddos/pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng',
  ];
  for (const f of files) {
    it(`${f}: timestamps, lengths and interface ids match tshark`, async () => {
      const want = await tsharkFields(corpusFile(f), ['frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_id']);
      const r = await readAll(openFile(corpusFile(f)));
      expect(r.packets.length).toBe(want.length);
      const got = r.packets.map((p) => [epochText(p), String(p.len), String(p.caplen), f.endsWith('pcapng') && want[0][3] !== '' ? String(p.ifIndex) : want[0][3]]);
      expect(got).toEqual(want);
      // The millisecond ts agrees with the exact seconds and nanoseconds.
      for (const p of r.packets) expect(Math.abs(p.ts - ((p.tsSec ?? 0) * 1000 + (p.tsNsec ?? 0) / 1e6))).toBeLessThan(1e-3);
    });
  }

  it('multi-interface pcapng: packets carry the interface id of their EPB', async () => {
    const r = await readAll(openFile(corpusFile('zeek/pcapng-multi-interface.pcapng')));
    expect(r.packets.map((p) => p.ifIndex)).toEqual([0, 0, 1, 1, 1, 1]);
    // Interface 0 has a nanosecond clock, interface 1 a microsecond one.
    expect(r.packets[0].tsNanos).toBe(true);
    expect(r.packets[2].tsNanos).toBe(false);
  });

  it('big-endian pcap: first timestamp is 2005-07-04 09:32:20.839312 UTC', async () => {
    const r = await readAll(openFile(corpusFile('ndpi/fuzz-2006-06-26-2594.pcap')));
    expect(r.packets[0].ts).toBeCloseTo(1120469540839.312, 3);
    expect(new Date(r.packets[0].ts).toISOString()).toBe('2005-07-04T09:32:20.839Z');
  });

  it('nanosecond pcap keeps the nanoseconds', async () => {
    const r = await readAll(openFile(corpusFile('tcpdump/tcp-handshake-nano.pcap')));
    expect(r.packets.map(epochText)).toEqual(['1418145369.924505488', '1418145370.052027262', '1418145370.052115157']);
    expect(r.packets.every((p) => p.tsNanos === true && p.linkType === 113)).toBe(true);
  });
});

describe('corpus: the same capture as pcap and pcapng', () => {
  it('synscan.pcap and synscan.pcapng give identical packets, bytes and timestamps', async () => {
    const a = await readAll(openFile(corpusFile('ndpi/synscan.pcap')));
    const b = await readAll(openFile(corpusFile('chrissanders-packets/synscan.pcapng')));
    expect(a.packets.length).toBe(2011);
    expect(b.packets.length).toBe(2011);
    for (let i = 0; i < a.packets.length; i++) {
      const x = a.packets[i];
      const y = b.packets[i];
      expect(y.ts, `packet ${i + 1} ts`).toBe(x.ts);
      expect(epochText(y)).toBe(epochText(x));
      expect(y.len).toBe(x.len);
      expect(y.linkType).toBe(x.linkType);
      expect(y.data.equals(x.data), `packet ${i + 1} bytes`).toBe(true);
    }
  });
});
