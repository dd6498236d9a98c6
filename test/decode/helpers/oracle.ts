// The tshark oracle: runs tshark once per capture for a fixed field list and renders NetGuard's decode of
// the same packets in tshark's -T fields conventions, so the two can be compared field by field.
import { execFile } from 'node:child_process';
import { formatIp, formatMac, formatIpv4 } from '../../../src/decode/addr.js';
import {
  LAYER_ARP, LAYER_ETH, LAYER_HTTP, LAYER_ICMP, LAYER_ICMPV6, LAYER_IPV4, LAYER_IPV6, LAYER_TCP, LAYER_UDP, type Packet,
} from '../../../src/decode/packet.js';

/** Fields compared (after frame.number). tshark joins repeated occurrences with ','. */
export const FIELDS = [
  'eth.src', 'eth.dst', 'vlan.id', 'arp.opcode',
  'ip.src', 'ip.dst', 'ip.proto', 'ipv6.src', 'ipv6.dst',
  'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'udp.srcport', 'udp.dstport', 'icmp.type', 'icmpv6.type',
  'dns.id', 'dns.qry.name', 'dns.a', 'dns.aaaa',
  'http.request.method', 'http.request.uri', 'http.host', 'http.response.code',
] as const;
export type Field = (typeof FIELDS)[number];

/**
 * Preferences so tshark reports each packet on its own, as NetGuard decodes it: no TCP stream
 * reassembly (NetGuard decodes DNS/HTTP per segment), IP defragmentation on (NetGuard reassembles too).
 */
export const TSHARK_PREFS = [
  '-o', 'tcp.desegment_tcp_streams:FALSE',
  '-o', 'dns.desegment_dns_messages:FALSE',
  '-o', 'http.desegment_headers:FALSE',
  '-o', 'http.desegment_body:FALSE',
  '-o', 'tcp.analyze_sequence_numbers:FALSE',
  '-o', 'ip.defragment:TRUE',
  '-o', 'ipv6.defragment:TRUE',
];

/** Runs tshark on `file`; returns rows keyed by frame number, each a map of field to value ('' when absent). */
export async function runTshark(file: string): Promise<Map<number, Record<Field, string>>> {
  const args = ['-r', file, '-n', ...TSHARK_PREFS, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'frame.number'];
  for (const f of FIELDS) args.push('-e', f);
  // 802.1ad service tags are a separate tshark field; NetGuard lists every tag outermost first.
  args.push('-e', 'ieee8021ad.id');
  // tshark exits non-zero on a file cut short at the end, after printing every packet it could read,
  // so its stdout is used either way.
  const out = await new Promise<string>((resolve) => {
    execFile('tshark', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }, (_err, stdout) => resolve(String(stdout ?? '')));
  });
  const rows = new Map<number, Record<Field, string>>();
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const cols = line.split('\t');
    const row = {} as Record<Field, string>;
    FIELDS.forEach((f, i) => (row[f] = cols[i + 1] ?? ''));
    const sTags = cols[FIELDS.length + 1] ?? '';
    if (sTags !== '') row['vlan.id'] = row['vlan.id'] === '' ? sTags : `${sTags},${row['vlan.id']}`;
    if (row['tcp.flags'] !== '') row['tcp.flags'] = row['tcp.flags'].split(',').map((x) => String(parseInt(x, 16) & 0xff)).join(',');
    rows.set(Number(cols[0]), row);
  }
  return rows;
}

/** NetGuard's decode of one packet, rendered as tshark would print the same fields. */
export function renderOurs(p: Packet): Record<Field, string> {
  const r = {} as Record<Field, string>;
  for (const f of FIELDS) r[f] = '';
  if (p.layers & LAYER_ETH) {
    r['eth.src'] = formatMac(p.ethSrc);
    r['eth.dst'] = formatMac(p.ethDst);
  }
  r['vlan.id'] = p.vlanIds.join(',');
  if (p.layers & LAYER_ARP) r['arp.opcode'] = String(p.arpOp);
  const q = p.icmpQuoted;
  const quoted = (p.layers & (LAYER_ICMP | LAYER_ICMPV6)) !== 0 && q.present;
  // tshark also dissects the datagram an ICMP error quotes: its addresses, protocol and ports follow the outer ones.
  const add = (f: Field, v: string): void => {
    r[f] = r[f] === '' ? v : `${r[f]},${v}`;
  };
  if (p.layers & LAYER_IPV4) {
    add('ip.src', formatIp(p.ipSrc));
    add('ip.dst', formatIp(p.ipDst));
    add('ip.proto', String(p.ipProto));
  }
  if (p.layers & LAYER_IPV6) {
    add('ipv6.src', formatIp(p.ipSrc));
    add('ipv6.dst', formatIp(p.ipDst));
  }
  if (p.layers & LAYER_TCP) {
    add('tcp.srcport', String(p.srcPort));
    add('tcp.dstport', String(p.dstPort));
    add('tcp.flags', String(p.tcpFlags));
  }
  if (p.layers & LAYER_UDP) {
    add('udp.srcport', String(p.srcPort));
    add('udp.dstport', String(p.dstPort));
  }
  if (p.layers & LAYER_ICMP) add('icmp.type', String(p.icmpType));
  if (p.layers & LAYER_ICMPV6) add('icmpv6.type', String(p.icmpType));
  if (quoted) {
    if (q.ipVersion === 4) {
      add('ip.src', formatIp(q.src));
      add('ip.dst', formatIp(q.dst));
      add('ip.proto', String(q.proto));
    } else {
      add('ipv6.src', formatIp(q.src));
      add('ipv6.dst', formatIp(q.dst));
    }
    if ((q.proto === 6 || q.proto === 17) && (q.srcPort !== 0 || q.dstPort !== 0)) {
      const pre = q.proto === 6 ? 'tcp' : 'udp';
      add(`${pre}.srcport` as Field, String(q.srcPort));
      add(`${pre}.dstport` as Field, String(q.dstPort));
    }
  }
  if (p.dns !== null) {
    const d = p.dns;
    r['dns.id'] = '0x' + d.id.toString(16).padStart(4, '0');
    r['dns.qry.name'] = d.questions.map((x) => x.name).join(',');
    const all = [...d.answers, ...d.authorities, ...d.additionals];
    r['dns.a'] = all.filter((x) => x.type === 1 && x.data.includes('.')).map((x) => x.data).join(',');
    r['dns.aaaa'] = all.filter((x) => x.type === 28 && x.data.includes(':')).map((x) => x.data).join(',');
  }
  if (p.layers & LAYER_HTTP && p.http !== null) {
    const h = p.http;
    if (h.kind === 'request') {
      r['http.request.method'] = h.method ?? '';
      r['http.request.uri'] = h.uri ?? '';
      r['http.host'] = h.host ?? '';
    } else {
      r['http.response.code'] = String(h.status ?? '');
      r['http.host'] = h.host ?? '';
    }
  }
  void formatIpv4;
  return r;
}
