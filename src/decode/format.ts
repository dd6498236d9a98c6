// Showing a decoded packet: the --dump-packets JSON line, the one-line summary for the dashboard feed
// and menu, and the protocol name used by statistics. Formatting happens here, never on the decode path.
import { escapeText, formatIp, formatIpv4, formatMac } from './addr.js';
import {
  LAYER_ARP, LAYER_ETH, LAYER_FRAGMENT, LAYER_ICMP, LAYER_ICMPV6, LAYER_IPV4, LAYER_IPV6, LAYER_REASSEMBLED, LAYER_TCP, LAYER_UDP,
  TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, type DnsRecord, type Packet,
} from './packet.js';
import { dnsTypeName } from './dns.js';

/** Packet time (ms since epoch, fraction = µs/ns) as ISO 8601 UTC with microseconds. */
export function isoTime(ts: number): string {
  if (!Number.isFinite(ts)) return new Date(0).toISOString();
  const ms = Math.floor(ts);
  let micro = Math.round((ts - ms) * 1000);
  if (micro > 999) micro = 999;
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 23)}${String(micro).padStart(3, '0')}Z`;
}

function record(r: DnsRecord): Record<string, unknown> {
  return { name: r.name, type: r.type, ttl: r.ttl, data: r.data };
}

/**
 * The --dump-packets JSON object: type "packet", n, ts, len, caplen, then one key per decoded layer
 * (eth, vlan, arp, ip, tcp, udp, icmp, dns, http) and events. Absent layers are absent keys. Strings
 * are the decoded wire text; JSON.stringify escapes control characters itself.
 */
export function packetToJson(p: Packet): Record<string, unknown> {
  const o: Record<string, unknown> = { type: 'packet', n: p.n, ts: isoTime(p.ts), len: p.len, caplen: p.caplen };
  if (p.layers & LAYER_ETH) o.eth = { src: formatMac(p.ethSrc), dst: formatMac(p.ethDst), type: p.etherType };
  if (p.vlanIds.length > 0) o.vlan = p.vlanIds.slice();
  if (p.layers & LAYER_ARP) o.arp = { op: p.arpOp, sender: formatIpv4(p.arpSenderIp), target: formatIpv4(p.arpTargetIp) };
  if (p.layers & (LAYER_IPV4 | LAYER_IPV6)) {
    const ip: Record<string, unknown> = { v: p.ipVersion, src: formatIp(p.ipSrc), dst: formatIp(p.ipDst), proto: p.ipProto, ttl: p.ipTtl, len: p.ipLen };
    if (p.layers & LAYER_FRAGMENT) ip.fragment = true;
    if (p.layers & LAYER_REASSEMBLED) ip.reassembled = true;
    o.ip = ip;
  }
  if (p.layers & LAYER_TCP) o.tcp = { sport: p.srcPort, dport: p.dstPort, seq: p.tcpSeq, ack: p.tcpAck, flags: p.tcpFlags, win: p.tcpWin };
  if (p.layers & LAYER_UDP) o.udp = { sport: p.srcPort, dport: p.dstPort, len: p.udpLen };
  if (p.layers & (LAYER_ICMP | LAYER_ICMPV6)) {
    const icmp: Record<string, unknown> = { type: p.icmpType, code: p.icmpCode };
    if (p.layers & LAYER_ICMPV6) icmp.v = 6;
    const q = p.icmpQuoted;
    if (q.present) icmp.quoted = { src: formatIp(q.src), dst: formatIp(q.dst), proto: q.proto, sport: q.srcPort, dport: q.dstPort };
    o.icmp = icmp;
  }
  if (p.dns !== null) {
    const d = p.dns;
    o.dns = {
      id: d.id,
      qr: d.qr,
      rcode: d.rcode,
      qd: d.questions.map((q) => ({ name: q.name, type: q.type })),
      an: d.answers.map(record),
    };
  }
  if (p.http !== null) {
    const h = p.http;
    o.http = { method: h.method, uri: h.uri, host: h.host, status: h.status };
  }
  o.events = p.events.slice();
  return o;
}

const FLAG_NAMES: Array<[number, string]> = [
  [TCP_SYN, 'SYN'], [TCP_FIN, 'FIN'], [TCP_RST, 'RST'], [TCP_PSH, 'PSH'], [TCP_ACK, 'ACK'], [TCP_URG, 'URG'], [TCP_ECE, 'ECE'], [TCP_CWR, 'CWR'],
];

/** "SYN", "SYN,ACK", "FIN,PSH,URG"; "NONE" for a packet with no flags (a NULL scan probe). */
export function tcpFlagsText(flags: number): string {
  let s = '';
  for (const [bit, name] of FLAG_NAMES) if (flags & bit) s += (s ? ',' : '') + name;
  return s || 'NONE';
}

const ICMP_NAMES: Record<number, string> = {
  0: 'echo reply', 3: 'destination unreachable', 4: 'source quench', 5: 'redirect', 8: 'echo request',
  9: 'router advertisement', 10: 'router solicitation', 11: 'time exceeded', 12: 'parameter problem',
  13: 'timestamp request', 14: 'timestamp reply',
};
const ICMPV6_NAMES: Record<number, string> = {
  1: 'destination unreachable', 2: 'packet too big', 3: 'time exceeded', 4: 'parameter problem',
  128: 'echo request', 129: 'echo reply', 133: 'router solicitation', 134: 'router advertisement',
  135: 'neighbor solicitation', 136: 'neighbor advertisement', 137: 'redirect', 143: 'MLDv2 report',
};
const RCODES: Record<number, string> = { 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };

function dnsInfo(p: Packet): string {
  const d = p.dns!;
  const q = d.questions[0];
  const qtype = q ? dnsTypeName(q.type) : '';
  const qname = q ? escapeText(q.name) : '';
  if (!d.qr) return q ? `DNS ${qtype}? ${qname}` : 'DNS query';
  if (d.rcode !== 0) return `DNS response ${RCODES[d.rcode] ?? `rcode ${d.rcode}`}${q ? ` ${qname}` : ''}`;
  const a = d.answers.find((r) => q === undefined || r.type === q.type) ?? d.answers[0];
  const head = `DNS response ${qtype || (a ? dnsTypeName(a.type) : '')} ${qname || (a ? escapeText(a.name) : '')}`.trimEnd();
  return a ? `${head} -> ${escapeText(a.data)}` : head;
}

/** Protocol and one line of info for the live packet feed and the menu; wire text is escaped. */
export function packetSummary(p: Packet): { proto: string; info: string } {
  if (p.dns !== null) return { proto: 'DNS', info: dnsInfo(p) };
  if (p.http !== null) {
    const h = p.http;
    if (h.kind === 'response') return { proto: 'HTTP', info: escapeText(`HTTP ${h.status ?? ''} ${h.reason ?? ''}`.trimEnd()) };
    const host = h.host !== null ? ` (host ${escapeText(h.host)})` : '';
    return { proto: 'HTTP', info: `${escapeText(h.method ?? '')} ${escapeText(h.uri ?? '')}${host}` };
  }
  if (p.layers & LAYER_TCP) return { proto: 'TCP', info: tcpFlagsText(p.tcpFlags) };
  if (p.layers & LAYER_UDP) return { proto: 'UDP', info: `len ${p.udpLen}` };
  if (p.layers & LAYER_ICMP) return { proto: 'ICMP', info: ICMP_NAMES[p.icmpType] ?? `type ${p.icmpType} code ${p.icmpCode}` };
  if (p.layers & LAYER_ICMPV6) return { proto: 'ICMPv6', info: ICMPV6_NAMES[p.icmpType] ?? `type ${p.icmpType} code ${p.icmpCode}` };
  if (p.layers & LAYER_ARP) {
    if (p.arpOp === 1) return { proto: 'ARP', info: `who-has ${formatIpv4(p.arpTargetIp)}` };
    if (p.arpOp === 2) return { proto: 'ARP', info: `reply ${formatIpv4(p.arpSenderIp)}` };
    return { proto: 'ARP', info: `op ${p.arpOp}` };
  }
  if (p.layers & (LAYER_IPV4 | LAYER_IPV6)) {
    const proto = p.ipVersion === 4 ? 'IPv4' : 'IPv6';
    const info = p.layers & LAYER_FRAGMENT ? `fragment (proto ${p.ipProto})` : `proto ${p.ipProto}`;
    return { proto, info: p.events.length > 0 ? `${info} ${p.events[0]}` : info };
  }
  return { proto: 'Other', info: p.events.length > 0 ? p.events[0] : `ethertype 0x${p.etherType.toString(16).padStart(4, '0')}` };
}

/** Transport protocol name for statistics: TCP, UDP, ICMP, ICMPv6, ARP or Other (fragments count by IP protocol). */
export function protoName(p: Packet): string {
  if (p.layers & LAYER_ARP) return 'ARP';
  if (p.ipVersion === 0) return 'Other';
  switch (p.ipProto) {
    case 6:
      return 'TCP';
    case 17:
      return 'UDP';
    case 1:
      return 'ICMP';
    case 58:
      return 'ICMPv6';
    default:
      return 'Other';
  }
}
