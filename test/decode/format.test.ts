// The --dump-packets JSON line, the packet-feed summary and the statistics protocol name.
import { describe, expect, it } from 'vitest';
import * as F from './fixtures.js';
import { decode } from './helpers/fixture.js';
import { isoTime, packetSummary, packetToJson, protoName, Reassembler } from '../../src/decode/index.js';

describe('packetToJson', () => {
  it('writes the issue 3 fields for a TCP SYN and leaves absent layers out', () => {
    const j = packetToJson(decode(F.tcpSynOptions, null, 1_700_000_000_123.456));
    expect(j).toEqual({
      type: 'packet', n: 1, ts: '2023-11-14T22:13:20.123456Z', len: 74, caplen: 74,
      eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', type: 2048 },
      ip: { v: 4, src: '10.0.0.1', dst: '10.0.0.2', proto: 6, ttl: 64, len: 60 },
      tcp: { sport: 40000, dport: 80, seq: 1000, ack: 0, flags: 2, win: 65535 },
      events: [],
    });
  });

  it('writes vlan ids, udp and dns', () => {
    const j = packetToJson(decode(F.vlanQinQDns));
    expect(j.vlan).toEqual([100, 200]);
    expect(j.udp).toEqual({ sport: 5353, dport: 53, len: 37 });
    expect(j.dns).toEqual({ id: 0xbeef, qr: false, rcode: 0, qd: [{ name: 'example.com', type: 1 }], an: [] });
    expect(j.tcp).toBeUndefined();
  });

  it('writes dns answers, http, icmp with v 6, ipv6 hop limit, and events', () => {
    const d = packetToJson(decode(F.dnsResponse)).dns as { an: unknown[] };
    expect(d.an[1]).toEqual({ name: 'www.example.com', type: 1, ttl: 300, data: '93.184.216.34' });
    expect(packetToJson(decode(F.httpRequest)).http).toEqual({ method: 'GET', uri: '/index.html?q=1', host: 'example.com', status: null });
    expect(packetToJson(decode(F.httpResponse)).http).toEqual({ method: null, uri: null, host: null, status: 404 });
    const i6 = packetToJson(decode(F.icmpv6TimeExceeded));
    expect(i6.icmp).toMatchObject({ type: 3, code: 0, v: 6 });
    expect(i6.ip).toMatchObject({ v: 6, src: '2001:db8::fe', ttl: 64, len: 40 + 56 });
    expect(packetToJson(decode(F.ipv4BadChecksum)).events).toEqual(['decode.ipv4.bad_checksum']);
  });

  it('marks fragments and reassembled datagrams', () => {
    const r = new Reassembler();
    expect(packetToJson(decode(F.frag0, r)).ip).toMatchObject({ fragment: true });
    decode(F.frag1, r);
    const j = packetToJson(decode(F.frag2, r));
    expect(j.ip).toMatchObject({ reassembled: true });
    expect(j.tcp).toMatchObject({ dport: 22, flags: 2 });
  });

  it('formats microsecond timestamps', () => {
    expect(isoTime(0.001)).toBe('1970-01-01T00:00:00.000001Z');
  });
});

describe('packetSummary and protoName', () => {
  it('names protocols for the feed and for statistics', () => {
    expect(packetSummary(decode(F.ipv6ExtChainTcp))).toEqual({ proto: 'TCP', info: 'SYN,ACK' });
    expect(packetSummary(decode(F.arpWhoHas))).toEqual({ proto: 'ARP', info: 'who-has 10.0.0.2' });
    expect(packetSummary(decode(F.icmpv6TimeExceeded)).proto).toBe('ICMPv6');
    expect(packetSummary(decode(F.frag0, null))).toEqual({ proto: 'IPv4', info: 'fragment (proto 6)' });
    expect(protoName(decode(F.tcpSynOptions))).toBe('TCP');
    expect(protoName(decode(F.vlanQinQDns))).toBe('UDP');
    expect(protoName(decode(F.ipv4OptionsIcmpEcho))).toBe('ICMP');
    expect(protoName(decode(F.icmpv6TimeExceeded))).toBe('ICMPv6');
    expect(protoName(decode(F.arpWhoHas))).toBe('ARP');
    expect(protoName(decode({ linkType: 160, data: new Uint8Array(4) }))).toBe('Other');
  });
});
