// EVE JSON output: alert, dns (version 3), http and flow records in the shape of Suricata's eve.json
// (docs.suricata.io, "Eve JSON Format"), so Filebeat's Suricata module, Wazuh, EveBox and jq recipes
// written for Suricata read NetGuard's file unchanged.
//
// Records are built when the alert or packet arrives (packet bytes are reused, so everything is
// copied into plain strings then) and written in batches from a timer, off the packet path.
import { appendFile } from 'node:fs/promises';
import type { Alert, AlertSink, AlertType, Severity } from '../types.js';
import type { Settings } from '../../config/schema.js';
import { WriteFailures } from '../../config/write-failures.js';
import { formatIp } from '../../decode/addr.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, LAYER_DNS, LAYER_HTTP, LAYER_ICMPV6, LAYER_TCP, LAYER_UDP, type DnsMessage, type IpAddr, type Packet } from '../../decode/packet.js';
import { decodeDns, DNS_HEADER_LEN } from '../../decode/dns.js';
import { Icmp6FlowTable, tracksIcmp6, type Icmp6Flow } from './eve-icmp6-flows.js';
import { type CaptureCounters, DecoderCounters, type FlowCounters, statsObject } from './eve-stats.js';
import { dnsObject, FORWARD_POINTER_NAME, suricataQuestionNames } from './eve-dns.js';
import { communityId, flowIdOf, protoNumber } from '../../flow/community-id.js';
import type { ConnectionInfo, FlowEndReason } from '../../flow/connection-tracker.js';

export type EveSettings = Settings['outputs']['eve'];

/** Suricata's classification.config descriptions used as alert.category. */
const CAT_RECON = 'Attempted Information Leak';
const CAT_SCAN = 'Detection of a Network Scan';
const CAT_DOS = 'Attempted Denial of Service';
const CAT_DOS_DETECT = 'Detection of a Denial of Service Attack';
const CAT_WEB = 'Web Application Attack';
const CAT_BAD = 'Potentially Bad Traffic';
const CAT_MISC_ATTACK = 'Misc Attack';
const CAT_DECODE = 'Generic Protocol Command Decode';

/**
 * A stable signature id, text and category per alert type. Ids sit in 9,000,000+ so they cannot
 * collide with Emerging Threats (2,000,000-2,999,999) or the local range (1,000,000-1,999,999).
 * Never renumber: dashboards and suppressions key on signature_id.
 */
export const EVE_SIGNATURES: Record<AlertType, { sid: number; signature: string; category: string }> = {
  SYN_SCAN: { sid: 9000001, signature: 'NETGUARD SCAN TCP SYN port scan', category: CAT_SCAN },
  FIN_SCAN: { sid: 9000002, signature: 'NETGUARD SCAN TCP FIN scan', category: CAT_SCAN },
  XMAS_SCAN: { sid: 9000003, signature: 'NETGUARD SCAN TCP Xmas scan', category: CAT_SCAN },
  NULL_SCAN: { sid: 9000004, signature: 'NETGUARD SCAN TCP NULL scan', category: CAT_SCAN },
  ACK_SCAN: { sid: 9000005, signature: 'NETGUARD SCAN TCP ACK scan', category: CAT_SCAN },
  MAIMON_SCAN: { sid: 9000006, signature: 'NETGUARD SCAN TCP Maimon scan', category: CAT_SCAN },
  CONNECT_SCAN: { sid: 9000007, signature: 'NETGUARD SCAN TCP connect scan', category: CAT_SCAN },
  UDP_SCAN: { sid: 9000008, signature: 'NETGUARD SCAN UDP port scan', category: CAT_SCAN },
  DECOY_SCAN: { sid: 9000009, signature: 'NETGUARD SCAN port scan from decoy sources', category: CAT_SCAN },
  DISTRIBUTED_SCAN: { sid: 9000022, signature: 'NETGUARD SCAN distributed port scan', category: CAT_SCAN },
  SYN_FLOOD: { sid: 9000010, signature: 'NETGUARD DOS TCP SYN flood', category: CAT_DOS },
  TRAFFIC_SURGE: { sid: 9000011, signature: 'NETGUARD DOS traffic surge above baseline', category: CAT_DOS_DETECT },
  TCP_SURGE: { sid: 9000012, signature: 'NETGUARD DOS TCP surge above baseline', category: CAT_DOS_DETECT },
  UDP_SURGE: { sid: 9000013, signature: 'NETGUARD DOS UDP surge above baseline', category: CAT_DOS_DETECT },
  ICMP_SURGE: { sid: 9000014, signature: 'NETGUARD DOS ICMP surge above baseline', category: CAT_DOS_DETECT },
  CONNECTION_FLOOD: { sid: 9000015, signature: 'NETGUARD DOS connection flood', category: CAT_DOS },
  PORT_SWEEP: { sid: 9000020, signature: 'NETGUARD SCAN port sweep across hosts', category: CAT_RECON },
  ICMP_SWEEP: { sid: 9000021, signature: 'NETGUARD SCAN ICMP host sweep', category: CAT_RECON },
  SQL_INJECTION: { sid: 9000030, signature: 'NETGUARD WEB SQL injection attempt', category: CAT_WEB },
  DIRECTORY_TRAVERSAL: { sid: 9000031, signature: 'NETGUARD WEB directory traversal attempt', category: CAT_WEB },
  SUSPICIOUS_PORT: { sid: 9000040, signature: 'NETGUARD POLICY connection to a suspicious port', category: CAT_BAD },
  BLACKLISTED_IP: { sid: 9000050, signature: 'NETGUARD REPUTATION blacklisted address', category: CAT_MISC_ATTACK },
  MALICIOUS_IP: { sid: 9000051, signature: 'NETGUARD REPUTATION address with malicious reputation', category: CAT_MISC_ATTACK },
  DECODE_ANOMALY: { sid: 9000060, signature: 'NETGUARD DECODE malformed packet', category: CAT_DECODE },
  CUSTOM_RULE: { sid: 9100000, signature: 'NETGUARD RULE', category: CAT_MISC_ATTACK },
};

/** EVE severity: 1 is the most severe, as in Suricata's priority. */
export const EVE_SEVERITY: Record<Severity, number> = { CRITICAL: 1, HIGH: 2, WARNING: 3, LOW: 4 };

/** FNV-1a, for stable per-rule signature ids. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Signature id, text and category of an alert; custom rules get one id per rule name (9,100,000-9,199,999). */
export function signatureOf(alert: Alert): { sid: number; signature: string; category: string } {
  const base = EVE_SIGNATURES[alert.type] ?? { sid: 9099999, signature: `NETGUARD ${alert.type}`, category: CAT_MISC_ATTACK };
  if (alert.type !== 'CUSTOM_RULE') return base;
  const rule = typeof alert.details.rule === 'string' ? alert.details.rule : '';
  if (!rule) return base;
  return { sid: base.sid + 1 + (fnv1a(rule) % 99_999), signature: `${base.signature} ${rule}`, category: base.category };
}

/**
 * Slack when cutting a packet time (a double of ms since the epoch) to whole microseconds. A double near
 * 2^41 ms holds times to about 0.24 us, so a microsecond capture time can read as 455.9999 us: it still
 * cuts to 456. Sub-microsecond parts of nanosecond captures are cut off (Suricata truncates), except
 * within this slack of the next microsecond, which the double cannot tell from it.
 */
const MICRO_SLACK = 0.13;

/** Suricata's timestamp: "2026-11-20T12:00:00.000000+0000" (microseconds, truncated; numeric offset; NetGuard writes UTC). */
export function eveTimestamp(ms: number): string {
  let whole = Math.floor(ms);
  let micro = Math.floor((ms - whole) * 1000 + MICRO_SLACK);
  if (micro >= 1000) {
    whole += 1;
    micro -= 1000;
  }
  const iso = new Date(whole).toISOString(); // 2026-11-20T12:00:00.123Z
  return `${iso.slice(0, 23)}${String(micro).padStart(3, '0')}+0000`;
}

export interface EveRecord {
  timestamp: string;
  flow_id?: number;
  pcap_cnt?: number;
  in_iface?: string;
  event_type: 'alert' | 'dns' | 'http' | 'flow' | 'stats';
  src_ip?: string;
  src_port?: number;
  dest_ip?: string;
  dest_port?: number;
  proto?: string;
  community_id?: string;
  [k: string]: unknown;
}

/** EVE's proto text: "TCP", "UDP", "ICMP", "IPv6-ICMP" (Suricata's name for 58), else the number. */
function eveProto(n: number): string {
  switch (n) {
    case 6:
      return 'TCP';
    case 17:
      return 'UDP';
    case IPPROTO_ICMP:
      return 'ICMP';
    case IPPROTO_ICMPV6:
      return 'IPv6-ICMP';
    case 132:
      return 'SCTP';
    default:
      return String(n);
  }
}

/** ET's signature_severity words (a metadata key Suricata's schema names) for NetGuard's severities. */
const SIGNATURE_SEVERITY: Record<Severity, string> = { CRITICAL: 'Critical', HIGH: 'Major', WARNING: 'Minor', LOW: 'Informational' };

/** Items kept of one evidence list in alert.metadata (a scan's port list); the JSONL alert keeps them all. */
const MAX_METADATA_ITEMS = 100;

/** One evidence value as metadata strings: scalars as text, lists item by item, objects as JSON. */
function metadataStrings(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.slice(0, MAX_METADATA_ITEMS).flatMap((x) => (x === null || x === undefined ? [] : [typeof x === 'object' ? JSON.stringify(x) : String(x)]));
  return [typeof v === 'object' ? JSON.stringify(v) : String(v)];
}

/**
 * NetGuard's evidence as alert.metadata, the one place in an alert record where Suricata's schema lets
 * a writer add keys: every value an array of strings, as Suricata writes a rule's `metadata:` keywords.
 * Keys are NetGuard's own, prefixed `netguard_`, beside the schema's signature_severity. An EVE alert is
 * written when the alert is raised, so count and details are those of its first detection; when its
 * episode closes the same alert is written again with the final evidence (count, last_seen, merged
 * details) and netguard_final ["true"] and netguard_final_reason, the same netguard_id.
 */
export function alertMetadata(alert: Alert): Record<string, string[]> {
  const md: Record<string, string[]> = {
    signature_severity: [SIGNATURE_SEVERITY[alert.severity] ?? 'Minor'],
    netguard_id: [alert.id],
    netguard_type: [alert.type],
    netguard_severity: [alert.severity],
    netguard_message: [alert.message],
    netguard_count: [String(alert.count)],
    netguard_last_seen: [alert.last_seen],
  };
  if (alert.final) {
    md.netguard_final = ['true'];
    if (alert.final_reason) md.netguard_final_reason = [alert.final_reason];
  }
  for (const [k, v] of Object.entries(alert.details)) {
    const key = `netguard_${k.replace(/[^A-Za-z0-9_]/g, '_')}`;
    const vals = metadataStrings(v);
    if (vals.length > 0 && !(key in md)) md[key] = vals;
  }
  return md;
}

/**
 * The EVE alert record for a NetGuard alert. flow_id and community_id are written only when the alert
 * is about one real flow (the engine then set alert.community_id, the same in every output); a scan,
 * flood or sweep names no flow, so it gets neither (its src/dest are the attacker and a target, not a
 * conversation). `ts` is the triggering packet's time (ms with the fraction) when the caller has it;
 * else the alert's own time, which is kept to the millisecond.
 */
export function alertToEve(alert: Alert, iface?: string, ts?: number): EveRecord {
  const parsed = Date.parse(alert.timestamp);
  const proto = protoNumber(alert.proto);
  // Keys are added in Suricata's order (timestamp, flow_id, in_iface, event_type, tuple, ...).
  const rec = { timestamp: eveTimestamp(ts ?? (Number.isNaN(parsed) ? 0 : parsed)) } as EveRecord;
  const cid = alert.community_id ?? '';
  if (cid && proto !== null && alert.src_ip && alert.dst_ip && alert.src_port !== undefined && alert.dst_port !== undefined) {
    const fid = flowIdOf(proto, alert.src_ip, alert.dst_ip, alert.src_port, alert.dst_port);
    if (fid) rec.flow_id = fid;
  }
  if (iface) rec.in_iface = iface;
  rec.event_type = 'alert';
  if (alert.src_ip) rec.src_ip = alert.src_ip;
  if (alert.src_port !== undefined) rec.src_port = alert.src_port;
  if (alert.dst_ip) rec.dest_ip = alert.dst_ip;
  if (alert.dst_port !== undefined) rec.dest_port = alert.dst_port;
  if (alert.proto) rec.proto = proto !== null ? eveProto(proto) : alert.proto;
  rec.pkt_src = PKT_SRC;
  if (cid && rec.flow_id !== undefined) rec.community_id = cid;
  const sig = signatureOf(alert);
  rec.alert = {
    action: 'allowed',
    gid: 1,
    signature_id: sig.sid,
    rev: 1,
    signature: sig.signature,
    category: sig.category,
    severity: EVE_SEVERITY[alert.severity] ?? 3,
    metadata: alertMetadata(alert),
  };
  return rec;
}

/**
 * Where the record's packet came from, as Suricata 8 writes it on records made from a packet (alert,
 * dns, http): "wire/pcap" for a captured packet, live or from a file (NetGuard decodes no tunnels).
 */
const PKT_SRC = 'wire/pcap';

function tuple(p: Packet, iface: string | undefined, pcapCnt: boolean, ts: number, type: 'dns' | 'http', flip: boolean): EveRecord {
  const src = formatIp(flip ? p.ipDst : p.ipSrc);
  const dst = formatIp(flip ? p.ipSrc : p.ipDst);
  const sport = flip ? p.dstPort : p.srcPort;
  const dport = flip ? p.srcPort : p.dstPort;
  const rec = { timestamp: eveTimestamp(ts) } as EveRecord;
  const fid = flowIdOf(p.ipProto, src, dst, sport, dport);
  if (fid) rec.flow_id = fid;
  if (pcapCnt && p.n > 0) rec.pcap_cnt = p.n;
  if (iface) rec.in_iface = iface;
  rec.event_type = type;
  rec.src_ip = src;
  rec.src_port = sport;
  rec.dest_ip = dst;
  rec.dest_port = dport;
  rec.proto = eveProto(p.ipProto);
  rec.pkt_src = PKT_SRC;
  const cid = communityId(p.ipProto, src, dst, sport, dport);
  if (cid) rec.community_id = cid;
  return rec;
}

/**
 * The EVE dns record (version 3: "request" / "response" with queries, answers, authorities, additionals,
 * grouped; see eve-dns.ts). `msg` replaces the packet's own message where the sink read it better (a
 * DNS-over-TCP message whose length came in an earlier segment).
 */
export function dnsToEve(p: Packet, ts: number, iface?: string, pcapCnt = false, msg?: DnsMessage): EveRecord | null {
  const m = msg ?? p.dns;
  if (!m || (!msg && !(p.layers & LAYER_DNS))) return null;
  const rec = tuple(p, iface, pcapCnt, ts, 'dns', false);
  const dns = dnsObject(m);
  // Names the decoder refused for a forward compression pointer are read as Suricata reads them.
  const queries = dns.queries as Array<{ rrname: string }> | undefined;
  if (queries?.some((q) => q.rrname === FORWARD_POINTER_NAME) && p.payloadLen > 0) {
    const tcp = (p.layers & LAYER_TCP) !== 0 && !msg ? 2 : 0;
    const names = suricataQuestionNames(p.data, p.payloadOff + tcp, p.payloadOff + p.payloadLen);
    queries.forEach((q, i) => {
      const n = names[i];
      if (q.rrname === FORWARD_POINTER_NAME && n !== null && n !== undefined) q.rrname = n;
    });
  }
  rec.dns = dns;
  return rec;
}

/** Splits a Host header into name and port the way Suricata logs it ("[::1]" stays whole). */
function splitHost(host: string): { hostname: string; port: number | null } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(host);
  if (!m) return { hostname: host, port: null };
  return { hostname: m[1], port: m[2] !== undefined ? Number(m[2]) : null };
}

/**
 * Adds a response's fields (status, content type, response_headers) to an http object, and `length`:
 * the body bytes this packet holds (Suricata's length is the response body's length, whatever the
 * headers say; EveSink adds the body's later segments).
 */
function addResponse(http: Record<string, unknown>, p: Packet): void {
  const h = p.http;
  if (!h) return;
  const loc = h.headers.find(([k]) => k.toLowerCase() === 'location')?.[1];
  if (h.contentType !== null) http.http_content_type = h.contentType;
  if (http.protocol === undefined && h.version) http.protocol = h.version;
  if (h.status !== null) http.status = h.status;
  if (loc !== undefined) http.redirect = loc;
  http.length = h.contentLength !== null ? Math.min(h.bodyLen, h.contentLength) : h.bodyLen;
  if (h.headers.length) http.response_headers = h.headers.map(([name, value]) => ({ name, value }));
}

/**
 * The EVE http record for a decoded request or response packet. A response is logged with the
 * flow's client as src, as Suricata does. EveSink pairs a request with its response into one record
 * (one per transaction, like Suricata); these build the halves.
 */
export function httpToEve(p: Packet, ts: number, iface?: string, pcapCnt = false): EveRecord | null {
  const h = p.http;
  if (!h || !(p.layers & LAYER_HTTP)) return null;
  const isReq = h.kind === 'request';
  const rec = tuple(p, iface, pcapCnt, ts, 'http', !isReq);
  const http: Record<string, unknown> = {};
  if (isReq) {
    if (h.host !== null) {
      const { hostname, port } = splitHost(h.host.trim());
      http.hostname = hostname;
      if (port !== null) http.http_port = port;
    }
    if (h.uri !== null) http.url = h.uri;
    if (h.userAgent !== null) http.http_user_agent = h.userAgent;
    if (h.contentType !== null) http.http_content_type = h.contentType;
    const ref = h.headers.find(([k]) => k.toLowerCase() === 'referer')?.[1];
    if (ref !== undefined) http.http_refer = ref;
    if (h.method !== null) http.http_method = h.method;
    // An HTTP/0.9 request line has no version: Suricata writes no protocol then.
    if (h.version) http.protocol = h.version;
    // The response body's length: 0 until a response comes (Suricata writes it for every transaction).
    http.length = 0;
    if (h.headers.length) http.request_headers = h.headers.map(([name, value]) => ({ name, value }));
  } else {
    addResponse(http, p);
  }
  rec.app_proto = 'http';
  rec.http = http;
  return rec;
}

/** One direction of a connection as a map key: "src|sport|dst|dport". */
function dirKey(src: IpAddr | string, sport: number, dst: IpAddr | string, dport: number): string {
  return `${typeof src === 'string' ? src : formatIp(src)}|${sport}|${typeof dst === 'string' ? dst : formatIp(dst)}|${dport}`;
}

/** Suricata's flow.reason for each way a NetGuard flow ends. */
const END_REASON: Record<FlowEndReason, string> = { timeout: 'timeout', evicted: 'forced', reused: 'tcp_reuse', shutdown: 'shutdown' };

/** Suricata's tcp.state names (StreamTcpStateAsString) for the connection tracker's TCP states. */
const TCP_STATE: Record<string, string> = {
  SYN_SENT: 'syn_sent',
  SYN_RECEIVED: 'syn_recv',
  ESTABLISHED: 'established',
  FIN_WAIT: 'fin_wait1',
  CLOSE_WAIT: 'close_wait',
  LAST_ACK: 'last_ack',
  CLOSED: 'closed',
  RESET: 'closed',
  UNREACHABLE: 'closed',
  INVALID: 'none',
};

const PROTO_NUMBER: Record<string, number> = { TCP: 6, UDP: 17, ICMP: IPPROTO_ICMP, ICMPv6: IPPROTO_ICMPV6 };

/**
 * The EVE flow record for a flow that left the connection table (Suricata's output-json-flow): the
 * initiator is src ("to server" is initiator to responder), `timestamp` is when it was logged (the packet
 * time the flow ended at), flow.start/end its first and last packet, flow.age whole seconds between
 * them. ICMP echo flows carry the echo types as icmp_type/response_icmp_type, as Suricata's do.
 * `known` tells, by the record's flow_id, whether an alert named the flow and which application
 * protocol was seen on it (the caller's own bookkeeping; nothing when absent).
 */
export function flowToEve(
  flow: ConnectionInfo,
  reason: FlowEndReason,
  now: number,
  iface?: string,
  known?: (flowId: number) => { alerted: boolean; appProto?: string },
): EveRecord {
  const proto = PROTO_NUMBER[flow.proto] ?? 0;
  const icmp = proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
  const echo = proto === IPPROTO_ICMP ? 8 : 128;
  const sport = icmp ? echo : flow.srcPort;
  const dport = icmp ? 0 : flow.dstPort;
  const rec = { timestamp: eveTimestamp(Math.max(now, flow.last)) } as EveRecord;
  // ICMP echo conversations between two hosts share a Community ID; each gets its own flow_id.
  const fid = flowIdOf(proto, flow.src, flow.dst, sport, dport, icmp ? (Number(flow.id) % 0xffff) + 1 : 0);
  if (fid) rec.flow_id = fid;
  const facts = fid && known ? known(fid) : null;
  if (iface) rec.in_iface = iface;
  rec.event_type = 'flow';
  rec.src_ip = flow.src;
  if (!icmp) rec.src_port = flow.srcPort;
  rec.dest_ip = flow.dst;
  if (!icmp) rec.dest_port = flow.dstPort;
  rec.proto = eveProto(proto);
  if (facts?.appProto) rec.app_proto = facts.appProto;
  if (icmp) {
    rec.icmp_type = echo;
    rec.icmp_code = 0;
    if (flow.packetsIn > 0) {
      rec.response_icmp_type = proto === IPPROTO_ICMP ? 0 : 129;
      rec.response_icmp_code = 0;
    }
  }
  const cid = communityId(proto, flow.src, flow.dst, sport, dport);
  if (cid) rec.community_id = cid;
  rec.flow = {
    pkts_toserver: flow.packetsOut,
    pkts_toclient: flow.packetsIn,
    bytes_toserver: flow.bytesOut,
    bytes_toclient: flow.bytesIn,
    start: eveTimestamp(flow.start),
    end: eveTimestamp(flow.last),
    age: Math.floor(flow.last / 1000) - Math.floor(flow.start / 1000),
    state: flow.closed ? 'closed' : flow.established ? 'established' : 'new',
    reason: END_REASON[reason],
    alerted: facts?.alerted ?? false,
  };
  if (proto === 6) rec.tcp = { state: TCP_STATE[flow.state] ?? 'none' };
  return rec;
}

/** The EVE flow record of an ICMPv6 neighbour discovery or MLD conversation (eve-icmp6-flows.ts). */
export function icmp6FlowToEve(f: Icmp6Flow, reason: FlowEndReason, now: number, iface?: string): EveRecord {
  const rec = { timestamp: eveTimestamp(Math.max(now, f.last)) } as EveRecord;
  const fid = flowIdOf(IPPROTO_ICMPV6, f.src, f.dst, f.type, f.code);
  if (fid) rec.flow_id = fid;
  if (iface) rec.in_iface = iface;
  rec.event_type = 'flow';
  rec.src_ip = f.src;
  rec.dest_ip = f.dst;
  rec.proto = eveProto(IPPROTO_ICMPV6);
  rec.icmp_type = f.type;
  rec.icmp_code = f.code;
  if (f.respType >= 0) {
    rec.response_icmp_type = f.respType;
    rec.response_icmp_code = f.respCode;
  }
  const cid = communityId(IPPROTO_ICMPV6, f.src, f.dst, f.type, f.code);
  if (cid) rec.community_id = cid;
  rec.flow = {
    pkts_toserver: f.pktsToServer,
    pkts_toclient: f.pktsToClient,
    bytes_toserver: f.bytesToServer,
    bytes_toclient: f.bytesToClient,
    start: eveTimestamp(f.start),
    end: eveTimestamp(f.last),
    age: Math.floor(f.last / 1000) - Math.floor(f.start / 1000),
    state: f.respType >= 0 ? 'established' : 'new',
    reason: END_REASON[reason],
    alerted: false,
  };
  return rec;
}

export interface EveOptions {
  /** Capture interface name for in_iface (omitted when reading a file, as Suricata does). */
  iface?: string;
  /** Add pcap_cnt (the frame number) to dns/http records, as Suricata does when reading a pcap. */
  pcapCount?: boolean;
  /** Error messages (cannot write the file); default stderr. */
  log?: (message: string) => void;
  /** Where finished lines go instead of the file (filetype redis: eve-redis.ts); it queues, never blocks. */
  transport?: { push(line: string): void };
  /**
   * The source can wait for the disk (a capture file, whose reader asks backlog() between chunks): no
   * record is ever dropped for the buffer bound, so a file's EVE output is whole and the same however
   * slow the disk is. A live capture cannot wait, and drops (and counts) beyond MAX_BUFFERED.
   */
  canWait?: boolean;
  /** EVE's `host` field on every record (Suricata's sensor-name); absent or empty: none. */
  host?: string;
  /** Where an EVE file that cannot be written is named and its lost records counted (default: said on stderr). */
  failures?: WriteFailures;
  /**
   * The time of the packet being handled (the engine's packet time, ms with the fraction), so an alert
   * record carries its packet's microseconds; alerts keep only milliseconds. Absent: the alert's time.
   */
  packetTime?: () => number;
  /** The flow table's counters for the stats record (flow.total, flow.active); absent: no flow object. */
  flowCounters?: () => FlowCounters | null;
  /**
   * The live source's kernel counters for the stats record (capture.kernel_packets, kernel_drops);
   * absent or null (a file): no capture object.
   */
  captureCounters?: () => CaptureCounters | null;
}

/**
 * Lines held between writes; beyond this new records are dropped and counted (the first records of an
 * attack are kept, and dropping costs nothing: shifting the oldest out of a full array was O(n) a record).
 */
const MAX_BUFFERED = 100_000;
/** Lines waiting for the disk from which backlog() asks a source that can wait to wait for their write. */
const BACKLOG_WAIT = 25_000;
/** Flows with a request waiting for its response; beyond this the oldest is written without one. */
const MAX_OPEN_HTTP = 10_000;
/** A request whose response has not come within this much packet time is written alone. */
const HTTP_PAIR_MS = 60_000;
/** Flow ids remembered as having had an alert (flow.alerted); beyond this the oldest are forgotten. */
const MAX_ALERTED = 65_536;
/** DNS-over-TCP lengths waiting for their message's segment; beyond this the oldest is forgotten. */
const MAX_TCP_DNS_PENDING = 1024;
/** Flows whose application protocol and transaction counts are kept; beyond this the oldest are forgotten. */
const MAX_FLOW_STATE = 65_536;

/** What the sink knows of a flow from its dns and http records: the protocol, and the next tx_ids. */
interface FlowState {
  app: string;
  dnsTx: number;
  httpTx: number;
}

interface OpenRequest {
  rec: EveRecord;
  ts: number;
}

export class EveSink implements AlertSink {
  readonly name = 'eve';
  private lines: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private closed = false;
  /** The write error that stopped the file: later records are counted as lost, not written after a gap. */
  private failed: Error | null = null;
  private readonly failures: WriteFailures;
  /** Records dropped because more than MAX_BUFFERED waited for the disk. */
  dropped = 0;
  /** Set by finalRecords(): the records made at exit are all written, whatever their number. */
  private keepAll = false;
  /** Requests waiting for their response, per flow (community id), oldest first within a flow. */
  private openHttp = new Map<string, OpenRequest[]>();
  /** Flow ids named by an alert (for flow.alerted), oldest first. */
  private readonly alerted = new Set<number>();
  /** Per open alert id, its first record's packet time, so its final record has the same timestamp. */
  private readonly alertTimes = new Map<string, number>();
  /** Per flow id: app_proto and transaction counters (tx_id), oldest first; dropped when the flow ends. */
  private readonly flows = new Map<number, FlowState>();
  private lastTs = 0;
  /** ICMPv6 neighbour discovery and MLD conversations, for their flow records. */
  private readonly icmp6 = new Icmp6FlowTable();
  /** Decoder counters for the stats record (every packet shown to onPacket). */
  private readonly decoder = new DecoderCounters();
  /** Packet time of the first packet (uptime counts from it), and when the next stats record is due. */
  private firstTs = Number.NaN;
  private nextStats = Number.POSITIVE_INFINITY;
  /** Transactions whose response body is still coming, per server-to-client direction (dirKey). */
  private readonly bodies = new Map<string, { rec: EveRecord; remaining: number; ts: number }>();
  /** DNS-over-TCP lengths that came in a segment of their own, per direction (src|sport|dst|dport). */
  private readonly tcpDnsLength = new Map<string, number>();

  constructor(
    readonly settings: EveSettings,
    private readonly opts: EveOptions = {},
  ) {
    this.failures = opts.failures ?? new WriteFailures(opts.log);
  }

  onAlert(alert: Alert): void {
    const ts = this.triggerTime(alert);
    if (ts !== undefined) {
      if (this.alertTimes.size >= MAX_ALERTED) this.alertTimes.delete(this.alertTimes.keys().next().value as string);
      this.alertTimes.set(alert.id, ts);
    }
    const rec = alertToEve(alert, this.opts.iface, ts);
    if (rec.flow_id !== undefined) {
      if (this.alerted.size >= MAX_ALERTED) this.alerted.delete(this.alerted.values().next().value as number);
      this.alerted.add(rec.flow_id);
    }
    this.push(rec);
  }

  /**
   * An alert's final record (its episode closed): the same alert record, Suricata's shape, with the final
   * evidence and netguard_final in alert.metadata. Its timestamp is the first record's (the alert's first
   * detection, as on the JSONL final record; to the millisecond if that one is no longer known), so it
   * never sorts before its flow's start; netguard_last_seen says when the episode's last detection was.
   */
  onFinal(alert: Alert): void {
    const ts = this.alertTimes.get(alert.id);
    this.alertTimes.delete(alert.id);
    this.push(alertToEve(alert, this.opts.iface, ts));
  }

  /**
   * The triggering packet's time of a new alert, to the microsecond: the packet being handled (an alert
   * is raised while its packet is handled) when it falls in the alert's millisecond, else undefined.
   */
  private triggerTime(alert: Alert): number | undefined {
    const now = this.opts.packetTime?.();
    if (now === undefined) return undefined;
    return Math.floor(now) === Date.parse(alert.timestamp) ? now : undefined;
  }

  /**
   * Packet time moves on (every packet, and the live capture's one-second timer): writes a stats record
   * when one is due, every stats_interval seconds from the first packet.
   */
  onTick(now: number): void {
    if (this.settings.flow) for (const f of this.icmp6.expire(now)) this.push(icmp6FlowToEve(f, 'timeout', now, this.opts.iface));
    if (!this.settings.stats) return;
    if (this.firstTs !== this.firstTs) {
      this.firstTs = now;
      const every = this.settings.stats_interval * 1000;
      this.nextStats = every > 0 ? now + every : Number.POSITIVE_INFINITY;
      return;
    }
    if (now < this.nextStats) return;
    const every = this.settings.stats_interval * 1000;
    // The next point of the interval's grid after now: an idle gap makes one record, not a burst.
    this.nextStats = now - ((now - this.firstTs) % every) + every;
    this.pushStats(now);
  }

  private pushStats(now: number): void {
    const stats = statsObject((now - this.firstTs) / 1000, this.decoder, this.opts.flowCounters?.() ?? null, this.opts.captureCounters?.() ?? null);
    this.push({ timestamp: eveTimestamp(now), event_type: 'stats', stats });
  }

  /**
   * The end of the run, after the last flows were logged: requests still waiting for their response are
   * written (Suricata logs pending transactions at the end), then the last stats record.
   */
  finish(now: number): void {
    this.keepAll = true;
    if (this.settings.flow) for (const f of this.icmp6.drain()) this.push(icmp6FlowToEve(f, 'shutdown', now, this.opts.iface));
    for (const key of [...this.bodies.keys()]) this.endBody(key);
    for (const q of this.openHttp.values()) for (const o of q) this.push(o.rec);
    this.openHttp.clear();
    if (this.settings.stats && this.firstTs === this.firstTs) {
      this.nextStats = Number.POSITIVE_INFINITY;
      this.pushStats(Math.max(now, this.firstTs));
    }
  }

  /** Logs a flow record for a flow that ended (the engine's onFlowEnd), when flow records are on. */
  onFlowEnd(flow: ConnectionInfo, reason: FlowEndReason, now: number): void {
    if (!this.settings.flow) return;
    const rec = flowToEve(flow, reason, now, this.opts.iface, (fid) => {
      const st = this.flows.get(fid);
      // The next connection on this 4-tuple is a new flow: its transactions count from 0 again.
      this.flows.delete(fid);
      return { alerted: this.alerted.has(fid), appProto: st?.app };
    });
    // A response held for its body, and requests still waiting for a response, are written now,
    // before the flow's record.
    this.endBody(dirKey(flow.dst, flow.dstPort, flow.src, flow.srcPort));
    this.endBody(dirKey(flow.src, flow.srcPort, flow.dst, flow.dstPort));
    const pending = rec.community_id !== undefined ? this.openHttp.get(rec.community_id) : undefined;
    if (pending) {
      for (const o of pending) this.push(o.rec);
      this.openHttp.delete(rec.community_id as string);
    }
    this.push(rec);
  }

  /**
   * Numbers an http record as the flow's next transaction (tx_id, before the http object, as Suricata
   * writes it): a request and its response are one transaction, a response seen alone is one too.
   */
  private httpTransaction(rec: EveRecord): EveRecord {
    if (rec.flow_id === undefined) return rec;
    const st = this.flowState(rec.flow_id);
    st.app = 'http';
    const { http, app_proto, ...head } = rec;
    return { ...head, tx_id: st.httpTx++, app_proto, http } as EveRecord;
  }

  /** The sink's state for a flow id, made on first use (bounded: the oldest flow's is dropped). */
  private flowState(fid: number): FlowState {
    let st = this.flows.get(fid);
    if (st === undefined) {
      if (this.flows.size >= MAX_FLOW_STATE) this.flows.delete(this.flows.keys().next().value as number);
      st = { app: '', dnsTx: 0, httpTx: 0 };
      this.flows.set(fid, st);
    }
    return st;
  }

  /** Logs dns and http records for a decoded packet, as enabled in settings (the engine calls this per packet). */
  onPacket(p: Packet): void {
    const now = p.ts;
    if (this.settings.stats) this.decoder.count(p);
    if (this.settings.stats || this.settings.flow) this.onTick(now);
    if (this.settings.dns && p.layers & LAYER_TCP && (p.srcPort === 53 || p.dstPort === 53) && p.payloadLen > 0 && this.dnsOverTcp(p, now)) return;
    if (this.settings.flow && p.layers & LAYER_ICMPV6 && tracksIcmp6(p)) {
      const out = this.icmp6.onPacket(p, now);
      if (out) this.push(icmp6FlowToEve(out, 'evicted', now, this.opts.iface));
    }
    if (this.bodies.size > 0 && p.layers & LAYER_TCP && p.payloadLen > 0 && !(p.layers & LAYER_HTTP)) this.addBody(p);
    if (!(p.layers & (LAYER_DNS | LAYER_HTTP))) return;
    if (this.settings.dns && p.layers & LAYER_DNS) this.writeDns(p, now);
    if (this.settings.http && p.layers & LAYER_HTTP && p.layers & LAYER_TCP) this.writeHttp(p, now);
  }

  /**
   * DNS over TCP whose 2-byte length (RFC 1035 §4.2.2) came alone in a segment of its own: the length is
   * kept per direction and the next segment read as the message. True when this segment was handled so.
   */
  private dnsOverTcp(p: Packet, now?: number): boolean {
    const key = `${formatIp(p.ipSrc)}|${p.srcPort}|${formatIp(p.ipDst)}|${p.dstPort}`;
    if (p.payloadLen === 2) {
      if (this.tcpDnsLength.size >= MAX_TCP_DNS_PENDING) this.tcpDnsLength.delete(this.tcpDnsLength.keys().next().value as string);
      this.tcpDnsLength.set(key, (p.data[p.payloadOff] << 8) | p.data[p.payloadOff + 1]);
      return true;
    }
    const len = this.tcpDnsLength.get(key);
    if (len === undefined) return false;
    this.tcpDnsLength.delete(key);
    if (len < DNS_HEADER_LEN || p.payloadLen < DNS_HEADER_LEN) return false;
    const msg = decodeDns(p.data, p.payloadOff, p.payloadOff + Math.min(len, p.payloadLen), []);
    if (!msg) return false;
    this.writeDns(p, now, msg);
    return true;
  }

  writeDns(p: Packet, now?: number, msg?: DnsMessage): void {
    if (!(p.layers & (LAYER_UDP | LAYER_TCP))) return;
    const rec = dnsToEve(p, now ?? p.ts, this.opts.iface, this.opts.pcapCount, msg);
    if (!rec) return;
    if (rec.flow_id !== undefined) {
      const st = this.flowState(rec.flow_id);
      st.app = 'dns';
      // Suricata 8 makes every DNS message its own transaction, so tx_id counts the flow's DNS messages;
      // it goes right after type, where Suricata writes it.
      const { version, type, ...rest } = rec.dns as Record<string, unknown>;
      rec.dns = { version, type, tx_id: st.dnsTx++, ...rest };
    }
    this.push(rec);
  }

  /** Requests wait (bounded) for their response so that one record holds the transaction. */
  writeHttp(p: Packet, now?: number): void {
    const ts = now ?? p.ts;
    this.lastTs = Math.max(this.lastTs, ts);
    const h = p.http;
    if (!h || !(p.layers & LAYER_HTTP)) return;
    const key = communityId(p.ipProto, p.ipSrc, p.ipDst, p.srcPort, p.dstPort);
    if (h.kind === 'response') {
      const q = this.openHttp.get(key);
      const open = q?.shift();
      if (q && q.length === 0) this.openHttp.delete(key);
      if (open) {
        addResponse(open.rec.http as Record<string, unknown>, p);
        this.holdBody(p, open.rec, ts);
        return;
      }
      const rec = httpToEve(p, ts, this.opts.iface, this.opts.pcapCount);
      if (rec) this.holdBody(p, this.httpTransaction(rec), ts);
      return;
    }
    // A new request on the connection: the previous response's body is complete.
    this.endBody(dirKey(p.ipDst, p.dstPort, p.ipSrc, p.srcPort));
    const made = httpToEve(p, ts, this.opts.iface, this.opts.pcapCount);
    if (!made) return;
    const rec = this.httpTransaction(made);
    let q = this.openHttp.get(key);
    if (!q) {
      if (this.openHttp.size >= MAX_OPEN_HTTP) this.expireHttp(Infinity);
      q = [];
      this.openHttp.set(key, q);
    }
    q.push({ rec, ts });
  }

  /**
   * A transaction whose response came: written at once when its body is complete in this packet (or it
   * has none), else held while the server's next segments add to http.length, until the body's
   * Content-Length is reached, the next message or the end of the connection.
   */
  private holdBody(p: Packet, rec: EveRecord, ts: number): void {
    const h = p.http;
    const http = rec.http as Record<string, unknown>;
    const key = dirKey(p.ipSrc, p.srcPort, p.ipDst, p.dstPort);
    this.endBody(key);
    const status = h?.status ?? 0;
    // RFC 9112 §6.3: no body after 1xx, 204 and 304, nor after a response to HEAD.
    const noBody = (status >= 100 && status < 200) || status === 204 || status === 304 || http.http_method === 'HEAD';
    const cl = h?.contentLength ?? null;
    const got = typeof http.length === 'number' ? http.length : 0;
    if (noBody || (cl !== null && got >= cl)) {
      this.push(rec);
      return;
    }
    if (this.bodies.size >= MAX_OPEN_HTTP) this.endBody(this.bodies.keys().next().value as string);
    this.bodies.set(key, { rec, remaining: cl !== null ? cl - got : Number.POSITIVE_INFINITY, ts });
  }

  /** A server segment without an HTTP head: more of the held response's body. */
  private addBody(p: Packet): void {
    const key = dirKey(p.ipSrc, p.srcPort, p.ipDst, p.dstPort);
    const b = this.bodies.get(key);
    if (!b) return;
    const n = Math.min(p.payloadLen, b.remaining);
    const http = b.rec.http as Record<string, unknown>;
    http.length = (http.length as number) + n;
    b.remaining -= n;
    if (b.remaining <= 0) this.endBody(key);
  }

  /** Writes the transaction held for its body on this server-to-client direction, if any. */
  private endBody(key: string): void {
    const b = this.bodies.get(key);
    if (!b) return;
    this.bodies.delete(key);
    this.push(b.rec);
  }

  /** Writes requests that waited longer than HTTP_PAIR_MS (or, with Infinity, the oldest flow's). */
  private expireHttp(before: number): void {
    if (before === Infinity) {
      const first = this.openHttp.keys().next();
      if (first.done) return;
      for (const o of this.openHttp.get(first.value) ?? []) this.push(o.rec);
      this.openHttp.delete(first.value);
      return;
    }
    for (const [k, q] of this.openHttp) {
      while (q.length && q[0].ts < before) this.push((q.shift() as OpenRequest).rec);
      if (q.length === 0) this.openHttp.delete(k);
    }
  }

  private push(rec: EveRecord): void {
    if (this.closed) return;
    const line = this.opts.host ? withHost(JSON.stringify(rec), this.opts.host) : JSON.stringify(rec);
    if (this.opts.transport) {
      this.opts.transport.push(line);
      return;
    }
    if (this.failed) {
      this.failures.lose(this.settings.file, 1, 'EVE record');
      return;
    }
    if (this.lines.length >= MAX_BUFFERED && !this.keepAll && this.opts.canWait !== true) {
      this.dropped++;
      return;
    }
    this.lines.push(line);
    if (!this.timer) {
      this.timer = setTimeout(this.onTimer, this.settings.flush_interval);
      this.timer.unref();
    }
  }

  /** The flush timer's callback, made once: an arrow inside push() would cost a context per record. */
  private readonly onTimer = (): void => {
    this.timer = null;
    void this.flush();
  };

  /**
   * For a source that can wait (EveOptions.canWait): the write of the waiting lines when BACKLOG_WAIT or
   * more wait for the disk, else null (nothing to wait for). A file's reader awaits it between chunks,
   * which keeps the lines held in memory near that bound.
   */
  backlog(): Promise<void> | null {
    return this.lines.length >= BACKLOG_WAIT && !this.closed ? this.flush() : null;
  }

  async flush(): Promise<void> {
    if (this.openHttp.size) this.expireHttp(this.lastTs - HTTP_PAIR_MS);
    for (const [key, b] of this.bodies) if (b.ts < this.lastTs - HTTP_PAIR_MS) this.endBody(key);
    while (this.writing) await this.writing;
    if (this.lines.length === 0) return;
    const count = this.lines.length;
    if (this.failed) {
      this.lines = [];
      this.failures.lose(this.settings.file, count, 'EVE record');
      return;
    }
    const chunk = this.lines.join('\n') + '\n';
    this.lines = [];
    this.writing = appendFile(this.settings.file, chunk)
      .catch((e: unknown) => {
        this.failed = e as Error;
        this.failures.fail(this.settings.file, e, { after: 'EVE records from now on are not saved there', lost: count, unit: 'EVE record' });
      })
      .finally(() => {
        this.writing = null;
      });
    await this.writing;
  }

  /**
   * Called at exit before the last records are made (the flows still open, up to the connection cap):
   * they are written right after, so none is dropped for the buffer bound.
   */
  finalRecords(): void {
    this.keepAll = true;
  }

  async close(): Promise<void> {
    this.keepAll = true;
    for (const key of [...this.bodies.keys()]) this.endBody(key);
    for (const q of this.openHttp.values()) for (const o of q) this.push(o.rec);
    this.openHttp.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
    this.closed = true;
    if (this.dropped > 0) {
      (this.opts.log ?? ((m: string) => process.stderr.write(`netguard: ${m}\n`)))(
        `EVE output ${this.settings.file}: ${this.dropped} records dropped, more than ${MAX_BUFFERED} waited for the disk at once`,
      );
    }
  }
}

/** Suricata's EVE `host` field (sensor-name), added last as Suricata adds it to a finished record. */
export function withHost(line: string, host: string): string {
  if (!host || !line.endsWith('}')) return line;
  return `${line.slice(0, -1)}${line.length > 2 ? ',' : ''}"host":${JSON.stringify(host)}}`;
}

/** Builds the EVE sink from the whole settings document (for the sink registry). */
export function createEveSink(settings: Settings, opts: EveOptions = {}): EveSink {
  return new EveSink(settings.outputs.eve, opts);
}
