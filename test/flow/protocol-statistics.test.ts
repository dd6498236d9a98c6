// ProtocolStatistics: per-protocol counts, top talkers and ports, rates from packet time, bounded hosts.
import { describe, expect, it } from 'vitest';
import { ProtocolStatistics } from '../../src/flow/index.js';
import { LAYER_ARP, LAYER_ETH, LAYER_HTTP, Packet, TCP_ACK, TCP_SYN } from '../../src/decode/packet.js';
import { dnsMsg, echo, tcp, udp } from './make-packet.js';
import { at } from '../helpers/packet-time.js';

function arp(): Packet {
  const p = new Packet();
  p.layers = LAYER_ETH | LAYER_ARP;
  p.len = 42;
  return p;
}

describe('ProtocolStatistics', () => {
  it('counts packets and bytes per protocol; DNS and HTTP on top of UDP and TCP', () => {
    const s = new ProtocolStatistics();
    s.onPacket(at(tcp('10.0.0.1', 40000, '10.0.0.2', 80, TCP_SYN), 0));
    const http = tcp('10.0.0.1', 40000, '10.0.0.2', 80, TCP_ACK, { payload: 200 });
    http.layers |= LAYER_HTTP;
    s.onPacket(at(http, 1));
    s.onPacket(at(udp('10.0.0.1', 5000, '10.0.0.3', 53, 30, dnsMsg(1, false, 'x.test', 1)), 2));
    s.onPacket(at(echo('10.0.0.1', '10.0.0.2', 1, true), 3));
    s.onPacket(at(echo('fe80::1', 'fe80::2', 1, true), 4));
    s.onPacket(at(arp(), 5));
    const p = s.protocols();
    expect(p).toEqual({
      TCP: { packets: 2, bytes: 54 + 254 },
      UDP: { packets: 1, bytes: 72 },
      ICMP: { packets: 1, bytes: 98 },
      ICMPv6: { packets: 1, bytes: 98 },
      ARP: { packets: 1, bytes: 42 },
      DNS: { packets: 1, bytes: 72 },
      HTTP: { packets: 1, bytes: 254 },
      Other: { packets: 0, bytes: 0 },
    });
    expect(s.packets).toBe(6);
    expect(s.bytes).toBe(54 + 254 + 72 + 98 + 98 + 42);
  });

  it('ranks top talkers by bytes or packets, counting traffic sent and received', () => {
    const s = new ProtocolStatistics();
    for (let i = 0; i < 10; i++) s.onPacket(at(udp('10.0.0.1', 1000, '10.0.0.9', 2000, 8), i)); // 50-byte frames
    s.onPacket(at(udp('10.0.0.2', 1000, '10.0.0.9', 2000, 1458), 11)); // one 1500-byte frame
    const byPackets = s.topTalkers(2, 'packets');
    expect(byPackets).toEqual([
      { ip: '10.0.0.9', packets: 11, bytes: 2000 },
      { ip: '10.0.0.1', packets: 10, bytes: 500 },
    ]);
    expect(s.topTalkers(3, 'bytes').map((t) => t.ip)).toEqual(['10.0.0.9', '10.0.0.2', '10.0.0.1']);
    // IPv6 hosts rank with the IPv4 ones.
    for (let i = 0; i < 20; i++) s.onPacket(at(udp('2001:db8::1', 1000, '2001:db8::2', 2000, 8), 20 + i));
    expect(s.topTalkers(2, 'packets').map((t) => [t.ip, t.packets])).toEqual([
      ['2001:db8::1', 20],
      ['2001:db8::2', 20],
    ]);
  });

  it('counts the server port of requests and replies, with service names', () => {
    const s = new ProtocolStatistics();
    for (let i = 0; i < 3; i++) s.onPacket(at(tcp('10.0.0.1', 40000 + i, '10.0.0.2', 443, TCP_SYN), i));
    s.onPacket(at(tcp('10.0.0.2', 443, '10.0.0.1', 40000, TCP_SYN | TCP_ACK), 4));
    s.onPacket(at(udp('10.0.0.1', 5353, '10.0.0.3', 53), 5));
    s.onPacket(at(udp('10.0.0.3', 53, '10.0.0.1', 5353), 6));
    s.onPacket(at(tcp('10.0.0.1', 40000, '10.0.0.2', 31337, TCP_SYN), 7));
    expect(s.topPorts(3)).toEqual([
      { port: 443, proto: 'TCP', service: 'https', packets: 4 },
      { port: 53, proto: 'UDP', service: 'dns', packets: 2 },
      { port: 31337, proto: 'TCP', service: '', packets: 1 },
    ]);
  });

  it('computes rates per full second of packet time and a 60-second history', () => {
    const s = new ProtocolStatistics();
    const t0 = 1_700_000_000_000;
    // 5 packets in second 0, none in second 1, 2 in second 2.
    for (let i = 0; i < 5; i++) s.onPacket(at(udp('10.0.0.1', 1, '10.0.0.2', 2, 58), t0 + i * 100));
    s.onPacket(at(udp('10.0.0.1', 1, '10.0.0.2', 2, 58), t0 + 2500));
    s.onPacket(at(udp('10.0.0.1', 1, '10.0.0.2', 2, 58), t0 + 2600));
    expect(s.rate(t0 + 1500)).toEqual({ pps: 5, bps: 500 });
    expect(s.rate(t0 + 2700)).toEqual({ pps: 0, bps: 0 });
    expect(s.rate(t0 + 3000)).toEqual({ pps: 2, bps: 200 });
    const h = s.rateHistory(t0 + 3000);
    expect(h).toHaveLength(60);
    expect(h.slice(-3)).toEqual([5, 0, 2]);
    expect(h.slice(0, -3).every((x) => x === 0)).toBe(true);
    // After a minute of silence the history is empty again.
    s.onTick(t0 + 70_000);
    expect(s.rateHistory().every((x) => x === 0)).toBe(true);
  });

  it('keeps the host map within maxHosts under a flood of spoofed sources, keeping the heavy hitter', () => {
    const s = new ProtocolStatistics({ maxHosts: 1000 });
    for (let i = 0; i < 50_000; i++) {
      s.onPacket(at(tcp(`11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 1234, '10.0.0.2', 80, TCP_SYN), i));
      expect(s.counters().hosts).toBeLessThanOrEqual(1000);
    }
    expect(s.topTalkers(1, 'packets')).toEqual([{ ip: '10.0.0.2', packets: 50_000, bytes: 50_000 * 54 }]);
  });

  it('prunes to the busier half by bytes, ties kept by lowest address, IPv6 hosts counted alongside', () => {
    const s = new ProtocolStatistics({ maxHosts: 8 });
    // Eight hosts fill the table: 10.0.0.1 (4 packets), 10.0.0.2 (3), three tied at 2 (10.0.0.4,
    // 2001:db8::9, 10.0.0.3) and three single-packet ones.
    const send = (src: string, n: number): void => {
      for (let k = 0; k < n; k++) s.onPacket(at(udp(src, 5000, src, 53), 1000));
    };
    send('10.0.0.1', 4);
    send('10.0.0.2', 3);
    send('10.0.0.4', 2);
    send('2001:db8::9', 2);
    send('10.0.0.3', 2);
    send('10.0.0.7', 1);
    send('10.0.0.8', 1);
    send('10.0.0.6', 1);
    expect(s.counters()).toMatchObject({ hosts: 8, hostPrunes: 0 });
    // The ninth host prunes to four: the two busiest, then of the three tied at 2 packets the IPv6
    // host and the lowest IPv4 address (10.0.0.3, not 10.0.0.4); then the new host is added.
    send('10.0.0.5', 1);
    expect(s.counters()).toMatchObject({ hosts: 5, hostPrunes: 1 });
    expect(s.topTalkers(10, 'packets').map((t) => t.ip)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '2001:db8::9', '10.0.0.5']);
  });

  it('lists hosts with equal counts by address (IPv4 first), whatever order they arrived in', () => {
    const s = new ProtocolStatistics();
    for (const src of ['10.0.0.200', '2001:db8::2', '192.168.1.1', '2001:db8::1', '10.0.0.3', '172.16.0.1']) s.onPacket(at(udp(src, 5000, src, 53), 1000));
    const order = ['10.0.0.3', '10.0.0.200', '172.16.0.1', '192.168.1.1', '2001:db8::1', '2001:db8::2'];
    expect(s.topTalkers(10, 'packets').map((t) => t.ip)).toEqual(order);
    expect(s.topTalkers(10, 'bytes').map((t) => t.ip)).toEqual(order);
  });

  it('under a flood of equal single-packet sources keeps the lowest addresses, not table order', () => {
    const s = new ProtocolStatistics({ maxHosts: 64 });
    // Sources in arithmetic progression, as a flood tool makes them; all tie at one packet each.
    const sources: number[] = [];
    for (let i = 0; i < 64; i++) sources.push((0x0b000000 + ((i * 2654435761) >>> 8)) >>> 0);
    for (const a of sources) s.onPacket(at(udp(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`, 1, '203.0.113.1', 2), 0));
    // 65 hosts with the server: the server (64 packets) and the 31 lowest sources stay, then the last source.
    const kept = s.topTalkers(100, 'packets').map((t) => t.ip);
    expect(kept[0]).toBe('203.0.113.1');
    const lowest = sources.slice(0, 63).sort((x, y) => x - y).slice(0, 31).map((a) => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`);
    const last = sources[63];
    expect(new Set(kept.slice(1))).toEqual(new Set([...lowest, `${last >>> 24}.${(last >>> 16) & 255}.${(last >>> 8) & 255}.${last & 255}`]));
  });

  it('counts IPv4 hosts past the table\'s first size, 0.0.0.0 and 255.255.255.255 among them', () => {
    const s = new ProtocolStatistics({ maxHosts: 10_000 });
    // 3,000 hosts (the table starts with 64 slots and doubles to 8,192): every count must survive the rehashing.
    const ipOf = (i: number): string => `10.${(i >> 8) & 255}.${i & 255}.${(i * 7) & 255}`;
    for (let i = 0; i < 3000; i++) for (let k = 0; k <= i % 4; k++) s.onPacket(at(udp(ipOf(i), 5000, ipOf(i), 53, 8 + k), 0));
    // A DHCP client's broadcast from 0.0.0.0 (the int32 0, which the address table uses as its empty mark).
    for (let k = 0; k < 5; k++) s.onPacket(at(udp('0.0.0.0', 68, '255.255.255.255', 67, 300), 0));
    const top = s.topTalkers(10_000, 'packets');
    expect(top).toHaveLength(3002);
    const byIp = new Map(top.map((t) => [t.ip, [t.packets, t.bytes]]));
    for (let i = 0; i < 3000; i++) {
      const n = (i % 4) + 1;
      let bytes = 0;
      for (let k = 0; k < n; k++) bytes += 50 + k;
      expect(byIp.get(ipOf(i))).toEqual([n, bytes]);
    }
    expect(byIp.get('0.0.0.0')).toEqual([5, 5 * 342]);
    expect(byIp.get('255.255.255.255')).toEqual([5, 5 * 342]);
    expect(s.topTalkers(2, 'packets').map((t) => t.ip)).toEqual(['0.0.0.0', '255.255.255.255']);
  });

  it('prunes 0.0.0.0 like any other host: kept when busy, kept first among ties, dropped when light', () => {
    const send = (s: ProtocolStatistics, ip: string, n: number): void => {
      for (let k = 0; k < n; k++) s.onPacket(at(udp(ip, 1, ip, 2), 0));
    };
    // Four hosts tied at one packet; the fifth prunes to two: the lowest addresses, 0.0.0.0 first.
    const a = new ProtocolStatistics({ maxHosts: 4 });
    for (const ip of ['10.0.0.2', '0.0.0.0', '10.0.0.1', '10.0.0.3']) send(a, ip, 1);
    send(a, '10.0.0.9', 1);
    expect(a.counters()).toMatchObject({ hosts: 3, hostPrunes: 1 });
    expect(a.topTalkers(10, 'packets').map((h) => h.ip)).toEqual(['0.0.0.0', '10.0.0.1', '10.0.0.9']);
    // 0.0.0.0 the lightest: dropped; then seen again, counted from one.
    const b = new ProtocolStatistics({ maxHosts: 4 });
    send(b, '0.0.0.0', 1);
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) send(b, ip, 2);
    send(b, '10.0.0.9', 3);
    expect(b.topTalkers(10, 'packets').map((h) => h.ip)).toEqual(['10.0.0.9', '10.0.0.1', '10.0.0.2']);
    send(b, '0.0.0.0', 1);
    expect(b.topTalkers(10, 'packets').find((h) => h.ip === '0.0.0.0')).toEqual({ ip: '0.0.0.0', packets: 1, bytes: 62 });
    // 0.0.0.0 the busiest: kept with its counts.
    const c = new ProtocolStatistics({ maxHosts: 4 });
    send(c, '0.0.0.0', 7);
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']) send(c, ip, 1);
    expect(c.topTalkers(1, 'packets')).toEqual([{ ip: '0.0.0.0', packets: 7, bytes: 7 * 62 }]);
  });

  it('counts IPv6 hosts past the table\'s first size, and prunes their ties by lowest text', () => {
    const s = new ProtocolStatistics({ maxHosts: 1000 });
    // 300 hosts: the table starts with 64 slots and grows; every count must survive the rehashing.
    for (let i = 0; i < 300; i++) for (let k = 0; k <= i % 3; k++) s.onPacket(at(udp(`2001:db8::${(i + 1).toString(16)}`, 5000, '2001:db8::ffff', 53), 0));
    const top = s.topTalkers(1000, 'packets');
    expect(top).toHaveLength(301);
    expect(top[0]).toMatchObject({ ip: '2001:db8::ffff', packets: 600 });
    const byIp = new Map(top.map((t) => [t.ip, t.packets]));
    for (let i = 0; i < 300; i++) expect(byIp.get(`2001:db8::${(i + 1).toString(16)}`)).toBe((i % 3) + 1);

    const t = new ProtocolStatistics({ maxHosts: 6 });
    for (const ip of ['2001:db8::5', '2001:db8::3', '2001:db8::4', '10.0.0.9', '2001:db8::1', '2001:db8::2']) t.onPacket(at(udp(ip, 1, ip, 2), 0));
    // Six hosts tied at one packet; the seventh prunes to three: the lowest IPv6 texts, whatever their order of arrival.
    t.onPacket(at(udp('10.0.0.1', 1, '10.0.0.1', 2), 0));
    expect(t.counters()).toMatchObject({ hosts: 4, hostPrunes: 1 });
    expect(t.topTalkers(10, 'packets').map((h) => h.ip)).toEqual(['10.0.0.1', '2001:db8::1', '2001:db8::2', '2001:db8::3']);
  });
});
