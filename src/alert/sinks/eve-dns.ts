// The `dns` object of an EVE dns record (version 3), written the way Suricata's rust/src/dns/log.rs
// writes it: flags as `{:x}` of the header word, type mnemonics from Suricata's own list (others by
// number), rdata only for the types Suricata logs it for, SOA/SRV/SSHFP as objects, OPT options in
// additionals, and `grouped` only for the types its schema (etc/schema.json) allows there.
import type { DnsMessage, DnsRecord } from '../../decode/packet.js';

/** Suricata's DNSRecordType names (rust/src/dns/dns.rs): types outside it are logged by number (AXFR is 252). */
const SURICATA_TYPES: Record<number, string> = {
  1: 'A', 2: 'NS', 3: 'MD', 4: 'MF', 5: 'CNAME', 6: 'SOA', 7: 'MB', 8: 'MG', 9: 'MR', 10: 'NULL', 11: 'WKS',
  12: 'PTR', 13: 'HINFO', 14: 'MINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 18: 'AFSDB', 19: 'X25', 20: 'ISDN',
  21: 'RT', 22: 'NSAP', 23: 'NSAPPTR', 24: 'SIG', 25: 'KEY', 26: 'PX', 27: 'GPOS', 28: 'AAAA', 29: 'LOC',
  30: 'NXT', 33: 'SRV', 34: 'ATMA', 35: 'NAPTR', 36: 'KX', 37: 'CERT', 38: 'A6', 39: 'DNAME', 41: 'OPT',
  42: 'APL', 43: 'DS', 44: 'SSHFP', 45: 'IPSECKEY', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 49: 'DHCID',
  50: 'NSEC3', 51: 'NSEC3PARAM', 52: 'TLSA', 55: 'HIP', 59: 'CDS', 60: 'CDNSKEY', 65: 'HTTPS', 99: 'SPF',
  249: 'TKEY', 250: 'TSIG', 254: 'MAILA', 255: 'ANY', 256: 'URI',
};

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

/** Types whose answers Suricata also lists in `grouped` (the keys etc/schema.json allows). */
const GROUPED_TYPES = new Set([1, 28, 5, 15, 2, 10, 12, 6, 33, 44, 16]);

/** Placeholder the decoder shows for a name with a forward compression pointer (decode/dns.ts). */
export const FORWARD_POINTER_NAME = '<Name contains a forward pointer>';

export function eveRrtype(t: number): string {
  return SURICATA_TYPES[t] ?? String(t);
}

/** The decoder writes the root as "<Root>"; Suricata writes the empty name. */
function eveName(n: string): string {
  return n === '<Root>' ? '' : n;
}

/** An AAAA address as Suricata prints it: eight groups of four hex digits, nothing compressed. */
export function fullIpv6(text: string): string {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  // An IPv4-mapped tail ("::ffff:1.2.3.4") is two groups.
  const groups = (list: string[]): string[] =>
    list.flatMap((g) => {
      if (!g.includes('.')) return [g];
      const b = g.split('.').map(Number);
      return [((b[0] << 8) | b[1]).toString(16), ((b[2] << 8) | b[3]).toString(16)];
    });
  const hg = groups(h);
  const tg = groups(t);
  const mid = tail !== undefined ? Array<string>(Math.max(0, 8 - hg.length - tg.length)).fill('0') : [];
  return [...hg, ...mid, ...tg].map((g) => g.padStart(4, '0')).join(':');
}

function hexBytes(h: string): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < h.length; i += 2) out.push(parseInt(h.slice(i, i + 2), 16));
  return out;
}

/** The decoder's rdata text split back into its fields (see renderRdata in decode/dns.ts). */
function soaOf(data: string): Record<string, unknown> | null {
  // "mname rname serial refresh retry expire minimum": five numbers at the end, two names before them.
  const m = /^(\S+) (\S+) (\d+) (\d+) (\d+) (\d+) (\d+)$/.exec(data);
  if (!m) return null;
  return { mname: eveName(m[1]), rname: eveName(m[2]), serial: Number(m[3]), refresh: Number(m[4]), retry: Number(m[5]), expire: Number(m[6]), minimum: Number(m[7]) };
}

function srvOf(data: string): Record<string, unknown> | null {
  const m = /^(\d+) (\d+) (\d+) (.*)$/.exec(data);
  if (!m) return null;
  return { priority: Number(m[1]), weight: Number(m[2]), port: Number(m[3]), name: eveName(m[4]) };
}

/** SSHFP (RFC 4255): algorithm, fingerprint type, fingerprint (hex pairs joined by ':', as Suricata writes it). */
function sshfpOf(data: string): Record<string, unknown> | null {
  if (!/^[0-9a-f]*$/.test(data) || data.length < 4) return null;
  const b = hexBytes(data);
  return { fingerprint: b.slice(2).map((x) => x.toString(16).padStart(2, '0')).join(':'), algo: b[0], type: b[1] };
}

/** EDNS options (RFC 6891 §6.1.2) of an OPT record's rdata: code and hex data each. */
function optOf(data: string): Array<{ code: number; data: string }> | null {
  if (!/^[0-9a-f]*$/.test(data)) return null;
  const b = hexBytes(data);
  const out: Array<{ code: number; data: string }> = [];
  for (let i = 0; i + 4 <= b.length; ) {
    const len = (b[i + 2] << 8) | b[i + 3];
    if (i + 4 + len > b.length) break;
    out.push({ code: (b[i] << 8) | b[i + 1], data: b.slice(i + 4, i + 4 + len).map((x) => x.toString(16).padStart(2, '0')).join('') });
    i += 4 + len;
  }
  return out;
}

/** TXT character-strings: the decoder renders them JSON-quoted and space-separated. */
function txtOf(data: string): string[] {
  const parts = data.match(/"(?:[^"\\]|\\.)*"/g);
  return parts ? parts.map((q) => JSON.parse(q) as string) : [data];
}

/** The value of one record as Suricata logs it (in `answers` and in `grouped`), or null for none. */
function valueOf(r: DnsRecord): { rdata?: string[]; soa?: object; srv?: object; sshfp?: object; opt?: object[] } | null {
  switch (r.type) {
    case 1:
      return { rdata: [r.data] };
    case 28:
      return { rdata: [r.data.includes(':') ? fullIpv6(r.data) : r.data] };
    case 2:
    case 5:
    case 12:
      return { rdata: [eveName(r.data)] };
    case 15: {
      // Suricata logs an MX record's exchange name alone.
      const sp = r.data.indexOf(' ');
      return { rdata: [eveName(sp >= 0 ? r.data.slice(sp + 1) : r.data)] };
    }
    case 16:
      return { rdata: txtOf(r.data) };
    case 10:
      return { rdata: [String.fromCharCode(...hexBytes(r.data))] };
    case 6: {
      const soa = soaOf(r.data);
      return soa ? { soa } : null;
    }
    case 33: {
      const srv = srvOf(r.data);
      return srv ? { srv } : null;
    }
    case 44: {
      const sshfp = sshfpOf(r.data);
      return sshfp ? { sshfp } : null;
    }
    case 41: {
      const opt = optOf(r.data);
      return opt && opt.length ? { opt } : null;
    }
    default:
      return null;
  }
}

/**
 * One record as Suricata's dns_log_json_answer_detail writes it: rrname, rrtype, ttl, then its value
 * (a TXT record gives one entry per character-string). `structured` is false in additionals, whose
 * schema allows rdata and opt but not soa/srv/sshfp objects.
 */
function details(r: DnsRecord, structured = true): Array<Record<string, unknown>> {
  const head = { rrname: eveName(r.name), rrtype: eveRrtype(r.type), ttl: r.ttl };
  const v = valueOf(r);
  if (v === null) return [head];
  if (v.rdata) return v.rdata.map((rdata) => ({ ...head, rdata }));
  if (v.opt) return [{ ...head, opt: v.opt }];
  if (!structured) return [head];
  return [{ ...head, ...v }];
}

/**
 * The dns object (without tx_id, which the sink numbers): version 3, one message per record as
 * Suricata 8 logs DNS. Answers, authorities and additionals are written for any message that has them.
 */
export function dnsObject(m: DnsMessage): Record<string, unknown> {
  const f = m.flags & 0xffff;
  const dns: Record<string, unknown> = { version: 3, type: m.qr ? 'response' : 'request', id: m.id, flags: f.toString(16) };
  // Suricata writes each flag only when it is set; AD and CD are in `flags` only.
  if (f & 0x8000) dns.qr = true;
  if (f & 0x0400) dns.aa = true;
  if (f & 0x0200) dns.tc = true;
  if (f & 0x0100) dns.rd = true;
  if (f & 0x0080) dns.ra = true;
  if (f & 0x0040) dns.z = true;
  dns.opcode = (f >> 11) & 15;
  dns.rcode = RCODES[f & 15] ?? String(f & 15);
  if (m.questions.length) dns.queries = m.questions.map((q) => ({ rrname: eveName(q.name), rrtype: eveRrtype(q.type) }));
  const answers = m.answers;
  if (answers.length) {
    dns.answers = answers.flatMap((r) => details(r));
    const grouped: Record<string, unknown[]> = {};
    for (const r of answers) {
      if (!GROUPED_TYPES.has(r.type)) continue;
      const v = valueOf(r);
      if (v === null) continue;
      const list = (grouped[eveRrtype(r.type)] ??= []);
      if (v.rdata) list.push(...v.rdata);
      else list.push(v.soa ?? v.srv ?? v.sshfp);
    }
    if (Object.keys(grouped).length) dns.grouped = grouped;
  }
  if (m.authorities.length) dns.authorities = m.authorities.flatMap((r) => details(r));
  // An OPT record with no options is left out, as Suricata does.
  const adds = m.additionals.filter((r) => !(r.type === 41 && valueOf(r) === null));
  if (adds.length) dns.additionals = adds.flatMap((r) => details(r, false));
  return dns;
}

/**
 * Question names of the message at [off, end) read the way Suricata reads names (rust/src/dns/parser.rs
 * dns_parse_name): compression pointers followed in either direction, at most 255 steps. Used for the
 * names the decoder refused for a forward pointer (RFC 1035 §4.1.4 says pointers go back), which
 * Suricata logs by name (suricata-verify dns-forward-pointer). Null where a name cannot be read.
 */
export function suricataQuestionNames(b: Uint8Array, off: number, end: number): Array<string | null> {
  if (end - off < 12) return [];
  const qd = (b[off + 4] << 8) | b[off + 5];
  const out: Array<string | null> = [];
  let pos = off + 12;
  for (let i = 0; i < qd && pos < end; i++) {
    const r = suricataName(b, off, end, pos);
    if (r === null) break;
    out.push(r.name);
    pos = r.next + 4;
  }
  return out;
}

function suricataName(b: Uint8Array, base: number, end: number, start: number): { name: string; next: number } | null {
  let pos = start;
  let next = -1;
  const labels: string[] = [];
  for (let count = 0; ; count++) {
    if (pos >= end || count > 255) return null;
    const len = b[pos];
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0) {
      if (pos + 1 + len > end) return null;
      let s = '';
      for (let k = pos + 1; k < pos + 1 + len; k++) s += String.fromCharCode(b[k]);
      labels.push(s);
      pos += 1 + len;
    } else if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= end) return null;
      const target = base + (((len & 0x3f) << 8) | b[pos + 1]);
      if (target >= end || target === pos) return null;
      if (next < 0) next = pos + 2;
      pos = target;
    } else {
      return null;
    }
  }
  return { name: labels.join('.'), next };
}
