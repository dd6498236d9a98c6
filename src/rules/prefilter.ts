// What a packet must have for a rule condition to hold (a layer, TCP flags, a destination port), read
// off the syntax tree once, so that most packets are turned away by a few integer tests before any
// rule's predicate runs.
//
// Why this is exact: a comparison on a field the packet lacks is false for every operator (see
// compile.ts), so `tcp.dst_port in [139, 445] and tcp.flags.syn` can only hold for a TCP packet with
// SYN set and a destination port of 139 or 445. The gate keeps only such necessary conditions: both
// sides of `and` must hold (their requirements add up), one side of `or` (only what both require),
// and nothing is required under `not`. A packet that fails the gate would have failed the predicate,
// so skipping it changes no match, no counter and no alert; one that passes runs the predicate as before.
import type { Packet } from '../decode/packet.js';
import * as packetConsts from '../decode/packet.js';
import type { Expr, Value } from './ast.js';

// Module-local copies of the constants packetGates and packetKey read on every packet (inlined into
// Engine.handle): an imported or exported binding is read through its module cell, with a hole check, at
// every use in optimized code; a module-local const is a constant there.
const { LAYER_ICMP, LAYER_ICMPV6, LAYER_TCP, LAYER_UDP } = packetConsts;
const TCP = 1;
const UDP = 2;
const ICMP = 4;
const IP = 8;
const DNS = 16;
const HTTP = 32;

/** Gate bits: what the packet has (packetGates) and what a rule requires (RuleGate.need). */
export const G_TCP = TCP;
export const G_UDP = UDP;
export const G_ICMP = ICMP;
export const G_IP = IP;
export const G_DNS = DNS;
export const G_HTTP = HTTP;

export interface RuleGate {
  /** G_* bits every matching packet has. */
  need: number;
  /** TCP flag bits every matching packet has set (only TCP packets match when non-zero). */
  flags: number;
  /** 1 at each destination port a matching packet can have; null when any port can match. */
  ports: Uint8Array | null;
}

/** The gate bits a field being present (not null) implies: a condition on it can only hold then. */
function fieldGate(name: string): number {
  if (name === 'tcp' || name.startsWith('tcp.')) return G_TCP;
  if (name === 'udp' || name.startsWith('udp.')) return G_UDP;
  if (name === 'icmp' || name === 'icmpv6' || name === 'icmp.type' || name === 'icmp.code') return G_ICMP;
  if (name === 'dns' || name.startsWith('dns.')) return G_DNS;
  if (name === 'http' || name.startsWith('http.')) return G_HTTP;
  if (name === 'ip.fragment') return 0;
  if (name === 'ip' || name === 'ipv4' || name === 'ipv6' || name.startsWith('ip.')) return G_IP;
  if (name === 'payload.size' || name === 'src_ip' || name === 'dst_ip') return G_IP;
  return 0;
}

/** TCP flag bit of a `tcp.flags.X` field used alone (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128). */
const FLAG_BITS: Record<string, number> = {
  'tcp.flags.fin': 1,
  'tcp.flags.syn': 2,
  'tcp.flags.rst': 4,
  'tcp.flags.psh': 8,
  'tcp.flags.ack': 16,
  'tcp.flags.urg': 32,
  'tcp.flags.ece': 64,
  'tcp.flags.cwr': 128,
};

const DST_PORT_FIELDS = new Set(['dst_port', 'tcp.dst_port', 'udp.dst_port']);

/** The ports a list of numbers and ranges names, or null when a value is not a port number. */
function portMap(values: Value[]): Uint8Array | null {
  const m = new Uint8Array(65536);
  for (const v of values) {
    if (v.kind === 'number') {
      if (Number.isInteger(v.n) && v.n >= 0 && v.n <= 65535) m[v.n] = 1;
    } else if (v.kind === 'range') {
      const lo = Math.max(0, Math.ceil(v.lo));
      const hi = Math.min(65535, Math.floor(v.hi));
      for (let x = lo; x <= hi; x++) m[x] = 1;
    } else {
      return null;
    }
  }
  return m;
}

const NONE: RuleGate = { need: 0, flags: 0, ports: null };

/** The gate of a condition that compiled (its fields and values were checked by compile.ts). */
export function gateOf(e: Expr): RuleGate {
  switch (e.k) {
    case 'and': {
      const l = gateOf(e.l);
      const r = gateOf(e.r);
      let ports = l.ports ?? r.ports;
      if (l.ports !== null && r.ports !== null) {
        ports = new Uint8Array(65536);
        for (let i = 0; i < 65536; i++) ports[i] = l.ports[i] & r.ports[i];
      }
      return { need: l.need | r.need, flags: l.flags | r.flags, ports };
    }
    case 'or': {
      const l = gateOf(e.l);
      const r = gateOf(e.r);
      let ports: Uint8Array | null = null;
      if (l.ports !== null && r.ports !== null) {
        ports = new Uint8Array(65536);
        for (let i = 0; i < 65536; i++) ports[i] = l.ports[i] | r.ports[i];
      }
      return { need: l.need & r.need, flags: l.flags & r.flags, ports };
    }
    case 'not':
      return NONE;
    case 'flag': {
      const bit = FLAG_BITS[e.field.text] ?? 0;
      return { need: fieldGate(e.field.text), flags: bit, ports: null };
    }
    case 'cmp': {
      const name = e.field.text;
      const ports = e.op === '==' && DST_PORT_FIELDS.has(name) ? portMap([e.value]) : null;
      return { need: fieldGate(name), flags: 0, ports };
    }
    case 'in': {
      const name = e.field.text;
      return { need: fieldGate(name), flags: 0, ports: DST_PORT_FIELDS.has(name) ? portMap(e.values) : null };
    }
    case 'contains':
    case 'matches':
      return { need: fieldGate(e.field.text), flags: 0, ports: null };
  }
}

/** The gate bits this packet has; computed once per packet for all rules. */
export function packetGates(p: Packet): number {
  const l = p.layers;
  let g = 0;
  if (l & LAYER_TCP) g |= TCP;
  if (l & LAYER_UDP) g |= UDP;
  if (l & (LAYER_ICMP | LAYER_ICMPV6)) g |= ICMP;
  if (p.ipVersion !== 0) g |= IP;
  if (p.dns !== null) g |= DNS;
  if (p.http !== null) g |= HTTP;
  return g;
}

/**
 * The packet's gate bits and, for TCP, its flags (bits 6-13): what decides which rules it can match,
 * destination port aside. Non-TCP packets have no flags here (a rule needing flags needs TCP).
 */
export function packetKey(p: Packet): number {
  const g = packetGates(p);
  return (g & TCP) !== 0 ? g | ((p.tcpFlags & 0xff) << 6) : g;
}

/** Whether a packet with this key can match the rule, destination port aside. */
export function fitsKey(gate: RuleGate, key: number): boolean {
  return (key & gate.need) === gate.need && ((key >>> 6) & gate.flags) === gate.flags;
}

/** Whether the packet's destination port is one the rule can match. */
export function fitsPort(gate: RuleGate, p: Packet): boolean {
  return gate.ports === null || gate.ports[p.dstPort] === 1;
}

/** False only when the rule's condition cannot hold for this packet. */
export function passesGate(gate: RuleGate, p: Packet): boolean {
  return fitsKey(gate, packetKey(p)) && fitsPort(gate, p);
}
