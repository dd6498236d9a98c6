// Decoders never throw or hang: every corpus packet cut at every offset, 100,000+ seeded mutations
// (bit flips, truncation, length-field corruption, random bytes), and DNS pointer loops.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS } from '../helpers/netguard.js';
import { readCapture } from './helpers/read-capture.js';
import { corpusPackets, prng } from './helpers/corpus.js';
import * as F from './fixtures.js';
import { bytes } from './helpers/fixture.js';
import type { RawPacket } from '../../src/capture/types.js';
import { decodeDns, decodePacket, Packet, packetSummary, packetToJson, Reassembler } from '../../src/decode/index.js';



/** Decodes and formats, as the engine and --dump-packets would; any throw fails the test. */
function exercise(raw: RawPacket, p: Packet, r: Reassembler): void {
  decodePacket(raw, 1, p, r);
  JSON.stringify(packetToJson(p));
  packetSummary(p);
}

describe('robustness', () => {
  const packets = corpusPackets();

  it('decodes every corpus packet cut at every offset without throwing', () => {
    const p = new Packet();
    const r = new Reassembler();
    let cuts = 0;
    const cut: RawPacket = { ts: 0, caplen: 0, len: 0, linkType: 0, data: new Uint8Array(0), off: 0, ifIndex: 0 };
    for (const pk of packets) {
      cut.ts = pk.ts;
      cut.len = pk.len;
      cut.linkType = pk.linkType;
      // Every offset of the first 2048 bytes; beyond that (only the 63 KB DNS reproducers) every 61st, since
      // each cut of those re-parses thousands of malformed names.
      for (let len = 0; len <= pk.data.length; len += len < 2048 ? 1 : 61) {
        cut.data = pk.data.subarray(0, len);
        cut.caplen = len;
        // Formatting every cut of 57,000 packets would take minutes; decoding is what must not throw, and
        // every 16th cut is formatted too.
        if ((cuts & 15) === 0) exercise(cut, p, r);
        else decodePacket(cut, 1, p, r);
        cuts++;
      }
    }
    console.log(`prefix test: ${packets.length} packets, ${cuts} cuts`);
    expect(cuts).toBeGreaterThan(100_000);
  });

  it('survives 120,000 seeded mutations without throwing', () => {
    const seed = 0x5eed1234;
    const rnd = prng(seed);
    // Mutate the varied part of the corpus: the 47,000 SYN-flood packets (link type 1, 54-60 bytes, TCP
    // SYN to one port) are all alike, so only every 100th of each run of same-length packets is taken.
    const pool = packets.filter((pk, i) => i === 0 || pk.data.length !== packets[i - 1].data.length || i % 100 === 0);
    const p = new Packet();
    const r = new Reassembler({ maxDatagrams: 256 });
    const linkTypes = [0, 1, 101, 108, 113, 228, 229, 276];
    const N = 120_000;
    for (let i = 0; i < N; i++) {
      const src = pool[Math.floor(rnd() * pool.length)];
      let d = src.data.slice(0, Math.min(src.data.length, 2048));
      const kind = Math.floor(rnd() * 5);
      if (kind === 0) {
        // Bit flips.
        const flips = 1 + Math.floor(rnd() * 8);
        for (let k = 0; k < flips && d.length > 0; k++) d[Math.floor(rnd() * d.length)] ^= 1 << Math.floor(rnd() * 8);
      } else if (kind === 1) {
        // Truncation.
        d = d.subarray(0, Math.floor(rnd() * (d.length + 1)));
      } else if (kind === 2) {
        // Length-field corruption: a 16-bit word set to 0, 0xffff or a random value, in the first 80 bytes.
        if (d.length >= 2) {
          const at = Math.floor(rnd() * Math.min(d.length - 1, 80));
          const v = [0, 0xffff, Math.floor(rnd() * 65536), 8, 12][Math.floor(rnd() * 5)];
          d[at] = v >> 8;
          d[at + 1] = v & 255;
        }
      } else if (kind === 3) {
        // Random bytes after a real header prefix.
        const keep = Math.floor(rnd() * Math.min(d.length, 60));
        for (let k = keep; k < d.length; k++) d[k] = Math.floor(rnd() * 256);
      } else {
        // Entirely random bytes on a random link type.
        d = new Uint8Array(Math.floor(rnd() * 200));
        for (let k = 0; k < d.length; k++) d[k] = Math.floor(rnd() * 256);
      }
      const linkType = kind === 4 ? linkTypes[Math.floor(rnd() * linkTypes.length)] : src.linkType;
      try {
        exercise({ ts: src.ts + i, caplen: d.length, len: d.length, linkType, data: d, off: 0, ifIndex: 0 }, p, r);
      } catch (e) {
        throw new Error(`mutation ${i} (seed ${seed}, kind ${kind}) threw: ${String(e)}; bytes ${Buffer.from(d).toString('hex')}`);
      }
    }
    expect(r.size).toBeLessThanOrEqual(256);
  });

  it('DNS pointer loops terminate (the zlip packet and self/mutual pointers)', () => {
    // dns-zlip-1: UDP length says 8, so decode the DNS bytes after the UDP header directly.
    const zlip = readCapture(path.join(CORPUS, 'tcpdump/dns-zlip-1.pcap')).packets[0].data;
    const ev: string[] = [];
    decodeDns(zlip, 42, zlip.length, ev);
    expect(ev).toContain('decode.dns.pointer_loop');
    // Two names pointing at each other.
    const m = bytes('0001 0100 0002 0000 0000 0000 c00e 0001 0001 c00c 0001 0001'.replace(/ /g, ''));
    const ev2: string[] = [];
    decodeDns(m, 0, m.length, ev2);
    expect(ev2.some((e) => e === 'decode.dns.pointer_loop' || e === 'decode.dns.forward_pointer')).toBe(true);
    const loop = bytes(F.dnsPointerLoop.hex);
    const p = decodePacket({ ts: 0, caplen: loop.length, len: loop.length, linkType: 1, data: loop, off: 0, ifIndex: 0 }, 1, new Packet(), null);
    expect(p.events).toContain('decode.dns.pointer_loop');
  });
});
