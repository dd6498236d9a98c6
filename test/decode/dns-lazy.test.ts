// decodeDns walks the records only for their events and renders them when first read; here its messages
// are held, field by field and event by event, to the one-pass decode of the same bytes (decodeDnsFull),
// on every DNS message of the corpus and on seeded mutations of them, and a message is shown to stay right
// after the buffer it came from is overwritten.
import { describe, expect, it } from 'vitest';
import { corpusPackets, prng } from './helpers/corpus.js';
import { decodeDns, decodeDnsFull, decodePacket, LAYER_DNS, LAYER_TCP, Packet, plainDns, Reassembler } from '../../src/decode/index.js';
import * as F from './fixtures.js';
import { bytes } from './helpers/fixture.js';

/** Both decodings of the message at [off, end) of `b`, as plain objects with their events. */
function both(b: Uint8Array, off: number, end: number): { lazy: unknown; eager: unknown } {
  const ev1: string[] = [];
  const ev2: string[] = [];
  const m1 = decodeDns(b, off, end, ev1);
  const m2 = decodeDnsFull(b, off, end, ev2);
  return { lazy: { msg: m1 === null ? null : plainDns(m1), events: ev1 }, eager: { msg: m2 === null ? null : plainDns(m2), events: ev2 } };
}

describe('DNS records decoded lazily', () => {
  // Every DNS message of the corpus (over TCP, without its length prefix).
  const messages: Uint8Array[] = [];
  const p = new Packet();
  const r = new Reassembler();
  for (const raw of corpusPackets()) {
    decodePacket(raw, 1, p, r);
    if (!(p.layers & LAYER_DNS)) continue;
    const tcp = (p.layers & LAYER_TCP) !== 0;
    const off = p.payloadOff + (tcp ? 2 : 0);
    const end = tcp ? Math.min(p.payloadOff + p.payloadLen, off + ((p.data[p.payloadOff] << 8) | p.data[p.payloadOff + 1])) : p.payloadOff + p.payloadLen;
    messages.push(p.data.slice(off, end));
  }

  it('gives what the one-pass decode gives on every DNS message of the corpus', () => {
    expect(messages.length).toBeGreaterThan(500);
    let withRecords = 0;
    for (const m of messages) {
      const { lazy, eager } = both(m, 0, m.length);
      expect(lazy).toEqual(eager);
      const e = eager as { msg: { answers: unknown[]; authorities: unknown[]; additionals: unknown[] } | null };
      if (e.msg !== null && e.msg.answers.length + e.msg.authorities.length + e.msg.additionals.length > 0) withRecords++;
    }
    expect(withRecords).toBeGreaterThan(200);
  });

  it('gives what the one-pass decode gives on 60,000 mutated messages', () => {
    const rnd = prng(0xd75);
    // Bytes that make pointers, long labels, extended label types and odd lengths.
    const nasty = [0x00, 0xc0, 0xc0, 0x0c, 0x3f, 0x40, 0x80, 0xff, 0x01, 0x10];
    let events = 0;
    for (let n = 0; n < 60_000; n++) {
      const base = messages[Math.floor(rnd() * messages.length)];
      let b: Uint8Array = base.slice();
      if (rnd() < 0.7) {
        // Flips in the records (after the header and most questions), where the walk must match.
        for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
          const at = 12 + Math.floor(rnd() * Math.max(1, b.length - 12));
          if (at < b.length) b[at] = nasty[Math.floor(rnd() * nasty.length)];
        }
      }
      if (rnd() < 0.4) b = b.subarray(0, Math.floor(rnd() * (b.length + 1)));
      const { lazy, eager } = both(b, 0, b.length);
      expect(lazy).toEqual(eager);
      if ((eager as { events: string[] }).events.length > 0) events++;
    }
    // The mutations reach the decoder's error paths, not only clean messages.
    expect(events).toBeGreaterThan(5000);
  });

  it('keeps its records after the buffer it was decoded from is overwritten', () => {
    const b = bytes(F.dnsResponse.hex);
    const p2 = new Packet();
    decodePacket({ ts: 0, caplen: b.length, len: b.length, linkType: 1, data: b, off: 0, ifIndex: 0 }, 1, p2, null);
    const d = p2.dns!;
    b.fill(0);
    expect(d.questions[0].name).toBe('www.example.com');
    expect(d.answers.map((x) => x.data)).toEqual([
      'web.example.com', '93.184.216.34', '2606:2800:220:1::248', '10 mail.example.com', '"hello world" "a\\"b"', '1 2 5060 sip.example.com', '03637075026f73',
    ]);
    expect(JSON.parse(JSON.stringify(d)).answers).toHaveLength(7);
  });
});
