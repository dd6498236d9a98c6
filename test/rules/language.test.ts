// The rule condition language: every construct, evaluated against decoded packets.
import { describe, expect, it } from 'vitest';
import { compileCondition, RuleSyntaxError } from '../../src/rules/index.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from '../../src/decode/packet.js';
import { pkt, type Spec } from './packets.js';

const m = (cond: string, s: Spec): boolean => compileCondition(cond)(pkt(s));

describe('protocol gates', () => {
  it('tcp, udp, icmp, ipv4, ipv6 match only their packets', () => {
    expect(m('tcp', { proto: 'tcp' })).toBe(true);
    expect(m('tcp', { proto: 'udp' })).toBe(false);
    expect(m('udp', { proto: 'udp' })).toBe(true);
    expect(m('icmp', { proto: 'icmp' })).toBe(true);
    expect(m('icmp', { proto: 'tcp' })).toBe(false);
    expect(m('ipv6', { src: '2001:db8::1', dst: '2001:db8::2' })).toBe(true);
    expect(m('ipv6', {})).toBe(false);
    expect(m('ipv4', {})).toBe(true);
  });
});

describe('TCP flags', () => {
  const flags: Array<[string, number]> = [['syn', TCP_SYN], ['fin', TCP_FIN], ['rst', TCP_RST], ['ack', TCP_ACK], ['psh', TCP_PSH], ['urg', TCP_URG]];
  for (const [name, bit] of flags) {
    it(`tcp.flags.${name}`, () => {
      expect(m(`tcp.flags.${name}`, { flags: bit })).toBe(true);
      expect(m(`tcp.flags.${name}`, { flags: 0xff & ~bit })).toBe(false);
      expect(m(`not tcp.flags.${name}`, { flags: 0xff & ~bit })).toBe(true);
    });
  }
  it('a flag is false on UDP, so "not flag" is true there', () => {
    expect(m('tcp.flags.syn', { proto: 'udp' })).toBe(false);
    expect(m('not tcp.flags.ack', { proto: 'udp' })).toBe(true);
  });
  it("the seed's SSH condition", () => {
    const c = 'tcp.dst_port == 22 and tcp.flags.syn and not tcp.flags.ack';
    expect(m(c, { dport: 22, flags: TCP_SYN })).toBe(true);
    expect(m(c, { dport: 22, flags: TCP_SYN | TCP_ACK })).toBe(false);
    expect(m(c, { dport: 23, flags: TCP_SYN })).toBe(false);
    expect(m(c, { proto: 'udp', dport: 22 })).toBe(false);
  });
});

describe('numbers', () => {
  it('== != < <= > >= on ports, sizes and TTL', () => {
    expect(m('dst_port == 80', { dport: 80 })).toBe(true);
    expect(m('dst_port != 80', { dport: 81 })).toBe(true);
    expect(m('dst_port != 80', { dport: 80 })).toBe(false);
    expect(m('src_port < 1024', { sport: 1023 })).toBe(true);
    expect(m('src_port < 1024', { sport: 1024 })).toBe(false);
    expect(m('src_port <= 1024', { sport: 1024 })).toBe(true);
    expect(m('packet.size > 1000', { len: 1001 })).toBe(true);
    expect(m('packet.size > 1000', { len: 1000 })).toBe(false);
    expect(m('packet.size >= 1000', { len: 1000 })).toBe(true);
    expect(m('ip.ttl == 1', { ttl: 1 })).toBe(true);
    expect(m('ip.ttl > 1', { ttl: 1 })).toBe(false);
    expect(m('payload.size > 0', { payload: 5 })).toBe(true);
  });
  it('in [list] and ranges', () => {
    expect(m('dst_port in [22, 23, 3389]', { dport: 3389 })).toBe(true);
    expect(m('dst_port in [22, 23, 3389]', { dport: 80 })).toBe(false);
    expect(m('dst_port in [5900-5910]', { dport: 5905 })).toBe(true);
    expect(m('dst_port in [5900-5910]', { dport: 5911 })).toBe(false);
  });
  it('hex numbers', () => {
    expect(m('tcp.flags == 0x12', { flags: 0x12 })).toBe(true);
  });
  it('a missing field is false for every operator, != included', () => {
    expect(m('dst_port != 80', { proto: 'icmp' })).toBe(false);
    expect(m('dst_port < 80', { proto: 'icmp' })).toBe(false);
    expect(m('not dst_port == 80', { proto: 'icmp' })).toBe(true);
  });
  it('tcp.dst_port only matches TCP, dst_port matches TCP and UDP', () => {
    expect(m('tcp.dst_port == 53', { proto: 'udp', dport: 53 })).toBe(false);
    expect(m('udp.dst_port == 53', { proto: 'udp', dport: 53 })).toBe(true);
    expect(m('dst_port == 53', { proto: 'udp', dport: 53 })).toBe(true);
  });
});

describe('boolean structure', () => {
  it('and binds tighter than or; parentheses override', () => {
    // udp or (tcp and dst_port == 22)
    expect(m('udp or tcp and dst_port == 22', { proto: 'udp', dport: 1 })).toBe(true);
    expect(m('(udp or tcp) and dst_port == 22', { proto: 'udp', dport: 1 })).toBe(false);
    expect(m('(udp or tcp) and dst_port == 22', { proto: 'tcp', dport: 22 })).toBe(true);
  });
  it('not, nested not, && || ! aliases', () => {
    expect(m('not not tcp', {})).toBe(true);
    expect(m('not (tcp and dst_port == 80)', { dport: 80 })).toBe(false);
    expect(m('tcp && dst_port == 80', { dport: 80 })).toBe(true);
    expect(m('udp || !tcp', {})).toBe(false);
  });
  it('and/or give the same answer whichever side is tested first (the cheaper side runs first)', () => {
    // Every combination of an expensive side (addresses, text) and a cheap one (ports), in both orders.
    const specs = [
      { src: '10.1.2.3', dport: 2375 },
      { src: '203.0.113.7', dport: 2375 },
      { src: '203.0.113.7', dport: 80 },
      { src: 'fd00::1', dport: 5901 },
      { src: '2001:db8::1', dport: 5901 },
      { proto: 'udp' as const, src: '203.0.113.7', dport: 2375 },
      { proto: 'udp' as const, dport: 53, qname: 'evil.xyz', qtype: 16 },
      { proto: 'udp' as const, dport: 53, qname: 'ok.example', qtype: 1 },
    ];
    const pairs: Array<[string, string]> = [
      ['not (src_ip in [10.0.0.0/8, fc00::/7])', 'tcp.dst_port in [2375, 5900-5910]'],
      ['dns.qname matches "\\.xyz$"', 'udp.dst_port == 53'],
      ['dns.qtype == 16', 'udp'],
    ];
    for (const [costly, cheap] of pairs) {
      for (const s of specs) {
        const a = m(`${costly} and ${cheap}`, s);
        expect(m(`${cheap} and ${costly}`, s)).toBe(a);
        expect(a).toBe(m(costly, s) && m(cheap, s));
        const o = m(`${costly} or ${cheap}`, s);
        expect(m(`${cheap} or ${costly}`, s)).toBe(o);
        expect(o).toBe(m(costly, s) || m(cheap, s));
      }
    }
    expect(m('not (src_ip in [10.0.0.0/8, fc00::/7]) and tcp.dst_port in [2375, 5900-5910]', { src: '203.0.113.7', dport: 2375 })).toBe(true);
    expect(m('not (src_ip in [10.0.0.0/8, fc00::/7]) and tcp.dst_port in [2375, 5900-5910]', { src: 'fd00::1', dport: 5901 })).toBe(false);
  });
});

describe('addresses', () => {
  it('src_ip / dst_ip with CIDR, single address and lists (IPv4 and IPv6)', () => {
    expect(m('src_ip in 10.0.0.0/8', { src: '10.9.8.7' })).toBe(true);
    expect(m('src_ip in 10.0.0.0/8', { src: '11.0.0.1' })).toBe(false);
    expect(m('dst_ip == 192.168.1.5', { dst: '192.168.1.5' })).toBe(true);
    expect(m('dst_ip != 192.168.1.5', { dst: '192.168.1.6' })).toBe(true);
    expect(m('src_ip in [192.168.0.0/16, 2001:db8::/32]', { src: '2001:db8:1::5', dst: '2001:db8::1' })).toBe(true);
    expect(m('src_ip in 2001:db8::/32', { src: '2001:db9::1', dst: '2001:db8::1' })).toBe(false);
    expect(m('src_ip in 2001:db8::/32', { src: '10.0.0.1' })).toBe(false);
    expect(m('src_ip == ::1', { src: '::1', dst: '::1' })).toBe(true);
  });
});

describe('text fields', () => {
  it('dns.qname: ==, contains, matches, case-insensitive', () => {
    expect(m('dns.qname == "example.com"', { proto: 'udp', qname: 'Example.COM' })).toBe(true);
    expect(m('dns.qname contains "evil"', { proto: 'udp', qname: 'www.EVIL.org' })).toBe(true);
    expect(m('dns.qname matches "\\.(xyz|top)$"', { proto: 'udp', qname: 'a.b.xyz' })).toBe(true);
    expect(m('dns.qname matches "\\.(xyz|top)$"', { proto: 'udp', qname: 'a.b.xyzz' })).toBe(false);
    expect(m('dns.qname contains "x"', { proto: 'udp' })).toBe(false);
  });
  it('http.uri / http.host / http.method / http.user_agent', () => {
    const http = { method: 'POST', uri: '/wp-admin/index.php?x=1', host: 'Shop.Example', userAgent: 'sqlmap/1.7' };
    expect(m('http.uri contains "/wp-admin"', { http })).toBe(true);
    expect(m('http.uri contains "/WP-ADMIN"', { http })).toBe(false);
    expect(m('http.method == "POST"', { http })).toBe(true);
    expect(m('http.method in ["GET", "HEAD"]', { http })).toBe(false);
    expect(m('http.host == "shop.example"', { http })).toBe(true);
    expect(m('http.uri matches "^/wp-admin/"', { http })).toBe(true);
    expect(m('http.user_agent matches "(?i)SQLMAP"', { http })).toBe(true);
    expect(m("http.uri contains '?x='", { http })).toBe(true);
  });
  it('dns.qtype', () => {
    expect(m('dns.qtype == 16', { proto: 'udp', qname: 'a.b', qtype: 16 })).toBe(true);
  });
});

describe('never evaluated as code', () => {
  it('JavaScript in a condition is a syntax error, not executed', () => {
    const g = globalThis as Record<string, unknown>;
    delete g.__pwned;
    for (const c of ['globalThis.__pwned = 1', 'tcp and (globalThis.__pwned=1)', 'process.exit(1)', 'dst_port == 22; globalThis.__pwned = 1']) {
      expect(() => compileCondition(c)).toThrow(RuleSyntaxError);
    }
    expect(g.__pwned).toBeUndefined();
  });
});
