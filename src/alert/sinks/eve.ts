// EVE JSON output: alert, dns (version 3), http and flow records in the shape of Suricata's eve.json
// (docs.suricata.io, "Eve JSON Format"), so Filebeat's Suricata module, Wazuh, EveBox and jq recipes
// written for Suricata read NetGuard's file unchanged.
//
// Records are built when the alert or packet arrives (packet bytes are reused, so everything is
// copied into plain strings then) and written in batches from a timer, off the packet path.
import { appendFile } from 'node:fs/promises';
import type { Alert, AlertSink, AlertType, Severity } from '../types.js';
import type { Settings } from '../../config/schema.js';
import { formatIp } from '../../decode/addr.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, LAYER_DNS, LAYER_HTTP, LAYER_TCP, LAYER_UDP, type DnsRecord, type Packet } from '../../decode/packet.js';
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

/** Suricata's timestamp: "2026-11-20T12:00:00.000000+0000" (microseconds, numeric offset; NetGuard writes UTC). */
export function eveTimestamp(ms: number): string {
  const d = new Date(Math.floor(ms));
  const iso = d.toISOString(); // 2026-11-20T12:00:00.123Z
  const micro = Math.round((ms - Math.floor(ms)) * 1000);
  return `${iso.slice(0, 23)}${String(micro).padStart(3, '0')}+0000`;
}

export interface EveRecord {
  timestamp: string;
  flow_id?: number;
  pcap_cnt?: number;
  in_iface?: string;
  event_type: 'alert' | 'dns' | 'http' | 'flow';
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

/** The EVE alert record for a NetGuard alert. */
export function alertToEve(alert: Alert, iface?: string): EveRecord {
  const ts = Date.parse(alert.timestamp);
  const proto = protoNumber(alert.proto);
  // Keys are added in Suricata's order (timestamp, flow_id, in_iface, event_type, tuple, ...).
  const rec = { timestamp: eveTimestamp(Number.isNaN(ts) ? 0 : ts) } as EveRecord;
  const sport = alert.src_port ?? 0;
  const dport = alert.dst_port ?? 0;
  if (proto !== null && alert.src_ip && alert.dst_ip) {
    const fid = flowIdOf(proto, alert.src_ip, alert.dst_ip, sport, dport);
    if (fid) rec.flow_id = fid;
  }
  if (iface) rec.in_iface = iface;
  rec.event_type = 'alert';
  if (alert.src_ip) rec.src_ip = alert.src_ip;
  if (alert.src_port !== undefined) rec.src_port = alert.src_port;
  if (alert.dst_ip) rec.dest_ip = alert.dst_ip;
  if (alert.dst_port !== undefined) rec.dest_port = alert.dst_port;
  if (alert.proto) rec.proto = proto !== null ? eveProto(proto) : alert.proto;
  const cid = alert.community_id || (proto !== null && alert.src_ip && alert.dst_ip ? communityId(proto, alert.src_ip, alert.dst_ip, sport, dport) : '');
  if (cid) rec.community_id = cid;
  const sig = signatureOf(alert);
  rec.alert = {
    action: 'allowed',
    gid: 1,
    signature_id: sig.sid,
    rev: 1,
    signature: sig.signature,
    category: sig.category,
    severity: EVE_SEVERITY[alert.severity] ?? 3,
  };
  // NetGuard's own fields ride along in one namespaced object that EVE readers ignore.
  rec.netguard = { id: alert.id, type: alert.type, severity: alert.severity, message: alert.message, count: alert.count, last_seen: alert.last_seen, details: alert.details };
  return rec;
}

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
  const cid = communityId(p.ipProto, src, dst, sport, dport);
  if (cid) rec.community_id = cid;
  return rec;
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

const TYPE_NAMES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 13: 'HINFO', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 35: 'NAPTR',
  41: 'OPT', 43: 'DS', 44: 'SSHFP', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 50: 'NSEC3', 52: 'TLSA', 64: 'SVCB', 65: 'HTTPS',
  99: 'SPF', 252: 'AXFR', 255: 'ANY', 257: 'CAA',
};

/** Suricata writes known types by mnemonic and others by number. */
function rrtype(t: number): string {
  return TYPE_NAMES[t] ?? String(t);
}

/**
 * Rdata strings of a record. Suricata 8 logs each character-string of a TXT record as its own
 * answer, unquoted (suricata-verify dns/bug-1158); the decoder renders them JSON-quoted, space-separated.
 */
function rdataOf(r: DnsRecord): string[] {
  if (r.type !== 16) return [r.data];
  const parts = r.data.match(/"(?:[^"\\]|\\.)*"/g);
  if (!parts) return [r.data];
  return parts.map((q) => JSON.parse(q) as string);
}

/** The EVE dns record (version 3: "request" / "response" with queries, answers, authorities, grouped). */
export function dnsToEve(p: Packet, ts: number, iface?: string, pcapCnt = false): EveRecord | null {
  const m = p.dns;
  if (!m || !(p.layers & LAYER_DNS)) return null;
  const rec = tuple(p, iface, pcapCnt, ts, 'dns', false);
  const flags = ((m.qr ? 1 : 0) << 15) | ((m.opcode & 15) << 11) | ((m.aa ? 1 : 0) << 10) | ((m.tc ? 1 : 0) << 9) | ((m.rd ? 1 : 0) << 8) | ((m.ra ? 1 : 0) << 7) | (m.rcode & 15);
  const dns: Record<string, unknown> = { version: 3, type: m.qr ? 'response' : 'request', id: m.id, flags: flags.toString(16).padStart(4, '0') };
  // Suricata writes each flag only when it is set.
  if (m.qr) dns.qr = true;
  if (m.aa) dns.aa = true;
  if (m.tc) dns.tc = true;
  if (m.rd) dns.rd = true;
  if (m.ra) dns.ra = true;
  dns.opcode = m.opcode;
  dns.rcode = RCODES[m.rcode] ?? String(m.rcode);
  dns.queries = m.questions.map((q) => ({ rrname: q.name, rrtype: rrtype(q.type) }));
  if (m.qr) {
    const rr = (r: DnsRecord): Array<Record<string, unknown>> => rdataOf(r).map((rdata) => ({ rrname: r.name, rrtype: rrtype(r.type), ttl: r.ttl, rdata }));
    if (m.answers.length) dns.answers = m.answers.flatMap(rr);
    if (m.authorities.length) dns.authorities = m.authorities.flatMap(rr);
    if (m.answers.length) {
      const grouped: Record<string, string[]> = {};
      for (const r of m.answers) (grouped[rrtype(r.type)] ??= []).push(...rdataOf(r));
      dns.grouped = grouped;
    }
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

/** Adds a response's fields (status, content type, length, response_headers) to an http object. */
function addResponse(http: Record<string, unknown>, p: Packet): void {
  const h = p.http;
  if (!h) return;
  const loc = h.headers.find(([k]) => k.toLowerCase() === 'location')?.[1];
  if (h.contentType !== null) http.http_content_type = h.contentType;
  if (http.protocol === undefined) http.protocol = h.version;
  if (h.status !== null) http.status = h.status;
  if (loc !== undefined) http.redirect = loc;
  if (h.contentLength !== null) http.length = h.contentLength;
  http.response_headers = h.headers.map(([name, value]) => ({ name, value }));
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
    http.protocol = h.version;
    if (h.contentLength !== null) http.length = h.contentLength;
    http.request_headers = h.headers.map(([name, value]) => ({ name, value }));
  } else {
    addResponse(http, p);
  }
  rec.app_proto = 'http';
  rec.http = http;
  return rec;
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
  const fid = flowIdOf(proto, flow.src, flow.dst, sport, dport);
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

export interface EveOptions {
  /** Capture interface name for in_iface (omitted when reading a file, as Suricata does). */
  iface?: string;
  /** Add pcap_cnt (the frame number) to dns/http records, as Suricata does when reading a pcap. */
  pcapCount?: boolean;
  /** Error messages (cannot write the file); default stderr. */
  log?: (message: string) => void;
  /** Where finished lines go instead of the file (filetype redis: eve-redis.ts); it queues, never blocks. */
  transport?: { push(line: string): void };
}

/**
 * Lines held between writes; beyond this new records are dropped and counted (the first records of an
 * attack are kept, and dropping costs nothing: shifting the oldest out of a full array was O(n) a record).
 */
const MAX_BUFFERED = 100_000;
/** Flows with a request waiting for its response; beyond this the oldest is written without one. */
const MAX_OPEN_HTTP = 10_000;
/** A request whose response has not come within this much packet time is written alone. */
const HTTP_PAIR_MS = 60_000;
/** Flow ids remembered as having had an alert (flow.alerted); beyond this the oldest are forgotten. */
const MAX_ALERTED = 65_536;
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
  private errorShown = false;
  /** Records dropped because more than MAX_BUFFERED waited for the disk. */
  dropped = 0;
  /** Set by finalRecords(): the records made at exit are all written, whatever their number. */
  private keepAll = false;
  /** Requests waiting for their response, per flow (community id), oldest first within a flow. */
  private openHttp = new Map<string, OpenRequest[]>();
  /** Flow ids named by an alert (for flow.alerted), oldest first. */
  private readonly alerted = new Set<number>();
  /** Per flow id: app_proto and transaction counters (tx_id), oldest first; dropped when the flow ends. */
  private readonly flows = new Map<number, FlowState>();
  private lastTs = 0;

  constructor(
    readonly settings: EveSettings,
    private readonly opts: EveOptions = {},
  ) {}

  onAlert(alert: Alert): void {
    const rec = alertToEve(alert, this.opts.iface);
    if (rec.flow_id !== undefined) {
      if (this.alerted.size >= MAX_ALERTED) this.alerted.delete(this.alerted.values().next().value as number);
      this.alerted.add(rec.flow_id);
    }
    this.push(rec);
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
  onPacket(p: Packet, now?: number): void {
    if (!(p.layers & (LAYER_DNS | LAYER_HTTP))) return;
    if (this.settings.dns && p.layers & LAYER_DNS) this.writeDns(p, now);
    if (this.settings.http && p.layers & LAYER_HTTP && p.layers & LAYER_TCP) this.writeHttp(p, now);
  }

  writeDns(p: Packet, now?: number): void {
    if (!(p.layers & (LAYER_UDP | LAYER_TCP))) return;
    const rec = dnsToEve(p, now ?? p.ts, this.opts.iface, this.opts.pcapCount);
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
        this.push(open.rec);
        return;
      }
      const rec = httpToEve(p, ts, this.opts.iface, this.opts.pcapCount);
      if (rec) this.push(this.httpTransaction(rec));
      return;
    }
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
    if (this.opts.transport) {
      this.opts.transport.push(JSON.stringify(rec));
      return;
    }
    if (this.lines.length >= MAX_BUFFERED && !this.keepAll) {
      this.dropped++;
      return;
    }
    this.lines.push(JSON.stringify(rec));
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.settings.flush_interval);
      this.timer.unref();
    }
  }

  async flush(): Promise<void> {
    if (this.openHttp.size) this.expireHttp(this.lastTs - HTTP_PAIR_MS);
    while (this.writing) await this.writing;
    if (this.lines.length === 0) return;
    const chunk = this.lines.join('\n') + '\n';
    this.lines = [];
    this.writing = appendFile(this.settings.file, chunk)
      .catch((e: unknown) => {
        if (!this.errorShown) {
          this.errorShown = true;
          (this.opts.log ?? ((m: string) => process.stderr.write(`netguard: ${m}\n`)))(`cannot write EVE output ${this.settings.file}: ${(e as Error).message}`);
        }
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

/** Builds the EVE sink from the whole settings document (for the sink registry). */
export function createEveSink(settings: Settings, opts: EveOptions = {}): EveSink {
  return new EveSink(settings.outputs.eve, opts);
}
