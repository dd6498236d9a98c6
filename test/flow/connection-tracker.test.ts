// ConnectionTracker: TCP state transitions in both directions, UDP and ICMP flows, expiry, and the cap
// under a spoofed SYN flood.
import { describe, expect, it } from 'vitest';
import { ConnectionTracker, copyUpdate, type FlowUpdate } from '../../src/flow/index.js';
import { IPPROTO_UDP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../src/decode/packet.js';
import { echo, tcp, udp, unreachable } from './make-packet.js';
import { at } from '../helpers/packet-time.js';

const C = '10.0.0.1';
const S = '10.0.0.2';
const SA = TCP_SYN | TCP_ACK;

function snap(u: FlowUpdate | null): FlowUpdate | null {
  return u ? copyUpdate(u) : null;
}

describe('the update onPacket returns', () => {
  it('copies (copyUpdate, JSON) into every field and nothing else, and the copy keeps its values', () => {
    const t = new ConnectionTracker();
    t.onPacket(at(tcp(C, 41000, S, 443, TCP_SYN, { seq: 1 }), 5000.25));
    const u = t.onPacket(at(tcp(S, 443, C, 41000, TCP_SYN | TCP_ACK, { seq: 9, ack: 2 }), 5003.75))!;
    const copy = copyUpdate(u);
    expect(Object.keys(copy).sort()).toEqual([
      'bytesIn', 'bytesOut', 'closed', 'durationMs', 'established', 'handshakeCompleted', 'initiatorIsSrc', 'isNew', 'midstream',
      'packetsIn', 'packetsOut', 'payloadIn', 'payloadOut', 'prevState', 'proto', 'rejected', 'reset', 'resetByInitiator', 'seq',
      'start', 'state', 'unreachable',
    ]);
    expect(copy).toMatchObject({
      proto: 'TCP', state: 'SYN_RECEIVED', prevState: 'SYN_SENT', isNew: false, initiatorIsSrc: false, established: false,
      packetsOut: 1, packetsIn: 1, bytesOut: 54, bytesIn: 54, payloadOut: 0, payloadIn: 0, start: 5000.25, durationMs: 3.5,
    });
    expect(JSON.parse(JSON.stringify(u))).toEqual(copy);
    // The next packet (another flow) moves the update on; the copy stays.
    const v = t.onPacket(at(udp(C, 5000, S, 53), 5010))!;
    expect(v.proto).toBe('UDP');
    expect(copy.proto).toBe('TCP');
    expect(copy.seq).not.toBe(v.seq);
  });
});

describe('the update after the records grow', () => {
  it('reads the grown records, for a flow made before the growth and one made after', () => {
    // 131,072 slots are made up front; the 131,073rd flow grows the records.
    const t = new ConnectionTracker({ maxConnections: 140_000 });
    const host = (k: number): string => `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
    const n = 131_072 + 8;
    for (let k = 0; k < n; k++) t.onPacket(at(udp(host(k), 5000, S, 53), 1000));
    expect(t.size).toBe(n);
    for (const k of [0, n - 1]) {
      const u = t.onPacket(at(udp(S, 53, host(k), 5000), 1500))!;
      expect(snap(u)).toMatchObject({ proto: 'UDP', prevState: 'UNREPLIED', state: 'REPLIED', isNew: false, initiatorIsSrc: false });
      expect([u.packetsOut, u.packetsIn, u.durationMs, u.start]).toEqual([1, 1, 500, 1000]);
    }
  });
});

describe('TCP state machine', () => {
  it('follows handshake, data both ways and a graceful close started by the client', () => {
    const t = new ConnectionTracker();
    const steps: Array<[ReturnType<typeof tcp>, string]> = [
      [tcp(C, 40000, S, 80, TCP_SYN, { seq: 100 }), 'SYN_SENT'],
      [tcp(S, 80, C, 40000, SA, { seq: 500, ack: 101 }), 'SYN_RECEIVED'],
      [tcp(C, 40000, S, 80, TCP_ACK, { seq: 101, ack: 501 }), 'ESTABLISHED'],
      [tcp(C, 40000, S, 80, TCP_ACK | TCP_PSH, { seq: 101, ack: 501, payload: 100 }), 'ESTABLISHED'],
      [tcp(S, 80, C, 40000, TCP_ACK | TCP_PSH, { seq: 501, ack: 201, payload: 1000 }), 'ESTABLISHED'],
      [tcp(C, 40000, S, 80, TCP_FIN | TCP_ACK, { seq: 201, ack: 1501 }), 'FIN_WAIT'],
      [tcp(S, 80, C, 40000, TCP_ACK, { seq: 1501, ack: 202 }), 'CLOSE_WAIT'],
      [tcp(S, 80, C, 40000, TCP_FIN | TCP_ACK, { seq: 1501, ack: 202 }), 'LAST_ACK'],
      [tcp(C, 40000, S, 80, TCP_ACK, { seq: 202, ack: 1502 }), 'CLOSED'],
    ];
    const updates = steps.map(([p], i) => snap(t.onPacket(at(p, 1000 + i * 10))));
    expect(updates.map((u) => u?.state)).toEqual(steps.map(([, s]) => s));
    expect(updates[0]).toMatchObject({ isNew: true, initiatorIsSrc: true, established: false });
    expect(updates[1]).toMatchObject({ isNew: false, initiatorIsSrc: false, handshakeCompleted: false });
    expect(updates[2]).toMatchObject({ handshakeCompleted: true, established: true });
    expect(updates.filter((u) => u?.handshakeCompleted)).toHaveLength(1);
    expect(updates[8]).toMatchObject({ closed: true, reset: false, payloadOut: 100, payloadIn: 1000 });
    expect(updates.slice(0, 8).some((u) => u?.closed)).toBe(false);
    // One connection with both directions counted.
    expect(new Set(updates.map((u) => u?.seq)).size).toBe(1);
    expect(t.active()).toHaveLength(0);
    const [c] = t.closed();
    expect(c).toMatchObject({ proto: 'TCP', src: C, srcPort: 40000, dst: S, dstPort: 80, service: 'http', state: 'CLOSED', packetsOut: 5, packetsIn: 4, closed: true, start: 1000, last: 1080 });
    expect(c.bytesOut).toBe(5 * 54 + 100);
    expect(c.bytesIn).toBe(4 * 54 + 1000);
    expect(t.get(c.id)).toEqual(c);
  });

  it('closes when the server sends the first FIN', () => {
    const t = new ConnectionTracker();
    t.onPacket(at(tcp(C, 40001, S, 22, TCP_SYN, { seq: 1 }), 0));
    t.onPacket(at(tcp(S, 22, C, 40001, SA, { seq: 9, ack: 2 }), 1));
    t.onPacket(at(tcp(C, 40001, S, 22, TCP_ACK, { seq: 2, ack: 10 }), 2));
    expect(t.onPacket(at(tcp(S, 22, C, 40001, TCP_FIN | TCP_ACK, { seq: 10, ack: 2 }), 3))?.state).toBe('FIN_WAIT');
    // Client ACKs the FIN and closes too in one segment.
    expect(t.onPacket(at(tcp(C, 40001, S, 22, TCP_FIN | TCP_ACK, { seq: 2, ack: 11 }), 4))?.state).toBe('LAST_ACK');
    // An ACK from the wrong side (the client itself) does not close it.
    expect(t.onPacket(at(tcp(C, 40001, S, 22, TCP_ACK, { seq: 3, ack: 11 }), 5))?.state).toBe('LAST_ACK');
    const u = t.onPacket(at(tcp(S, 22, C, 40001, TCP_ACK, { seq: 11, ack: 3 }), 6));
    expect(u).toMatchObject({ state: 'CLOSED', closed: true, initiatorIsSrc: false });
    expect(t.closed()[0].service).toBe('ssh');
  });

  it('tells a closed port (SYN answered by RST) from a connect-and-reset probe', () => {
    const t = new ConnectionTracker();
    t.onPacket(at(tcp(C, 50000, S, 23, TCP_SYN), 0));
    const rej = snap(t.onPacket(at(tcp(S, 23, C, 50000, TCP_RST | TCP_ACK, { ack: 1001 }), 1)));
    expect(rej).toMatchObject({ state: 'RESET', prevState: 'SYN_SENT', closed: true, reset: true, rejected: true, resetByInitiator: false, established: false });

    // nmap -sT style: full handshake, then the client resets at once, no data.
    t.onPacket(at(tcp(C, 50001, S, 443, TCP_SYN), 10));
    t.onPacket(at(tcp(S, 443, C, 50001, SA, { ack: 1001 }), 11));
    expect(t.onPacket(at(tcp(C, 50001, S, 443, TCP_ACK, { seq: 1001, ack: 1 }), 12))?.handshakeCompleted).toBe(true);
    const rst = snap(t.onPacket(at(tcp(C, 50001, S, 443, TCP_RST | TCP_ACK, { seq: 1001 }), 13)));
    expect(rst).toMatchObject({ state: 'RESET', closed: true, reset: true, rejected: false, resetByInitiator: true, established: true, payloadOut: 0, payloadIn: 0 });
    // A second RST on a closed flow changes nothing and is not a new close.
    expect(t.onPacket(at(tcp(C, 50001, S, 443, TCP_RST, { seq: 1001 }), 14))).toMatchObject({ state: 'RESET', closed: false, reset: false });
  });

  it('creates no flow from a RST it does not know, and marks FIN/NULL/XMAS first packets INVALID', () => {
    const t = new ConnectionTracker();
    expect(t.onPacket(at(tcp(S, 80, C, 1234, TCP_RST), 0))).toBeNull();
    expect(t.size).toBe(0);
    expect(t.onPacket(at(tcp(C, 999, S, 80, TCP_FIN), 1))).toMatchObject({ isNew: true, state: 'INVALID', established: false });
    expect(t.onPacket(at(tcp(C, 998, S, 80, 0), 1))?.state).toBe('INVALID');
    expect(t.onPacket(at(tcp(S, 80, C, 998, TCP_RST | TCP_ACK), 2))).toMatchObject({ state: 'RESET', rejected: false, resetByInitiator: false });
  });

  it('picks up a connection mid-stream and guesses the client by its port', () => {
    const t = new ConnectionTracker();
    const u = snap(t.onPacket(at(tcp(S, 443, C, 51000, TCP_ACK | TCP_PSH, { payload: 500 }), 0)));
    expect(u).toMatchObject({ isNew: true, midstream: true, state: 'ESTABLISHED', initiatorIsSrc: false, established: false });
    expect(t.onPacket(at(tcp(C, 51000, S, 443, TCP_ACK), 1))).toMatchObject({ initiatorIsSrc: true, established: true });
    expect(t.active()[0]).toMatchObject({ src: C, srcPort: 51000, dst: S, dstPort: 443, service: 'https', packetsOut: 1, packetsIn: 1 });
  });

  it('starts a new connection when a SYN reuses the 4-tuple of a closed one', () => {
    const t = new ConnectionTracker();
    const first = t.onPacket(at(tcp(C, 40000, S, 80, TCP_SYN), 0))!.seq;
    t.onPacket(at(tcp(S, 80, C, 40000, TCP_RST | TCP_ACK), 1));
    const u = snap(t.onPacket(at(tcp(C, 40000, S, 80, TCP_SYN), 2)));
    expect(u).toMatchObject({ isNew: true, state: 'SYN_SENT', packetsOut: 1, packetsIn: 0, start: 2 });
    expect(u!.seq).not.toBe(first);
    expect(t.closed().map((c) => c.id)).toEqual([String(first)]);
    expect(t.active().map((c) => c.id)).toEqual([String(u!.seq)]);
  });

  it('tracks IPv6 connections the same way', () => {
    const t = new ConnectionTracker();
    const a = '2001:db8::1';
    const b = '2001:db8::2';
    t.onPacket(at(tcp(a, 33000, b, 22, TCP_SYN), 0));
    t.onPacket(at(tcp(b, 22, a, 33000, SA, { ack: 1001 }), 1));
    expect(t.onPacket(at(tcp(a, 33000, b, 22, TCP_ACK), 2))).toMatchObject({ state: 'ESTABLISHED', handshakeCompleted: true });
    expect(t.active()[0]).toMatchObject({ src: a, dst: b, dstPort: 22, service: 'ssh' });
  });
});

describe('UDP and ICMP flows', () => {
  it('takes every packet of a flow whose two ends are equal as from its initiator (IPv4, IPv6), and tells the directions of others', () => {
    const t = new ConnectionTracker();
    for (const h of ['10.0.0.9', '2001:db8::9']) {
      for (let i = 0; i < 3; i++) {
        expect(snap(t.onPacket(at(udp(h, 7000, h, 7000), i)))).toMatchObject({ isNew: i === 0, initiatorIsSrc: true, state: 'UNREPLIED', packetsOut: i + 1, packetsIn: 0 });
      }
      // Same address, different ports: the reply is the responder's.
      t.onPacket(at(udp(h, 7001, h, 7002), 5));
      expect(snap(t.onPacket(at(udp(h, 7002, h, 7001), 6)))).toMatchObject({ isNew: false, initiatorIsSrc: false, state: 'REPLIED', packetsIn: 1 });
      // Same ports, different addresses.
      const g = h.includes(':') ? '2001:db8::a' : '10.0.0.10';
      t.onPacket(at(udp(h, 7003, g, 7003), 7));
      expect(snap(t.onPacket(at(udp(g, 7003, h, 7003), 8)))).toMatchObject({ isNew: false, initiatorIsSrc: false, state: 'REPLIED' });
      expect(snap(t.onPacket(at(udp(h, 7003, g, 7003), 9)))).toMatchObject({ isNew: false, initiatorIsSrc: true, packetsOut: 2 });
    }
  });

  it('marks UDP flows replied, and closes one on an ICMP port unreachable quoting it', () => {
    const t = new ConnectionTracker();
    expect(t.onPacket(at(udp(C, 5353, S, 53), 0))).toMatchObject({ isNew: true, proto: 'UDP', state: 'UNREPLIED' });
    expect(t.onPacket(at(udp(S, 53, C, 5353), 1))).toMatchObject({ isNew: false, initiatorIsSrc: false, state: 'REPLIED', established: true });
    expect(t.active()[0]).toMatchObject({ service: 'dns', packetsOut: 1, packetsIn: 1 });

    t.onPacket(at(udp(C, 40000, S, 161), 2));
    const u = snap(t.onPacket(at(unreachable(S, C, IPPROTO_UDP, C, 40000, S, 161), 3)));
    expect(u).toMatchObject({ proto: 'UDP', state: 'UNREACHABLE', closed: true, unreachable: true, initiatorIsSrc: false });
    // An unreachable quoting nothing we track is not a flow.
    expect(t.onPacket(at(unreachable(S, C, IPPROTO_UDP, C, 1, S, 2), 4))).toBeNull();
    expect(t.closed().map((c) => c.dstPort)).toEqual([161]);
  });

  it('pairs ICMP and ICMPv6 echo requests and replies by identifier', () => {
    const t = new ConnectionTracker();
    const r1 = t.onPacket(at(echo(C, S, 7, true), 0))!.seq;
    expect(t.onPacket(at(echo(S, C, 7, false), 1))).toMatchObject({ seq: r1, proto: 'ICMP', state: 'REPLIED', initiatorIsSrc: false });
    expect(t.onPacket(at(echo(C, S, 8, true), 2))!.seq).not.toBe(r1);
    expect(t.onPacket(at(echo('fe80::1', 'fe80::2', 9, true), 3))).toMatchObject({ proto: 'ICMPv6', state: 'UNREPLIED', isNew: true });
    expect(t.onPacket(at(echo('fe80::2', 'fe80::1', 9, false), 4))).toMatchObject({ proto: 'ICMPv6', state: 'REPLIED', isNew: false });
    expect(t.size).toBe(3);
    expect(t.active().find((c) => c.proto === 'ICMP' && c.packetsIn === 1)).toMatchObject({ src: C, dst: S, srcPort: 0, dstPort: 0, service: '' });
  });
});

describe('expiry and the cap', () => {
  it('expires half-open flows before established ones, in packet time', () => {
    const t = new ConnectionTracker({ tcpHalfOpenMs: 30_000, tcpIdleMs: 300_000 });
    t.onPacket(at(tcp(C, 1, S, 80, TCP_SYN), 0));
    t.onPacket(at(tcp(C, 2, S, 80, TCP_SYN), 0));
    t.onPacket(at(tcp(S, 80, C, 2, SA), 0));
    t.onPacket(at(tcp(C, 2, S, 80, TCP_ACK), 0));
    t.onTick(29_999);
    expect(t.size).toBe(2);
    t.onTick(30_000);
    expect(t.active().map((c) => c.srcPort)).toEqual([2]);
    t.onTick(299_999);
    expect(t.size).toBe(1);
    // Expiry also runs from onPacket as packet time advances.
    t.onPacket(at(udp(C, 9, S, 9), 301_000));
    expect(t.active().map((c) => c.proto)).toEqual(['UDP']);
    expect(t.counters().expired).toBe(2);
    // The idle established connection was a real connection: it is listed as closed.
    expect(t.closed().map((c) => c.srcPort)).toEqual([2]);
  });

  it('stays within its cap under a spoofed SYN flood and keeps the established connection', () => {
    const cap = 1000;
    const t = new ConnectionTracker({ maxConnections: cap });
    t.onPacket(at(tcp(C, 40000, S, 22, TCP_SYN), 0));
    t.onPacket(at(tcp(S, 22, C, 40000, SA), 0));
    t.onPacket(at(tcp(C, 40000, S, 22, TCP_ACK), 0));
    let maxSize = 0;
    for (let i = 0; i < 100_000; i++) {
      const src = `11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      const u = t.onPacket(at(tcp(src, 1024 + (i % 60000), S, 80, TCP_SYN), 1 + i / 100));
      expect(u?.isNew).toBe(true);
      if (t.size > maxSize) maxSize = t.size;
    }
    expect(maxSize).toBe(cap);
    expect(t.counters().evicted).toBe(100_000 + 1 - cap);
    const u = t.onPacket(at(tcp(C, 40000, S, 22, TCP_ACK | TCP_PSH, { payload: 10 }), 1001));
    expect(u).toMatchObject({ isNew: false, state: 'ESTABLISHED', established: true });
  });

  it('keeps an exact LRU at second granularity with a consistent index under random traffic (model check)', () => {
    const cap = 300;
    // Flows move up the LRU list at most once per second of packet time, so packets here are 1 s apart.
    const t = new ConnectionTracker({ maxConnections: cap, udpIdleMs: 1e12 });
    const model = new Map<string, true>();
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let i = 0; i < 50_000; i++) {
      // 1000 possible UDP flows, each answered at once when new (so none is preferred for early
      // drop and eviction is pure LRU), then seen from either direction.
      const k = rnd(1000);
      const a = `10.1.${k >> 8}.${k & 255}`;
      const key = String(k);
      const forward = rnd(2) === 0;
      const p = forward ? udp(a, 1000 + (k % 7), '10.2.0.1', 53) : udp('10.2.0.1', 53, a, 1000 + (k % 7));
      const now = i * 1000;
      const u = t.onPacket(at(p, now));
      const known = model.has(key);
      expect(u?.isNew).toBe(!known);
      if (!known) expect(t.onPacket(at(forward ? udp('10.2.0.1', 53, a, 1000 + (k % 7)) : udp(a, 1000 + (k % 7), '10.2.0.1', 53), now))?.isNew).toBe(false);
      if (known) model.delete(key);
      else if (model.size >= cap) model.delete(model.keys().next().value as string);
      model.set(key, true);
      expect(t.size).toBe(model.size);
    }
    const listed = t.active().map((c) => (c.src === '10.2.0.1' ? c.dst : c.src));
    const expected = [...model.keys()].map((k) => `10.1.${Number(k) >> 8}.${Number(k) & 255}`);
    expect(new Set(listed)).toEqual(new Set(expected));
  });

  it('finds every flow through the tagged index whatever tag bits the cap leaves, across evictions (model check)', () => {
    // The index keeps the flow hash's bits above slot + 1 as a tag: a cap of 1 leaves 31 of them, a
    // cap of 50,000 sixteen. Crowded tables (cap 1-7, an index of 16 entries) put many flows on one home
    // slot, and each eviction's backward shift moves entries with other tags; IPv6 flows take find6.
    for (const cap of [1, 2, 7, 64, 50_000]) {
      // Packets 1 s apart (flows move up the LRU list at most once a second), nothing expires.
      const t = new ConnectionTracker({ maxConnections: cap, udpIdleMs: 1e12 });
      const model = new Map<string, true>();
      let seed = 777 + cap;
      const rnd = (n: number): number => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return (seed >>> 8) % n;
      };
      const keys = Math.min(4 * cap + 8, 400);
      const host = (k: number): string => (k % 3 === 0 ? `2001:db8::${(k + 1).toString(16)}` : `10.9.${k >> 8}.${k & 255}`);
      for (let i = 0; i < 6000; i++) {
        const k = rnd(keys);
        const a = host(k);
        const b = k % 3 === 0 ? '2001:db8::ffff' : '10.2.0.1';
        const key = String(k);
        const now = i * 1000;
        const known = model.has(key);
        const forward = rnd(2) === 0;
        const u = forward ? t.onPacket(at(udp(a, 2000 + (k % 5), b, 53), now)) : t.onPacket(at(udp(b, 53, a, 2000 + (k % 5)), now));
        expect(u?.isNew).toBe(!known);
        // Answered at once when new, so no flow is preferred for early drop: eviction is pure LRU.
        if (!known) expect(t.onPacket(at(forward ? udp(b, 53, a, 2000 + (k % 5)) : udp(a, 2000 + (k % 5), b, 53), now))?.isNew).toBe(false);
        if (known) model.delete(key);
        else if (model.size >= cap) model.delete(model.keys().next().value as string);
        model.set(key, true);
        expect(t.size).toBe(model.size);
      }
      const listed = t.active().map((c) => (c.srcPort === 53 ? c.dst : c.src));
      expect(new Set(listed)).toEqual(new Set([...model.keys()].map((mk) => host(Number(mk)))));
    }
  });
});

describe('IPv6 text pairs', () => {
  it('shows each flow its own texts while slots pass between IPv4 and IPv6 flows, and holds a pair per IPv6 flow at most', () => {
    const cap = 5;
    const t = new ConnectionTracker({ maxConnections: cap, udpIdleMs: 1e12 });
    // The tracker's pair list (private): its length bounds the texts it keeps alive.
    const pairs = (): number => (t as unknown as { v6Texts: string[] }).v6Texts.length / 2;
    let seed = 99;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const host = (k: number): string => (k % 2 === 0 ? `2001:db8:${(k + 16).toString(16)}::1` : `10.7.${k >> 8}.${k & 255}`);
    const peer = (k: number): string => (k % 2 === 0 ? `2001:db8:ffff::${(k % 7) + 1}` : '10.2.0.1');
    for (let i = 0; i < 3000; i++) {
      const k = rnd(40);
      t.onPacket(at(udp(host(k), 3000 + k, peer(k), 53), i * 1000));
      t.onPacket(at(udp(peer(k), 53, host(k), 3000 + k), i * 1000));
      const listed = t.active();
      expect(listed.length).toBeLessThanOrEqual(cap);
      for (const c of listed) {
        const kk = c.srcPort - 3000;
        expect([c.src, c.dst, c.dstPort]).toEqual([host(kk), peer(kk), 53]);
      }
      expect(pairs()).toBeLessThanOrEqual(cap);
    }
  });

  it('keeps the texts right when a SYN from the other end reuses a closed IPv6 4-tuple, and after the flow leaves', () => {
    const ends: Array<[string, string, string]> = [];
    const t = new ConnectionTracker({ maxConnections: 2, onEnd: (f, why) => ends.push([f.src, f.dst, why]) });
    const A = '2001:db8::a';
    const B = '2001:db8::b';
    t.onPacket(at(tcp(A, 5000, B, 6000, TCP_SYN), 0));
    t.onPacket(at(tcp(B, 6000, A, 5000, TCP_RST | TCP_ACK), 1));
    // B now opens the same 4-tuple: B is the initiator.
    t.onPacket(at(tcp(B, 6000, A, 5000, TCP_SYN), 2));
    expect(t.active().map((c) => [c.src, c.dst])).toEqual([[B, A]]);
    // Two IPv4 flows push it out; an IPv6 flow then takes a freed slot and shows its own texts.
    t.onPacket(at(tcp('10.0.0.1', 1, '10.0.0.2', 2, TCP_SYN), 3));
    t.onPacket(at(tcp('10.0.0.3', 1, '10.0.0.4', 2, TCP_SYN), 4));
    t.onPacket(at(tcp('2001:db8::c', 7, '2001:db8::d', 8, TCP_SYN), 5));
    expect(ends.slice(0, 2)).toEqual([
      [A, B, 'reused'],
      [B, A, 'evicted'],
    ]);
    expect(t.active().map((c) => [c.src, c.dst])).toEqual([
      ['2001:db8::c', '2001:db8::d'],
      ['10.0.0.3', '10.0.0.4'],
    ]);
  });
});

describe('flow end notifications (onEnd)', () => {
  it('reports each flow once as it leaves: timeout, evicted by the cap, reused by a new SYN, and shutdown', () => {
    const ended: Array<[string, number, string, number, number, string]> = [];
    const t = new ConnectionTracker({
      maxConnections: 3,
      udpIdleMs: 60_000,
      onEnd: (f, reason, now) => ended.push([reason, f.srcPort, f.state, f.packetsOut, f.packetsIn, `${now}`]),
    });
    // A UDP exchange that goes idle: gone by timeout once a packet 60 s later sweeps the table.
    t.onPacket(at(udp(C, 5000, S, 53), 1000));
    t.onPacket(at(udp(S, 53, C, 5000), 1010));
    // A connection that closes by RST, and then a new SYN on the same 4-tuple takes its place.
    t.onPacket(at(tcp(C, 40000, S, 80, TCP_SYN, { seq: 1 }), 2000));
    t.onPacket(at(tcp(S, 80, C, 40000, TCP_RST | TCP_ACK, { ack: 2 }), 2001));
    t.onPacket(at(tcp(C, 40000, S, 80, TCP_SYN, { seq: 9 }), 3000));
    expect(ended).toEqual([['reused', 40000, 'RESET', 1, 1, '3000']]);
    // Two more flows fill the cap of 3, so the next evicts: among the least recently seen it prefers a
    // flow never established (the new SYN_SENT on 40000) to the answered UDP exchange, as conntrack does.
    t.onPacket(at(tcp(C, 40001, S, 80, TCP_SYN), 3100));
    t.onPacket(at(tcp(C, 40002, S, 80, TCP_SYN), 3200));
    expect(ended[1]).toEqual(['evicted', 40000, 'SYN_SENT', 1, 0, '3200']);
    // At 62 s the sweep removes the UDP flow (idle 61 s >= 60 s) and the half-open SYNs (30 s), oldest first.
    t.onPacket(at(tcp(C, 40003, S, 80, TCP_SYN), 62_000));
    t.endAll(70_000);
    expect(ended).toEqual([
      ['reused', 40000, 'RESET', 1, 1, '3000'],
      ['evicted', 40000, 'SYN_SENT', 1, 0, '3200'],
      ['timeout', 5000, 'REPLIED', 1, 1, '62000'],
      ['timeout', 40001, 'SYN_SENT', 1, 0, '62000'],
      ['timeout', 40002, 'SYN_SENT', 1, 0, '62000'],
      ['shutdown', 40003, 'SYN_SENT', 1, 0, '70000'],
    ]);
    expect(t.size).toBe(1); // endAll reports, the table stays for the views
    // Every flow that was ever created was reported exactly once.
    expect(t.counters().created).toBe(ended.length);
  });

  it('costs nothing without a listener: endAll is a no-op', () => {
    const t = new ConnectionTracker();
    t.onPacket(at(udp(C, 5000, S, 53), 1000));
    expect(() => t.endAll(2000)).not.toThrow();
    expect(t.size).toBe(1);
  });
  it('fills and empties its index again and again (expiry, then eviction churn) and still answers lookups', () => {
    // The flow index probes until an empty slot, so it must never run out of empty slots: e81a962 fixed
    // a table that lost them by emptying repeatedly. Here a cap of 64 is filled and emptied by expiry 300
    // times and then churned by eviction for 200 times the cap with distinct flows; a regression that
    // made a lookup probe forever would hang inside this bounded loop count (vitest's timeout ends it).
    const cap = 64;
    const t = new ConnectionTracker({ maxConnections: cap, udpIdleMs: 1000 });
    let now = 0;
    for (let round = 0; round < 300; round++) {
      for (let k = 0; k < cap; k++) {
        const a = `10.${(round >> 8) & 255}.${round & 255}.${k}`;
        expect(t.onPacket(at(udp(a, 2000 + k, '10.200.0.1', 53), now))?.isNew).toBe(true);
        expect(t.onPacket(at(udp('10.200.0.1', 53, a, 2000 + k), now))?.isNew).toBe(false);
      }
      expect(t.size).toBe(cap);
      now += 5000;
      t.onTick(now);
      expect(t.size).toBe(0);
    }
    for (let i = 0; i < cap * 200; i++) {
      const a = `10.100.${(i >> 8) & 255}.${i & 255}`;
      expect(t.onPacket(at(udp(a, 3000, '10.200.0.1', 53), now))?.isNew).toBe(true);
      expect(t.onPacket(at(udp('10.200.0.1', 53, a, 3000), now))?.isNew).toBe(false);
      now += 1;
    }
    expect(t.size).toBe(cap);
    expect(t.counters()).toMatchObject({ expired: 300 * cap, evicted: cap * 200 - cap });
  });
});
