// The fields a rule condition can name, their types and how each is read from a decoded Packet.
import type { IpAddr, Packet } from '../decode/packet.js';
import * as packetConsts from '../decode/packet.js';

// Module-local copies of the constants the readers test (rule predicates run them on every packet): an
// imported binding is read through its module cell, with a hole check, at every use in optimized code; a
// module-local const is a constant there.
const { LAYER_ARP, LAYER_DNS, LAYER_FRAGMENT, LAYER_HTTP, LAYER_ICMP, LAYER_ICMPV6, LAYER_TCP, LAYER_UDP } = packetConsts;
const { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } = packetConsts;

export type FieldDef =
  | { type: 'bool'; get: (p: Packet) => boolean; doc: string }
  | { type: 'num'; get: (p: Packet) => number | null; doc: string }
  | { type: 'ip'; get: (p: Packet) => IpAddr | null; doc: string }
  /** `lower`: the field is case-insensitive (DNS names, hosts); values and patterns compare in lower case. */
  | { type: 'str'; get: (p: Packet) => string | null; lower: boolean; doc: string };

const hasTcp = (p: Packet): boolean => (p.layers & LAYER_TCP) !== 0;
const hasUdp = (p: Packet): boolean => (p.layers & LAYER_UDP) !== 0;
const hasPorts = (p: Packet): boolean => (p.layers & (LAYER_TCP | LAYER_UDP)) !== 0;
const flag = (bit: number, name: string): FieldDef => ({ type: 'bool', get: (p) => hasTcp(p) && (p.tcpFlags & bit) !== 0, doc: `TCP ${name} flag set` });

export const FIELDS: Record<string, FieldDef> = {
  tcp: { type: 'bool', get: hasTcp, doc: 'TCP segment' },
  udp: { type: 'bool', get: hasUdp, doc: 'UDP datagram' },
  icmp: { type: 'bool', get: (p) => (p.layers & (LAYER_ICMP | LAYER_ICMPV6)) !== 0, doc: 'ICMP or ICMPv6 message' },
  icmpv6: { type: 'bool', get: (p) => (p.layers & LAYER_ICMPV6) !== 0, doc: 'ICMPv6 message' },
  ip: { type: 'bool', get: (p) => p.ipVersion !== 0, doc: 'IPv4 or IPv6 packet' },
  ipv4: { type: 'bool', get: (p) => p.ipVersion === 4, doc: 'IPv4 packet' },
  ipv6: { type: 'bool', get: (p) => p.ipVersion === 6, doc: 'IPv6 packet' },
  arp: { type: 'bool', get: (p) => (p.layers & LAYER_ARP) !== 0, doc: 'ARP packet' },
  dns: { type: 'bool', get: (p) => (p.layers & LAYER_DNS) !== 0 && p.dns !== null, doc: 'decoded DNS message' },
  http: { type: 'bool', get: (p) => (p.layers & LAYER_HTTP) !== 0 && p.http !== null, doc: 'decoded HTTP request or response' },
  'ip.fragment': { type: 'bool', get: (p) => (p.layers & LAYER_FRAGMENT) !== 0, doc: 'IP fragment (not yet reassembled)' },
  'tcp.flags.syn': flag(TCP_SYN, 'SYN'),
  'tcp.flags.fin': flag(TCP_FIN, 'FIN'),
  'tcp.flags.rst': flag(TCP_RST, 'RST'),
  'tcp.flags.ack': flag(TCP_ACK, 'ACK'),
  'tcp.flags.psh': flag(TCP_PSH, 'PSH'),
  'tcp.flags.urg': flag(TCP_URG, 'URG'),
  'tcp.flags.ece': flag(TCP_ECE, 'ECE'),
  'tcp.flags.cwr': flag(TCP_CWR, 'CWR'),
  'tcp.flags': { type: 'num', get: (p) => (hasTcp(p) ? p.tcpFlags : null), doc: 'TCP flag byte (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32)' },
  src_port: { type: 'num', get: (p) => (hasPorts(p) ? p.srcPort : null), doc: 'TCP or UDP source port' },
  dst_port: { type: 'num', get: (p) => (hasPorts(p) ? p.dstPort : null), doc: 'TCP or UDP destination port' },
  'tcp.src_port': { type: 'num', get: (p) => (hasTcp(p) ? p.srcPort : null), doc: 'TCP source port (only TCP matches)' },
  'tcp.dst_port': { type: 'num', get: (p) => (hasTcp(p) ? p.dstPort : null), doc: 'TCP destination port (only TCP matches)' },
  'udp.src_port': { type: 'num', get: (p) => (hasUdp(p) ? p.srcPort : null), doc: 'UDP source port (only UDP matches)' },
  'udp.dst_port': { type: 'num', get: (p) => (hasUdp(p) ? p.dstPort : null), doc: 'UDP destination port (only UDP matches)' },
  'tcp.window': { type: 'num', get: (p) => (hasTcp(p) ? p.tcpWin : null), doc: 'TCP window' },
  'packet.size': { type: 'num', get: (p) => p.len, doc: 'frame length on the wire, bytes' },
  'payload.size': { type: 'num', get: (p) => (p.ipVersion !== 0 ? p.payloadLen : null), doc: 'application payload bytes after the transport header' },
  'ip.ttl': { type: 'num', get: (p) => (p.ipVersion !== 0 ? p.ipTtl : null), doc: 'IPv4 TTL or IPv6 hop limit' },
  'ip.len': { type: 'num', get: (p) => (p.ipVersion !== 0 ? p.ipLen : null), doc: 'IP total length' },
  'ip.proto': { type: 'num', get: (p) => (p.ipVersion !== 0 ? p.ipProto : null), doc: 'IP protocol number (6 TCP, 17 UDP, 1 ICMP)' },
  'ip.version': { type: 'num', get: (p) => (p.ipVersion !== 0 ? p.ipVersion : null), doc: '4 or 6' },
  'icmp.type': { type: 'num', get: (p) => ((p.layers & (LAYER_ICMP | LAYER_ICMPV6)) !== 0 ? p.icmpType : null), doc: 'ICMP type' },
  'icmp.code': { type: 'num', get: (p) => ((p.layers & (LAYER_ICMP | LAYER_ICMPV6)) !== 0 ? p.icmpCode : null), doc: 'ICMP code' },
  // The DNS fields read `questions` once: on a DNS view it is a getter that walks the message the first
  // time, and V8 compiled a copy of it, with the walk, per read into the rule predicates. Written out in
  // each (not a shared helper, which, called by both, became hot and was compiled on its own as well).
  'dns.qtype': {
    type: 'num',
    get: (p) => {
      const d = p.dns;
      if (!d) return null;
      const qs = d.questions;
      return qs.length !== 0 ? qs[0].type : null;
    },
    doc: 'type of the first question (1 A, 28 AAAA, 16 TXT, 255 ANY)',
  },
  'http.status': { type: 'num', get: (p) => p.http?.status ?? null, doc: 'HTTP response status' },
  src_ip: { type: 'ip', get: (p) => (p.ipVersion !== 0 ? p.ipSrc : null), doc: 'source address' },
  dst_ip: { type: 'ip', get: (p) => (p.ipVersion !== 0 ? p.ipDst : null), doc: 'destination address' },
  'ip.src': { type: 'ip', get: (p) => (p.ipVersion !== 0 ? p.ipSrc : null), doc: 'source address (alias of src_ip)' },
  'ip.dst': { type: 'ip', get: (p) => (p.ipVersion !== 0 ? p.ipDst : null), doc: 'destination address (alias of dst_ip)' },
  'dns.qname': {
    type: 'str',
    lower: true,
    get: (p) => {
      const d = p.dns;
      if (!d) return null;
      const qs = d.questions;
      return qs.length !== 0 ? qs[0].name : null;
    },
    doc: 'name asked in the first question',
  },
  'http.uri': { type: 'str', lower: false, get: (p) => p.http?.uri ?? null, doc: 'request URI' },
  'http.host': { type: 'str', lower: true, get: (p) => p.http?.host ?? null, doc: 'Host header' },
  'http.method': { type: 'str', lower: false, get: (p) => p.http?.method ?? null, doc: 'request method' },
  'http.user_agent': { type: 'str', lower: false, get: (p) => p.http?.userAgent ?? null, doc: 'User-Agent header' },
};
