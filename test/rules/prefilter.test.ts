// The rule prefilter: a packet the gate turns away is one the condition would not have matched (checked
// over the shipped rules and tricky conditions against a spread of packets), and the gate does turn
// away the packets it should (other protocols, other ports, missing flags), so the engine's matches and
// alerts are those of the predicates alone.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Detection } from '../../src/alert/types.js';
import { RuleEngineCore, compileCondition, parseCondition } from '../../src/rules/index.js';
import { G_DNS, G_HTTP, G_TCP, G_UDP, gateOf, passesGate } from '../../src/rules/prefilter.js';
import type { Packet } from '../../src/decode/packet.js';
import { ROOT } from '../helpers/netguard.js';
import { pkt, type Spec } from './packets.js';
import { at } from '../helpers/packet-time.js';

const shipped = (parse(readFileSync(path.join(ROOT, 'rules.yaml'), 'utf8')) as { rules: Array<{ condition: string }> }).rules.map((r) => r.condition);

const TRICKY = [
  'tcp.dst_port == 22 or udp.dst_port == 53',
  'dst_port in [80, 8000-8080] and not tcp.flags.ack',
  'not tcp.dst_port == 22',
  'not (tcp.flags.syn and tcp.dst_port == 80)',
  'tcp.flags.syn or tcp.flags.fin',
  'tcp.flags.syn and tcp.flags.ack',
  '(tcp.flags.syn and tcp.dst_port == 22) or (tcp.flags.syn and tcp.dst_port == 23)',
  'tcp.dst_port == 22 and tcp.dst_port in [22, 23]',
  'tcp.dst_port == 22 and tcp.dst_port == 23',
  'tcp.dst_port == 70000',
  'dst_port != 80',
  'tcp.dst_port >= 1024 and payload.size > 0',
  'packet.size > 100',
  'icmp or dns',
  'http.status == 404 or dns.qtype == 16',
  'http.host == "example.com"',
  'http.method != ""',
  'not http.host == "x"',
  'dns.qname contains "evil"',
  'src_ip in [10.0.0.0/8] and udp',
  'ipv6 or ip.ttl < 5',
  'tcp.flags == 2',
];

/** A spread of packets: protocols, ports, flags, DNS and HTTP present or not, IPv4 and IPv6. */
function packets(): Packet[] {
  const out: Packet[] = [];
  const ports = [0, 1, 22, 23, 53, 80, 139, 443, 445, 1024, 2375, 3389, 5905, 8000, 8080, 27017, 65535];
  const flags = [0, 0x01, 0x02, 0x04, 0x10, 0x12, 0x18, 0x11, 0x29];
  for (const dport of ports) {
    for (const f of flags) {
      for (const src of ['10.1.2.3', '203.0.113.9', '2001:db8::1']) {
        out.push(pkt({ proto: 'tcp', src, dst: src.includes(':') ? '2001:db8::2' : '10.0.0.2', dport, flags: f, payload: f & 0x08 || dport === 443 ? 100 : 0, ttl: f === 0 ? 1 : 64 }));
      }
    }
    out.push(pkt({ proto: 'udp', dport }));
    out.push(pkt({ proto: 'udp', dport, qname: 'files.evil.zip', qtype: 16 }));
    out.push(pkt({ proto: 'tcp', dport, flags: 0x18, payload: 200, http: { method: 'GET', uri: '/wp-admin/x', host: 'example.com', userAgent: 'sqlmap/1.0' } }));
    out.push(pkt({ proto: 'tcp', sport: dport, dport: 40000, flags: 0x18, payload: 200, http: { kind: 'response', method: null, uri: null, status: 404 } }));
  }
  out.push(pkt({ proto: 'icmp', len: 1200 }));
  out.push(pkt({ proto: 'icmp', len: 60, src: '2001:db8::1', dst: '2001:db8::2' }));
  return out;
}

describe('rule prefilter', () => {
  const all = packets();

  it.each([...shipped, ...TRICKY])('never turns away a packet the condition matches: %s', (cond) => {
    const pred = compileCondition(cond);
    const gate = gateOf(parseCondition(cond));
    let matched = 0;
    for (const p of all) {
      if (!pred(p)) continue;
      matched++;
      expect(passesGate(gate, p)).toBe(true);
    }
    // Conditions that can never hold are in the list on purpose; the others must match something here.
    if (!/70000|== 22 and tcp.dst_port == 23/.test(cond)) expect(matched).toBeGreaterThan(0);
  });

  it('reads protocol, flag and port requirements off the condition', () => {
    const ssh = gateOf(parseCondition('tcp.dst_port == 22 and tcp.flags.syn and not tcp.flags.ack'));
    expect(ssh.need).toBe(G_TCP);
    expect(ssh.flags).toBe(0x02);
    expect(ssh.ports?.[22]).toBe(1);
    expect(ssh.ports?.reduce((a, b) => a + b, 0)).toBe(1);
    // Turned away: another port, no SYN, not TCP.
    for (const s of [{ dport: 80 }, { dport: 22, flags: 0x10 }, { proto: 'udp', dport: 22 }] as Spec[]) {
      const p = pkt(s);
      expect(passesGate(ssh, p)).toBe(false);
    }
    const p = pkt({ dport: 22, flags: 0x12 });
    expect(passesGate(ssh, p)).toBe(true); // SYN/ACK passes the gate; the predicate decides

    const either = gateOf(parseCondition('tcp.dst_port == 22 or udp.dst_port == 53'));
    expect(either.need).toBe(0);
    expect(either.ports?.[22]).toBe(1);
    expect(either.ports?.[53]).toBe(1);
    expect(either.ports?.[80]).toBe(0);

    const ranges = gateOf(parseCondition('tcp.dst_port in [2375, 5900-5910]'));
    expect([2375, 5900, 5905, 5910].map((x) => ranges.ports?.[x])).toEqual([1, 1, 1, 1]);
    expect([2374, 5899, 5911].map((x) => ranges.ports?.[x])).toEqual([0, 0, 0]);

    expect(gateOf(parseCondition('http.user_agent matches "nikto"')).need).toBe(G_HTTP);
    expect(gateOf(parseCondition('udp.dst_port == 53 and dns.qtype == 16')).need).toBe(G_UDP | G_DNS);
    // Nothing is required under `not`.
    expect(gateOf(parseCondition('not tcp.dst_port == 22'))).toEqual({ need: 0, flags: 0, ports: null });
  });

  it('the engine with the shipped rules matches and raises exactly what the predicates alone say', () => {
    const text = readFileSync(path.join(ROOT, 'rules.yaml'), 'utf8');
    const got: Detection[] = [];
    const e = new RuleEngineCore((d) => got.push(d));
    expect(e.load(text, 'rules.yaml').errors).toEqual([]);
    const rules = (parse(text) as { rules: Array<{ name: string; condition: string; enabled?: boolean }> }).rules;
    const preds = rules.map((r) => compileCondition(r.condition));
    const want = new Map<string, number>();
    const t0 = 1_700_000_000_000;
    all.forEach((p, i) => {
      rules.forEach((r, j) => {
        if (r.enabled !== false && preds[j](p)) want.set(r.name, (want.get(r.name) ?? 0) + 1);
      });
      e.onPacket(at(p, t0 + i));
    });
    const counted = new Map(e.list().filter((r) => r.matches > 0).map((r) => [r.name, r.matches]));
    expect(counted).toEqual(want);
    expect(counted.size).toBeGreaterThan(5);
    expect(got.length).toBeGreaterThan(0);
  });

  it('the rules a packet is matched against follow toggles (no stale list of enabled rules)', () => {
    const e = new RuleEngineCore(() => undefined);
    expect(e.load('rules:\n  - name: ssh\n    condition: "tcp.dst_port == 22 and tcp.flags.syn"\n', 'rules.yaml').errors).toEqual([]);
    const syn = pkt({ dport: 22, flags: 0x02 });
    const t0 = 1_700_000_000_000;
    e.onPacket(at(syn, t0));
    expect(e.list()[0].matches).toBe(1);
    expect(e.toggle('ssh')).toBe(false);
    e.onPacket(at(syn, t0 + 1));
    expect(e.list()[0].matches).toBe(1);
    expect(e.toggle('ssh')).toBe(true);
    e.onPacket(at(syn, t0 + 2));
    e.onPacket(at(pkt({ dport: 22, flags: 0x10 }), t0 + 3));
    expect(e.list()[0].matches).toBe(2);
  });
});
