// IP fragment reassembly: nmap -f style 8-byte fragments reach TCP, in any order; overlaps, oversize
// datagrams, timeouts and the memory caps behave as documented.
import { describe, expect, it } from 'vitest';
import * as F from './fixtures.js';
import { bytes, decode } from './helpers/fixture.js';
import { LAYER_FRAGMENT, LAYER_REASSEMBLED, LAYER_TCP, Reassembler, TCP_SYN } from '../../src/decode/index.js';

const frags = [F.frag0, F.frag1, F.frag2];

describe('IPv4 reassembly', () => {
  it('puts an nmap -f SYN back together and decodes TCP from it', () => {
    const r = new Reassembler();
    const a = decode(frags[0], r);
    expect(a.layers & LAYER_FRAGMENT).toBeTruthy();
    expect(a.layers & LAYER_TCP).toBe(0);
    expect(r.size).toBe(1);
    decode(frags[1], r);
    const c = decode(frags[2], r);
    expect(c.layers & LAYER_REASSEMBLED).toBeTruthy();
    expect(c.layers & LAYER_FRAGMENT).toBe(0);
    expect(c.ipOffset).toBe(0);
    expect(c.data.length).toBe(40);
    expect(c.srcPort).toBe(41000);
    expect(c.dstPort).toBe(22);
    expect(c.tcpFlags).toBe(TCP_SYN);
    expect(c.tcpSeq).toBe(777);
    expect(r.size).toBe(0);
    expect(r.bytes).toBe(0);
  });

  it('works in reverse order', () => {
    const r = new Reassembler();
    expect(decode(frags[2], r).layers & LAYER_TCP).toBe(0);
    expect(decode(frags[1], r).layers & LAYER_TCP).toBe(0);
    expect(decode(frags[0], r).dstPort).toBe(22);
  });

  it('without a reassembler fragments carry no transport layer', () => {
    for (const f of frags) {
      const p = decode(f, null);
      expect(p.layers & LAYER_FRAGMENT).toBeTruthy();
      expect(p.layers & LAYER_TCP).toBe(0);
    }
  });

  it('reports an overlap and keeps the bytes that came first', () => {
    const r = new Reassembler();
    decode(frags[0], r);
    // The second fragment again at offset 0: overlaps all of fragment 0.
    const dup = bytes(frags[1].hex);
    dup[14 + 6] = 0x20;
    dup[14 + 7] = 0;
    const p = decode({ linkType: 1, data: dup }, r);
    expect(p.events).toContain('decode.ipv4.frag_overlap');
    decode(frags[1], r);
    const c = decode(frags[2], r);
    expect(c.dstPort).toBe(22); // fragment 0's ports won
  });

  it('reports a datagram larger than 65535 bytes and drops it', () => {
    const r = new Reassembler();
    decode(frags[0], r);
    const big = bytes(frags[2].hex);
    big[14 + 6] = 0x1f; // offset 8191 * 8 = 65528, + 4 bytes + header > 65535
    big[14 + 7] = 0xff;
    const p = decode({ linkType: 1, data: big }, r);
    expect(p.events).toContain('decode.ipv4.frag_too_large');
    expect(r.size).toBe(0);
  });

  it('expires datagrams by packet time (default 30 s)', () => {
    const r = new Reassembler();
    decode(frags[0], r, 1_000_000);
    r.expire(1_000_000 + 29_000);
    expect(r.size).toBe(1);
    r.expire(1_000_000 + 31_000);
    expect(r.size).toBe(0);
    // A late fragment after the timeout does not complete anything.
    decode(frags[1], r, 1_000_000 + 31_000);
    expect(decode(frags[2], r, 1_000_000 + 31_001).layers & LAYER_TCP).toBe(0);
  });

  it('caps datagrams in progress, evicting the oldest', () => {
    const r = new Reassembler({ maxDatagrams: 4 });
    let evicted = 0;
    for (let id = 0; id < 10; id++) {
      const d = bytes(frags[0].hex);
      d[14 + 4] = 0;
      d[14 + 5] = id;
      const p = decode({ linkType: 1, data: d }, r);
      if (p.events.includes('decode.ipv4.frag_limit_reached')) evicted++;
      expect(r.size).toBeLessThanOrEqual(4);
    }
    expect(evicted).toBe(6);
  });

  it('caps bytes held', () => {
    const r = new Reassembler({ maxBytes: 65535 });
    const payload = 1400;
    for (let id = 0; id < 200; id++) {
      const d = new Uint8Array(14 + 20 + payload);
      d.set(bytes(frags[0].hex).subarray(0, 34));
      d[14 + 2] = (20 + payload) >> 8;
      d[14 + 3] = (20 + payload) & 255;
      d[14 + 4] = id >> 8;
      d[14 + 5] = id & 255;
      decode({ linkType: 1, data: d }, r);
      expect(r.bytes).toBeLessThanOrEqual(65535);
    }
    expect(r.size).toBeGreaterThan(0);
  });
});

describe('IPv6 reassembly', () => {
  it('reassembles fragment headers and decodes the transport layer', () => {
    // Build two IPv6 fragments of a UDP datagram (8-byte header + 16 bytes payload).
    const udp = Uint8Array.from([0x04, 0xd2, 0x00, 0x35, 0x00, 0x18, 0, 0, ...new Array(16).fill(0x61)]);
    const mk = (off: number, more: boolean, part: Uint8Array): Uint8Array => {
      const ip = bytes(F.ipv6ExtChainTcp.hex).subarray(14, 14 + 40).slice();
      const plen = 8 + part.length;
      ip[4] = plen >> 8;
      ip[5] = plen & 255;
      ip[6] = 44; // fragment header
      const fh = Uint8Array.from([17, 0, (off >> 8) & 0xff, (off & 0xf8) | (more ? 1 : 0), 0, 0, 0x12, 0x34]);
      const out = new Uint8Array(14 + 40 + 8 + part.length);
      out.set(bytes(F.ipv6ExtChainTcp.hex).subarray(0, 14));
      out.set(ip, 14);
      out.set(fh, 54);
      out.set(part, 62);
      return out;
    };
    const r = new Reassembler();
    const a = decode({ linkType: 1, data: mk(0, true, udp.subarray(0, 16)) }, r);
    expect(a.layers & LAYER_FRAGMENT).toBeTruthy();
    expect(a.ipProto).toBe(17);
    const b = decode({ linkType: 1, data: mk(16, false, udp.subarray(16)) }, r);
    expect(b.layers & LAYER_REASSEMBLED).toBeTruthy();
    expect(b.srcPort).toBe(1234);
    expect(b.dstPort).toBe(53);
    expect(b.udpLen).toBe(24);
    expect(b.ipSrc).toBe('2001:db8::1');
  });
});
