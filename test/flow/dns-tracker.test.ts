// DnsTracker: query/response matching by id and endpoints, latency, NXDOMAIN, top domains, bounds.
import { describe, expect, it } from 'vitest';
import { DnsTracker } from '../../src/flow/index.js';
import { dnsMsg, udp } from './make-packet.js';
import { decodePacket, Packet } from '../../src/decode/index.js';
import { udpIpv4Frame } from '../decode/helpers/fixture.js';
import { at } from '../helpers/packet-time.js';

/** A DNS message over UDP/IPv4 as a wire frame (no UDP checksum), `answers` A records to the question. */
function dnsFrame(src: string, sport: number, dst: string, dport: number, id: number, qr: boolean, name: string, answers: string[], pad = 0): Uint8Array {
  const qname = [...name.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]), 0];
  const rr = answers.flatMap((a) => [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...a.split('.').map(Number)]);
  // Padding as one TXT record in the additional section, to make a message longer than 512 bytes.
  const txt = pad > 0 ? [0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 60, (pad + 1) >> 8, (pad + 1) & 255, Math.min(pad, 255), ...new Array(pad).fill(0x61)] : [];
  const dnsMsgBytes = [id >> 8, id & 255, qr ? 0x81 : 0x01, qr ? 0x80 : 0, 0, 1, 0, answers.length, 0, 0, 0, pad > 0 ? 1 : 0, ...qname, 0, 1, 0, 1, ...rr, ...txt];
  return udpIpv4Frame(src, sport, dst, dport, dnsMsgBytes);
}

const CL = '192.168.1.10';
const NS = '192.168.1.1';

function query(id: number, name: string, type = 1, client = CL, port = 40000) {
  return udp(client, port, NS, 53, 40, dnsMsg(id, false, name, type));
}
function answer(id: number, name: string, rcode: number, answers: string[], client = CL, port = 40000, type = 1) {
  return udp(NS, 53, client, port, 80, dnsMsg(id, true, name, type, rcode, answers));
}

describe('DnsTracker', () => {
  it('lists the answers of decoded responses after the packet and its buffer are reused', () => {
    // The decoder's message reads the packet's bytes; the tracker must keep what it lists (a short
    // response as bytes of its own, one over 512 bytes as a kept message), not the packet's view.
    const d = new DnsTracker();
    const p = new Packet();
    const buf = new Uint8Array(2048);
    const feed = (f: Uint8Array, t: number): void => {
      buf.fill(0xee);
      buf.set(f, 0);
      d.onPacket(at(decodePacket({ ts: t, caplen: f.length, len: f.length, linkType: 1, data: buf, off: 0, ifIndex: 0 }, 1, p, null), t));
    };
    feed(dnsFrame(CL, 40000, NS, 53, 0x11, false, 'short.test', []), 0);
    feed(dnsFrame(CL, 40001, NS, 53, 0x12, false, 'long.test', []), 1);
    feed(dnsFrame(NS, 53, CL, 40000, 0x11, true, 'short.test', ['192.0.2.1', '192.0.2.2']), 2);
    feed(dnsFrame(NS, 53, CL, 40001, 0x12, true, 'long.test', ['198.51.100.7'], 600), 3);
    // An unmatched response is listed with its answers too; then other packets overwrite the buffer.
    feed(dnsFrame(NS, 53, CL, 40002, 0x13, true, 'late.test', ['203.0.113.9']), 4);
    feed(dnsFrame(CL, 40003, NS, 53, 0x14, false, 'next.test', []), 5);
    expect(d.queries().map((q) => [q.name, q.rcode, q.answers, q.latencyMs])).toEqual([
      ['short.test', 'NOERROR', ['192.0.2.1', '192.0.2.2'], 2],
      ['long.test', 'NOERROR', ['198.51.100.7'], 2],
      ['late.test', 'NOERROR', ['203.0.113.9'], null],
      ['next.test', '', [], null],
    ]);
    expect(d.topDomains(10).map((x) => x.name).sort()).toEqual(['long.test', 'next.test', 'short.test']);
  });

  it('matches thousands of waiting queries answered in shuffled order, ports and ids shared between them', () => {
    // Queries from few ports with many ids and from many ports with few ids crowd the pending table's
    // neighbouring slots; answering them in random order removes entries from the middle of those runs.
    const d = new DnsTracker({ maxPending: 5000, keep: 5000 });
    let seed = 12345;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const qs: Array<{ port: number; id: number; t: number }> = [];
    const seen = new Set<string>();
    while (qs.length < 4000) {
      const port = rnd() < 0.5 ? 40000 + Math.floor(rnd() * 4) : 1024 + Math.floor(rnd() * 60000);
      const id = rnd() < 0.5 ? Math.floor(rnd() * 8) : Math.floor(rnd() * 65536);
      if (seen.has(`${port}/${id}`)) continue;
      seen.add(`${port}/${id}`);
      qs.push({ port, id, t: qs.length });
    }
    for (const q of qs) d.onPacket(at(query(q.id, `n${q.t}.test`, 1, CL, q.port), q.t));
    expect(d.counters().pending).toBe(4000);
    const order = qs.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const k of order.slice(0, 3000)) d.onPacket(at(answer(qs[k].id, `n${k}.test`, 0, [], CL, qs[k].port), 10_000 + k));
    expect(d.counters()).toMatchObject({ pending: 1000, matched: 3000 });
    // A second answer to an answered query matches nothing; the other thousand still match.
    d.onPacket(at(answer(qs[order[0]].id, 'again.test', 0, [], CL, qs[order[0]].port), 20_000));
    for (const k of order.slice(3000)) d.onPacket(at(answer(qs[k].id, `n${k}.test`, 0, [], CL, qs[k].port), 10_000 + k));
    expect(d.counters()).toMatchObject({ pending: 0, matched: 4000, responses: 4001 });
    const listed = d.queries();
    for (let k = 0; k < 4000; k++) expect(listed[k]).toMatchObject({ name: `n${k}.test`, rcode: 'NOERROR', latencyMs: 10_000 });
  });

  it('counts names case-insensitively, lower-case and mixed-case spellings as one', () => {
    const d = new DnsTracker();
    d.onPacket(at(query(1, 'www.Example.COM'), 0));
    d.onPacket(at(query(2, 'www.example.com'), 1));
    d.onPacket(at(query(3, 'WWW.EXAMPLE.COM'), 2));
    d.onPacket(at(query(4, 'other.test'), 3));
    expect(d.topDomains(5)).toEqual([{ name: 'www.example.com', count: 3 }, { name: 'other.test', count: 1 }]);
  });

  it('matches a response to its query and measures latency in packet time', () => {
    const d = new DnsTracker();
    d.onPacket(at(query(0x1234, 'example.com'), 1000));
    d.onPacket(at(query(0x1235, 'example.org', 28), 1001));
    d.onPacket(at(answer(0x1234, 'example.com', 0, ['93.184.216.34']), 1025));
    const [a, b] = d.queries();
    expect(a).toEqual({ ts: 1000, client: CL, server: NS, id: 0x1234, name: 'example.com', type: 'A', rcode: 'NOERROR', answers: ['93.184.216.34'], latencyMs: 25 });
    expect(b).toMatchObject({ name: 'example.org', type: 'AAAA', rcode: '', latencyMs: null });
    expect(d.total).toBe(2);
  });

  it('does not match a response from another client port, server or id', () => {
    const d = new DnsTracker();
    d.onPacket(at(query(7, 'a.test'), 0));
    d.onPacket(at(answer(7, 'a.test', 0, [], CL, 40001), 5)); // other client port
    d.onPacket(at(answer(8, 'a.test', 0, []), 6)); // other id
    const q = d.queries();
    expect(q[0]).toMatchObject({ name: 'a.test', rcode: '', latencyMs: null });
    // Unmatched responses are still listed, without latency.
    expect(q.slice(1).map((r) => [r.id, r.rcode, r.latencyMs])).toEqual([
      [7, 'NOERROR', null],
      [8, 'NOERROR', null],
    ]);
    expect(d.counters()).toMatchObject({ matched: 0, pending: 1, responses: 2 });
  });

  it('counts NXDOMAIN responses and names the rcode', () => {
    const d = new DnsTracker();
    d.onPacket(at(query(1, 'nope.invalid'), 0));
    d.onPacket(at(answer(1, 'nope.invalid', 3, []), 3));
    d.onPacket(at(query(2, 'ok.test'), 4));
    d.onPacket(at(answer(2, 'ok.test', 2, []), 9));
    expect(d.nxdomain).toBe(1);
    expect(d.queries().map((q) => q.rcode)).toEqual(['NXDOMAIN', 'SERVFAIL']);
  });

  it('ranks the most queried names, case-folded', () => {
    const d = new DnsTracker();
    let id = 0;
    for (let i = 0; i < 5; i++) d.onPacket(at(query(id++, i % 2 ? 'WWW.Example.com' : 'www.example.com'), i));
    for (let i = 0; i < 3; i++) d.onPacket(at(query(id++, 'mail.test', 15), 10 + i));
    d.onPacket(at(query(id++, 'once.test'), 20));
    expect(d.topDomains(2)).toEqual([
      { name: 'www.example.com', count: 5 },
      { name: 'mail.test', count: 3 },
    ]);
    expect(d.queries()[5].type).toBe('MX');
  });

  it('gives up unanswered queries after the timeout and stays within its bounds', () => {
    const d = new DnsTracker({ maxPending: 100, keep: 50, timeoutMs: 5000, maxDomains: 64 });
    for (let i = 0; i < 10_000; i++) d.onPacket(at(query(i & 0xffff, `h${i}.flood.test`, 1, `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`), i));
    const c = d.counters();
    expect(c.pending).toBeLessThanOrEqual(100);
    expect(c.kept).toBe(50);
    expect(c.domains).toBeLessThanOrEqual(64);
    expect(d.queries()).toHaveLength(50);
    expect(d.queries().at(-1)?.name).toBe('h9999.flood.test');
    d.onTick(100_000);
    expect(d.counters().pending).toBe(0);
    expect(d.queries().every((q) => q.rcode === 'TIMEOUT')).toBe(true);
  });

  it('measures latency from the last retransmission, and matches over IPv6', () => {
    const d = new DnsTracker();
    d.onPacket(at(query(9, 'slow.test'), 0));
    d.onPacket(at(query(9, 'slow.test'), 1000));
    d.onPacket(at(answer(9, 'slow.test', 0, ['10.9.9.9']), 1040));
    expect(d.queries().map((q) => [q.rcode, q.latencyMs])).toEqual([
      ['RETRANSMITTED', null],
      ['NOERROR', 40],
    ]);
    d.onPacket(at(udp('2001:db8::10', 5555, '2001:db8::53', 53, 40, dnsMsg(3, false, 'v6.test', 28)), 2000));
    d.onPacket(at(udp('2001:db8::53', 53, '2001:db8::10', 5555, 80, dnsMsg(3, true, 'v6.test', 28, 0, ['2001:db8::1'])), 2007));
    expect(d.queries().at(-1)).toMatchObject({ client: '2001:db8::10', server: '2001:db8::53', type: 'AAAA', answers: ['2001:db8::1'], latencyMs: 7 });
  });

  it('keeps names raw (views escape them)', () => {
    const d = new DnsTracker();
    d.onPacket(at(query(1, 'evil\x1b[2J.test'), 0));
    expect(d.queries()[0].name).toBe('evil\x1b[2J.test');
  });

  it('reuses listing records only once answered: a query still waiting when its slot comes round is matched later, and listings already handed out do not change', () => {
    const d = new DnsTracker({ keep: 4 });
    d.onPacket(at(query(1, 'slow.test', 1, CL, 50001), 0)); // stays unanswered for a while
    d.onPacket(at(query(2, 'fast.test', 1, CL, 50002), 1));
    d.onPacket(at(answer(2, 'fast.test', 0, ['192.0.2.2'], CL, 50002), 2));
    const before = d.queries();
    // Eight more answered queries go round the four-slot ring twice.
    for (let i = 0; i < 8; i++) {
      d.onPacket(at(query(100 + i, `n${i}.test`, 1, CL, 51000 + i), 10 + i));
      d.onPacket(at(answer(100 + i, `n${i}.test`, 3, [], CL, 51000 + i), 11 + i));
    }
    expect(before.map((q) => [q.name, q.rcode, q.answers])).toEqual([
      ['slow.test', '', []],
      ['fast.test', 'NOERROR', ['192.0.2.2']],
    ]);
    // The slow query left the listing but still waits, and its answer is matched.
    expect(d.queries().map((q) => q.name)).toEqual(['n4.test', 'n5.test', 'n6.test', 'n7.test']);
    expect(d.counters()).toMatchObject({ pending: 1, matched: 9 });
    d.onPacket(at(answer(1, 'slow.test', 0, ['192.0.2.1'], CL, 50001), 500));
    expect(d.counters()).toMatchObject({ pending: 0, matched: 10, timedOut: 0 });
    // Later queries and the timeout sweep do not disturb the records now in the listing.
    d.onPacket(at(query(200, 'late.test', 1, CL, 52000), 40_000));
    expect(d.queries().map((q) => [q.name, q.rcode])).toEqual([
      ['n5.test', 'NXDOMAIN'],
      ['n6.test', 'NXDOMAIN'],
      ['n7.test', 'NXDOMAIN'],
      ['late.test', ''],
    ]);
    expect(d.counters()).toMatchObject({ pending: 1, timedOut: 0 });
  });
  it('fills and empties its pending table again and again, keys shared between clients, and still matches', () => {
    // The pending table probes until an empty slot and deletes by backward shift; a table that lost its
    // empty slots (the defect of e81a962 in another table) would make a lookup probe forever. 400 rounds
    // fill 64 waiting queries of 8 clients sharing each (port, id) key, overflow them by 16, answer half,
    // and let the rest time out: the loops are bounded, so a regression hangs only up to vitest's timeout.
    const cap = 64;
    const d = new DnsTracker({ maxPending: cap, keep: 16, timeoutMs: 1000, maxDomains: 64 });
    let now = 0;
    let matched = 0;
    for (let round = 0; round < 400; round++) {
      const id = round & 0xffff;
      const port = 40000 + (round % 7);
      const client = (i: number): string => `10.0.${i >> 3}.${i & 7}`;
      // 80 queries into 64 places: the first 16 are given up to make room.
      for (let i = 0; i < cap + 16; i++) d.onPacket(at(query(id + (i & 7), `r${round}.test`, 1, client(i >> 3), port), now));
      expect(d.counters().pending).toBe(cap);
      for (let i = 16; i < cap + 16; i += 2) d.onPacket(at(answer(id + (i & 7), `r${round}.test`, 0, ['10.9.9.9'], client(i >> 3), port), now + 1));
      matched += cap / 2;
      expect(d.counters()).toMatchObject({ pending: cap / 2, matched });
      // An answer to a query given up earlier is not matched.
      d.onPacket(at(answer(id, `r${round}.test`, 0, [], client(0), port), now + 2));
      expect(d.counters().matched).toBe(matched);
      now += 5000;
      d.onTick(now);
      expect(d.counters().pending).toBe(0);
    }
    expect(d.counters().timedOut).toBe(400 * (cap / 2));
  });
});
