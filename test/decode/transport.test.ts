// TCP, UDP, ICMP and ICMPv6 decoders: flags, options, lengths, and the datagram ICMP errors quote.
import { describe, expect, it } from 'vitest';
import * as F from './fixtures.js';
import { bytes, decode } from './helpers/fixture.js';
import { LAYER_ICMPV6, LAYER_TCP, LAYER_UDP, TCP_SYN, packetSummary } from '../../src/decode/index.js';

describe('TCP', () => {
  it('decodes ports, sequence, flags, window and options', () => {
    const p = decode(F.tcpSynOptions);
    expect(p.srcPort).toBe(40000);
    expect(p.dstPort).toBe(80);
    expect(p.tcpSeq).toBe(1000);
    expect(p.tcpFlags).toBe(TCP_SYN);
    expect(p.tcpWin).toBe(65535);
    expect(p.tcpHeaderLen).toBe(40);
    expect(p.tcpMss).toBe(1460);
    expect(p.tcpSackOk).toBe(true);
    expect(p.tcpTsVal).toBe(123456);
    expect(p.tcpTsEcr).toBe(0);
    expect(p.tcpWscale).toBe(7);
    expect(p.payloadLen).toBe(0);
    expect(packetSummary(p)).toEqual({ proto: 'TCP', info: 'SYN' });
  });

  it('reports an option whose length runs past the header', () => {
    const d = bytes(F.tcpSynOptions.hex);
    d[14 + 20 + 20 + 1] = 40; // MSS option length 40
    const p = decode({ linkType: 1, data: d });
    expect(p.events).toContain('decode.tcp.option_truncated');
    expect(p.layers & LAYER_TCP).toBeTruthy();
  });

  it('stops at a header shorter than 20 bytes, keeping IP', () => {
    const d = bytes(F.tcpSynOptions.hex).subarray(0, 14 + 20 + 12);
    const p = decode({ linkType: 1, data: d });
    expect(p.events).toContain('decode.tcp.header_too_short');
    expect(p.layers & LAYER_TCP).toBe(0);
    expect(p.ipVersion).toBe(4);
  });

  it('reports a data offset below 5 words', () => {
    const d = bytes(F.tcpSynOptions.hex);
    d[14 + 20 + 12] = 0x30;
    const p = decode({ linkType: 1, data: d });
    expect(p.events).toContain('decode.tcp.bad_data_offset');
  });
});

describe('UDP', () => {
  it('trusts the length field over trailing bytes (length 8, DNS bytes after)', () => {
    const d = bytes(F.vlanQinQDns.hex);
    const udpOff = 14 + 8 + 20;
    d[udpOff + 4] = 0;
    d[udpOff + 5] = 8;
    const p = decode({ linkType: 1, data: d });
    expect(p.layers & LAYER_UDP).toBeTruthy();
    expect(p.udpLen).toBe(8);
    expect(p.payloadLen).toBe(0);
    expect(p.dns).toBeNull();
    expect(p.events).toContain('decode.udp.bad_length');
  });

  it('reports a length below 8', () => {
    const d = bytes(F.rawIpv4.hex);
    d[20 + 5] = 3;
    const p = decode({ linkType: 101, data: d });
    expect(p.events).toContain('decode.udp.bad_length');
  });
});

describe('ICMP errors quote the original datagram', () => {
  it('ICMPv4 port unreachable: quoted addresses, protocol and ports', () => {
    const p = decode(F.icmpPortUnreachable);
    expect(p.icmpType).toBe(3);
    expect(p.icmpCode).toBe(3);
    expect(p.icmpQuoted).toEqual({ present: true, ipVersion: 4, src: 0x0a000002, dst: 0x0a000001, proto: 17, srcPort: 5353, dstPort: 53 });
    expect(packetSummary(p)).toEqual({ proto: 'ICMP', info: 'destination unreachable' });
  });

  it('ICMPv6 time exceeded: quoted IPv6 and TCP ports', () => {
    const p = decode(F.icmpv6TimeExceeded);
    expect(p.layers & LAYER_ICMPV6).toBeTruthy();
    expect(p.icmpType).toBe(3);
    expect(p.icmpQuoted).toMatchObject({ present: true, ipVersion: 6, src: '2001:db8::2', dst: '2001:db8::99', proto: 6, srcPort: 33000, dstPort: 22 });
  });

  it('an echo request has no quote', () => {
    const p = decode(F.ipv4OptionsIcmpEcho);
    expect(p.icmpQuoted.present).toBe(false);
    expect(packetSummary(p).info).toBe('echo request');
  });

  it('reports a quote too short to hold an IP header', () => {
    const d = bytes(F.icmpPortUnreachable.hex).subarray(0, 14 + 20 + 8 + 10);
    d[14 + 2] = 0;
    d[14 + 3] = 38;
    const p = decode({ linkType: 1, data: d });
    expect(p.events).toContain('decode.icmp.quoted_header_too_short');
    expect(p.icmpQuoted.present).toBe(false);
  });
});
