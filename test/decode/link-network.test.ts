// Link and network layer decoders on hand-built fixtures: Ethernet, stacked VLANs, SLL v1/v2, BSD
// loopback, raw IP, ARP, IPv4 (options, checksum), IPv6 extension header chains.
import { describe, expect, it } from 'vitest';
import * as F from './fixtures.js';
import { bytes, decode } from './helpers/fixture.js';
import {
  formatIp, formatMac, LAYER_ARP, LAYER_ETH, LAYER_IPV4, LAYER_IPV6, LAYER_NULL, LAYER_SLL, LAYER_TCP, LAYER_UDP, LAYER_VLAN,
  LAYER_ICMP, TCP_ACK, TCP_SYN, Packet, ipv6TextHash,
} from '../../src/decode/index.js';

describe('link layers', () => {
  it('decodes Ethernet addresses and type', () => {
    const p = decode(F.tcpSynOptions);
    expect(p.layers & LAYER_ETH).toBeTruthy();
    expect(formatMac(p.ethSrc)).toBe('02:00:00:00:00:01');
    expect(formatMac(p.ethDst)).toBe('02:00:00:00:00:02');
    expect(p.etherType).toBe(0x0800);
  });

  it('reads every byte of both addresses, high bits too (the middle 32-bit word is split between them)', () => {
    const f = F.tcpSynOptions.hex;
    const p = decode({ linkType: 1, hex: 'f1e2d3c4b5a6' + 'a7b8c9daebfc' + f.slice(24) });
    expect(formatMac(p.ethDst)).toBe('f1:e2:d3:c4:b5:a6');
    expect(formatMac(p.ethSrc)).toBe('a7:b8:c9:da:eb:fc');
    expect(p.etherType).toBe(0x0800);
    expect(p.layers & LAYER_TCP).toBeTruthy();
  });

  it('reads stacked 802.1ad + 802.1Q tags outermost first and reaches DNS', () => {
    const p = decode(F.vlanQinQDns);
    expect(p.layers & LAYER_VLAN).toBeTruthy();
    expect(p.vlanIds).toEqual([100, 200]);
    expect(p.etherType).toBe(0x0800);
    expect(p.dns?.questions[0]).toEqual({ name: 'example.com', type: 1, class: 1 });
  });

  it('decodes Linux cooked v1 and v2', () => {
    const a = decode(F.sll);
    expect(a.layers & LAYER_SLL).toBeTruthy();
    expect(a.layers & LAYER_ETH).toBe(0);
    expect(a.dns?.questions[0].name).toBe('sll.example');
    const b = decode(F.sll2);
    expect(b.layers & LAYER_SLL).toBeTruthy();
    expect(b.ipVersion).toBe(6);
    expect(b.dns?.questions[0]).toMatchObject({ name: 'sll2.example', type: 28 });
  });

  it('decodes BSD loopback with AF 30 (macOS IPv6) and raw IPv4', () => {
    const a = decode(F.nullAf30);
    expect(a.layers & LAYER_NULL).toBeTruthy();
    expect(a.layers & LAYER_IPV6).toBeTruthy();
    expect(a.layers & LAYER_TCP).toBeTruthy();
    const b = decode(F.rawIpv4);
    expect(b.layers & (LAYER_IPV4 | LAYER_UDP)).toBe(LAYER_IPV4 | LAYER_UDP);
    expect(b.srcPort).toBe(9);
  });

  it('reports an unknown link type and keeps nothing', () => {
    const p = decode({ linkType: 160, data: bytes('00112233') });
    expect(p.events).toEqual(['decode.link.unknown_linktype']);
    expect(p.layers).toBe(0);
  });

  it('stops at a too-short Ethernet frame (8 bytes) with an event', () => {
    const p = decode({ linkType: 1, data: bytes('0200000000020200') });
    expect(p.events).toEqual(['decode.ethernet.header_too_short']);
    expect(p.layers).toBe(0);
  });

  it('flags IPv6 on LINKTYPE_IPV4 but decodes it by its version', () => {
    const v6 = bytes(F.sll2.hex).subarray(20);
    const p = decode({ linkType: 228, data: v6 });
    expect(p.events).toContain('decode.link.ip_version_mismatch');
    expect(p.ipVersion).toBe(6);
    expect(p.layers & LAYER_UDP).toBeTruthy();
  });

  it('decodes an ARP request', () => {
    const p = decode(F.arpWhoHas);
    expect(p.layers & LAYER_ARP).toBeTruthy();
    expect(p.arpOp).toBe(1);
    expect(formatIp(p.arpSenderIp)).toBe('10.0.0.1');
    expect(formatIp(p.arpTargetIp)).toBe('10.0.0.2');
  });
});

describe('IPv4', () => {
  it('skips options (IHL 6) and verifies the checksum', () => {
    const p = decode(F.ipv4OptionsIcmpEcho);
    expect(p.ipHeaderLen).toBe(24);
    expect(p.ipChecksumOk).toBe(true);
    expect(p.events).toEqual([]);
    expect(p.layers & LAYER_ICMP).toBeTruthy();
    expect(p.icmpType).toBe(8);
    expect(p.payloadOff).toBe(14 + 24 + 8);
  });

  it('reports a bad header checksum and still decodes above it', () => {
    const p = decode(F.ipv4BadChecksum);
    expect(p.ipChecksumOk).toBe(false);
    expect(p.events).toEqual(['decode.ipv4.bad_checksum']);
    expect(p.layers & LAYER_ICMP).toBeTruthy();
  });

  it('keeps the Ethernet layer when the IPv4 header is short', () => {
    const full = bytes(F.tcpSynOptions.hex);
    const p = decode({ linkType: 1, data: full.subarray(0, 14 + 12) });
    expect(p.layers).toBe(LAYER_ETH);
    expect(p.events).toEqual(['decode.ipv4.header_too_short']);
  });

  it('rejects an IHL below 5', () => {
    const d = bytes(F.rawIpv4.hex);
    d[0] = 0x44;
    const p = decode({ linkType: 101, data: d });
    expect(p.events).toContain('decode.ipv4.bad_header_length');
  });

  it('takes the captured length when total length is 0 (segmentation offload)', () => {
    const d = bytes(F.rawIpv4.hex);
    d[2] = 0;
    d[3] = 0;
    const p = decode({ linkType: 101, data: d });
    expect(p.ipLen).toBe(d.length);
    expect(p.layers & LAYER_UDP).toBeTruthy();
  });
});

describe('IPv6', () => {
  it('walks hop-by-hop, destination options and routing headers to TCP', () => {
    const p = decode(F.ipv6ExtChainTcp);
    expect(p.ipVersion).toBe(6);
    expect(p.ipSrc).toBe('2001:db8::1');
    expect(p.ipDst).toBe('2001:db8::2');
    expect(p.ipProto).toBe(6);
    expect(p.ipTtl).toBe(64);
    expect(p.srcPort).toBe(50000);
    expect(p.dstPort).toBe(443);
    expect(p.tcpFlags).toBe(TCP_SYN | TCP_ACK);
    expect(p.tcpAck).toBe(1001);
  });

  it('hands out the address hash with the text, the same on a cache miss and a hit as ipv6TextHash', () => {
    for (let round = 0; round < 2; round++) {
      const p = decode(F.ipv6ExtChainTcp);
      expect(p.ip6SrcHash).toBe(ipv6TextHash('2001:db8::1'));
      expect(p.ip6DstHash).toBe(ipv6TextHash('2001:db8::2'));
      expect(p.ip6SrcHash).not.toBe(p.ip6DstHash);
    }
    // The setter (used by tools that build packets by hand) keeps the hash in step, and clears it for IPv4.
    const q = new Packet();
    q.ipSrc = '2001:db8::1';
    expect(q.ip6SrcHash).toBe(ipv6TextHash('2001:db8::1'));
    q.ipSrc = 0x0a000001;
    expect(q.ip6SrcHash).toBe(0);
  });

  it('reports an extension header that runs past the packet', () => {
    const d = bytes(F.ipv6ExtChainTcp.hex);
    d[14 + 40 + 1] = 200; // hop-by-hop length: 1608 bytes
    const p = decode({ linkType: 1, data: d });
    expect(p.events).toContain('decode.ipv6.exthdr_too_short');
    expect(p.layers & LAYER_IPV6).toBeTruthy();
    expect(p.layers & LAYER_TCP).toBe(0);
  });
});
