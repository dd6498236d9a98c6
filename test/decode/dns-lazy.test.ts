// decodeDns walks the message only for its events and renders questions and records when first read; here
// its messages are held, field by field and event by event, to the one-pass decode of the same bytes
// (decodeDnsFull), on every DNS message of the corpus, on seeded mutations of them and on hand-made
// malformed messages (loops, pointers past the end, counts larger than the message); a packet's reused
// view is shown to follow its packet and a kept copy to stay right after the buffer is overwritten.
import { describe, expect, it } from 'vitest';
import { corpusPackets, prng } from './helpers/corpus.js';
import { decodeDns, decodeDnsFull, decodePacket, DnsView, keepDns, LAYER_DNS, LAYER_TCP, Packet, plainDns, Reassembler } from '../../src/decode/index.js';
import type { DnsMessage } from '../../src/decode/packet.js';
import * as F from './fixtures.js';
import { bytes, raw, udpIpv4Frame } from './helpers/fixture.js';

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

  it("a packet's view reads the packet's bytes; a kept copy stays right after they are overwritten", () => {
    const b = bytes(F.dnsResponse.hex);
    const p2 = new Packet();
    decodePacket({ ts: 0, caplen: b.length, len: b.length, linkType: 1, data: b, off: 0, ifIndex: 0 }, 1, p2, null);
    const d = p2.dns!;
    expect(d).toBe(p2.dnsView);
    const kept = keepDns(d);
    expect(kept).not.toBe(d);
    b.fill(0);
    expect(kept.questions[0].name).toBe('www.example.com');
    expect(kept.answers.map((x) => x.data)).toEqual([
      'web.example.com', '93.184.216.34', '2606:2800:220:1::248', '10 mail.example.com', '"hello world" "a\\"b"', '1 2 5060 sip.example.com', '03637075026f73',
    ]);
    expect(JSON.parse(JSON.stringify(kept)).answers).toHaveLength(7);
    // The view itself was not read before the overwrite, so it now reads zeros: no question, no record.
    expect(d.questions).toEqual([]);
    // A message that is not a packet's view (a standalone decode, a plain object) is kept as it is.
    const alone = decodeDns(bytes(F.dnsResponse.hex), 42, b.length, [])!;
    expect(keepDns(alone)).toBe(alone);
  });

  it("a packet's view is refilled by the next DNS packet, its questions read again", () => {
    const p2 = new Packet();
    const first = decodePacket(raw(F.dnsResponse), 1, p2, null).dns!;
    expect(first.questions.map((q) => q.name)).toEqual(['www.example.com']);
    const kept = keepDns(first);
    const second = decodePacket(raw(F.vlanQinQDns), 2, p2, null).dns!;
    expect(second).toBe(first);
    expect(second.questions.map((q) => q.name)).toEqual(['example.com']);
    expect(second.answers).toEqual([]);
    expect(kept.questions.map((q) => q.name)).toEqual(['www.example.com']);
    expect(kept.answers).toHaveLength(7);
  });
});

/** A DNS message from its header fields and the bytes after the header. */
function message(id: number, flags: number, counts: [number, number, number, number], rest: number[]): Uint8Array {
  return Uint8Array.from([id >> 8, id & 255, flags >> 8, flags & 255, ...counts.flatMap((c) => [c >> 8, c & 255]), ...rest]);
}
/** The labels of a name, uncompressed, with its root byte. */
const name = (...labels: string[]): number[] => [...labels.flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]), 0];
const A_IN = [0, 1, 0, 1];

/** What a packet's view gives when read in the order a consumer reads it, with the events of its fill. */
function viaView(m: Uint8Array, order: 'questions-first' | 'records-first'): { msg: unknown; events: string[] } {
  const v = new DnsView();
  const events: string[] = [];
  if (!v.fill(m, 0, m.length, events)) return { msg: null, events };
  if (order === 'questions-first') void v.questions.length;
  else void v.answers.length;
  return { msg: plainDns(v), events };
}

describe('malformed DNS through the lazy view', () => {
  // Each case: the message, then the events and the fields the one-pass decode gives, which the view
  // must give too whichever part is read first.
  const cases: Array<{ what: string; m: Uint8Array; events: string[]; check: (d: DnsMessage) => void }> = [
    {
      what: 'a question name that points at itself (a compression loop)',
      m: message(1, 0x0100, [1, 0, 0, 0], [0xc0, 0x0c, ...A_IN]),
      events: ['decode.dns.pointer_loop'],
      check: (d) => expect(d.questions).toEqual([{ name: '<Name contains a pointer that loops>', type: 1, class: 1 }]),
    },
    {
      what: 'two answers whose names point at each other',
      m: message(2, 0x8180, [0, 2, 0, 0], [0xc0, 0x1c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 5, 6, 7, 8]),
      events: ['decode.dns.forward_pointer', 'decode.dns.pointer_loop'],
      check: (d) => expect(d.answers.map((r) => [r.name, r.data])).toEqual([
        ['<Name contains a forward pointer>', '1.2.3.4'],
        ['<Name contains a pointer that loops>', '5.6.7.8'],
      ]),
    },
    {
      what: 'a pointer past the end of the message',
      m: message(3, 0x0100, [1, 0, 0, 0], [0xc3, 0xff, ...A_IN]),
      events: ['decode.dns.forward_pointer'],
      check: (d) => expect(d.questions[0].name).toBe('<Name contains a forward pointer>'),
    },
    {
      what: 'record counts larger than the message holds',
      m: message(4, 0x8180, [1, 5, 3, 2], [...name('a', 'example'), ...A_IN, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4, 192, 0, 2, 1]),
      events: ['decode.dns.truncated'],
      check: (d) => {
        expect(d.questions.map((q) => q.name)).toEqual(['a.example']);
        expect(d.answers.map((r) => [r.name, r.ttl, r.data])).toEqual([['a.example', 256, '192.0.2.1']]);
        expect(d.authorities).toEqual([]);
      },
    },
    {
      what: 'more questions announced than present',
      m: message(5, 0x0100, [3, 0, 0, 0], [...name('q1', 'test'), ...A_IN, ...name('q2', 'test')]),
      events: ['decode.dns.truncated'],
      check: (d) => expect(d.questions.map((q) => q.name)).toEqual(['q1.test']),
    },
    {
      what: 'rdata longer than the message',
      m: message(6, 0x8180, [1, 1, 0, 0], [...name('x', 'test'), ...A_IN, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 40, 1, 2]),
      events: ['decode.dns.truncated'],
      check: (d) => {
        expect(d.questions).toHaveLength(1);
        expect(d.answers).toEqual([]);
      },
    },
    {
      what: 'a CNAME whose target loops, with the rest of the message intact',
      m: message(7, 0x8180, [1, 2, 0, 0], [...name('w', 'test'), ...A_IN, 0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xc0, 0x24, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]),
      events: ['decode.dns.pointer_loop'],
      check: (d) => expect(d.answers.map((r) => [r.type, r.data])).toEqual([[5, 'c024'], [1, '10.0.0.1']]),
    },
    {
      what: 'a header and nothing more, with counts',
      m: message(8, 0x0100, [1, 1, 1, 1], []),
      events: ['decode.dns.truncated'],
      check: (d) => {
        expect(d.questions).toEqual([]);
        expect(d.answers).toEqual([]);
      },
    },
  ];

  for (const c of cases) {
    it(`${c.what}: the events and fields of the one-pass decode`, () => {
      const events: string[] = [];
      const eager = decodeDnsFull(c.m, 0, c.m.length, events)!;
      expect(events).toEqual(c.events);
      c.check(eager);
      const want = { msg: plainDns(eager), events };
      expect(viaView(c.m, 'questions-first')).toEqual(want);
      expect(viaView(c.m, 'records-first')).toEqual(want);
      // Through the packet path too: a UDP datagram to port 53 carrying the message.
      const frame = udpFrame(c.m);
      const p = decodePacket(raw({ linkType: 1, data: frame }), 1, new Packet(), null);
      expect(p.events).toEqual(c.events);
      c.check(p.dns!);
    });
  }

  it('names seen before read back as the same text, however alike, in whatever order they come', () => {
    // Decoded names are remembered by their wire bytes across messages: names that differ in one byte,
    // in case only, or in where the label dots fall must never be taken for one another.
    const names: string[] = [];
    for (let i = 0; i < 1500; i++) {
      names.push(`host${i}.example`, `Host${i}.Example`, `host${i}.exampld`);
      if (i < 200) names.push(`ho.st${i}.example`, `hos.t${i}.example`);
    }
    const rnd = prng(0x7e57);
    for (let round = 0; round < 3; round++) {
      const order = names.map((_, i) => i).sort(() => rnd() - 0.5);
      for (const k of order) {
        const m = message(k & 0xffff, 0x0100, [1, 0, 0, 0], [...name(...names[k].split('.')), ...A_IN]);
        expect(decodeDns(m, 0, m.length, [])!.questions[0].name).toBe(names[k]);
      }
    }
  });

  it('one view refilled with 0 to 3 questions a message, in random order, lists exactly each message\'s questions', () => {
    const v = new DnsView();
    const rnd = prng(0x9a11);
    for (let n = 0; n < 2000; n++) {
      const count = Math.floor(rnd() * 4);
      const names = Array.from({ length: count }, (_, i) => `q${n}-${i}.test`);
      // Sometimes cut inside the last question: the walk stops there, as the one-pass decode does.
      const full = message(n, 0x0100, [count, 0, 0, 0], names.flatMap((x) => [...name(...x.split('.')), ...A_IN]));
      const m = count > 0 && rnd() < 0.2 ? full.subarray(0, full.length - 2) : full;
      if (!v.fill(m, 0, m.length, [])) continue;
      const eager = decodeDnsFull(m, 0, m.length, []);
      expect(v.questions.map((q) => q.name)).toEqual(eager!.questions.map((q) => q.name));
      expect(v.questions).toHaveLength(eager!.questions.length);
    }
  });

  it('a header cut short is no message, with its event', () => {
    const events: string[] = [];
    expect(decodeDns(new Uint8Array(11), 0, 11, events)).toBeNull();
    expect(events).toEqual(['decode.dns.header_too_short']);
  });
});

/** Ethernet + IPv4 + UDP (10.0.0.1:40000 -> 10.0.0.2:53) around `payload`. */
function udpFrame(payload: Uint8Array): Uint8Array {
  return udpIpv4Frame('10.0.0.1', 40000, '10.0.0.2', 53, payload);
}
