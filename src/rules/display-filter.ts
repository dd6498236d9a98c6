// A display filter for packet lists and connections (a small subset of tshark's -Y): addresses with
// CIDR, ports, protocol names, comparisons, `in` lists, and/or/not (also && || !), parsed by the rule
// language's parser (src/rules/parser.ts), so its syntax errors point at the column the same way.
//
//   ip.addr == 10.0.0.0/8 and not port 22        tcp and dst_port in [80, 443, 8000-8080]
//   ip.src == 192.0.2.1 or udp                    http or dns
//
// It filters rows views already have (a packet line, a connection), not decoded packets: views read the
// engine's snapshot, never the packets themselves.
import { parseCidr, type Cidr } from '../decode/addr.js';
import type { Expr, Value } from './ast.js';
import { RuleSyntaxError, type Token } from './lexer.js';
import { parseCondition } from './parser.js';

/** What a filter reads of a row: a packet line or a connection. */
export interface FilterRow {
  /** Protocol shown ("TCP", "DNS", "HTTP", "ARP", ...). */
  proto: string;
  /** Transport under an application protocol ("TCP", "UDP"), when proto names the application. */
  transport?: string;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
}

export type DisplayFilter = (row: FilterRow) => boolean;

/** A filter's syntax or meaning error: message, and the column (1-based) and width it points at. */
export class DisplayFilterError extends Error {
  constructor(
    message: string,
    readonly column: number,
    readonly width: number,
    readonly text: string,
  ) {
    super(message);
    this.name = 'DisplayFilterError';
  }

  /** "col N: message", then the filter and a caret under the spot (as rule errors show them). */
  get excerpt(): string {
    return `col ${this.column}: ${this.message}\n  ${this.text}\n  ${' '.repeat(this.column - 1)}${'^'.repeat(Math.max(1, this.width))}`;
  }
}

type Getter = { kind: 'addr'; get: (r: FilterRow) => string[] } | { kind: 'port'; get: (r: FilterRow) => number[] } | { kind: 'flag'; get: (r: FilterRow) => boolean };

const upper = (r: FilterRow): string => r.proto.toUpperCase();
const isProto = (name: string) => (r: FilterRow): boolean => upper(r) === name || (r.transport ?? '').toUpperCase() === name;
const ports = (r: FilterRow): number[] => (r.srcPort || r.dstPort ? [r.srcPort, r.dstPort] : []);

const FIELDS: Record<string, Getter> = {
  'ip.addr': { kind: 'addr', get: (r) => [r.src, r.dst] },
  host: { kind: 'addr', get: (r) => [r.src, r.dst] },
  'ip.src': { kind: 'addr', get: (r) => [r.src] },
  src_ip: { kind: 'addr', get: (r) => [r.src] },
  'ip.dst': { kind: 'addr', get: (r) => [r.dst] },
  dst_ip: { kind: 'addr', get: (r) => [r.dst] },
  port: { kind: 'port', get: ports },
  'tcp.port': { kind: 'port', get: (r) => (isProto('TCP')(r) ? ports(r) : []) },
  'udp.port': { kind: 'port', get: (r) => (isProto('UDP')(r) ? ports(r) : []) },
  src_port: { kind: 'port', get: (r) => (r.srcPort ? [r.srcPort] : []) },
  dst_port: { kind: 'port', get: (r) => (r.dstPort ? [r.dstPort] : []) },
  'tcp.srcport': { kind: 'port', get: (r) => (isProto('TCP')(r) && r.srcPort ? [r.srcPort] : []) },
  'tcp.dstport': { kind: 'port', get: (r) => (isProto('TCP')(r) && r.dstPort ? [r.dstPort] : []) },
  'udp.srcport': { kind: 'port', get: (r) => (isProto('UDP')(r) && r.srcPort ? [r.srcPort] : []) },
  'udp.dstport': { kind: 'port', get: (r) => (isProto('UDP')(r) && r.dstPort ? [r.dstPort] : []) },
  tcp: { kind: 'flag', get: isProto('TCP') },
  udp: { kind: 'flag', get: isProto('UDP') },
  icmp: { kind: 'flag', get: (r) => isProto('ICMP')(r) || isProto('ICMPV6')(r) },
  icmpv6: { kind: 'flag', get: isProto('ICMPV6') },
  dns: { kind: 'flag', get: isProto('DNS') },
  http: { kind: 'flag', get: isProto('HTTP') },
  arp: { kind: 'flag', get: isProto('ARP') },
  ip: { kind: 'flag', get: (r) => r.src !== '' && !isProto('ARP')(r) },
  ipv6: { kind: 'flag', get: (r) => r.src.includes(':') },
};

/** The field names, for help text. */
export const DISPLAY_FILTER_FIELDS = Object.keys(FIELDS);

/** Parses a display filter; '' (or blanks) matches everything. Throws DisplayFilterError. */
export function parseDisplayFilter(text: string): DisplayFilter {
  if (text.trim() === '') return () => true;
  const fail = (msg: string, t: Token | { start: number; end: number }): never => {
    throw new DisplayFilterError(msg, t.start + 1, Math.max(1, t.end - t.start), text);
  };
  let e: Expr;
  try {
    e = parseCondition(text);
  } catch (x) {
    if (x instanceof RuleSyntaxError) throw new DisplayFilterError(x.message.replace(/\bcondition\b/g, 'filter'), x.start + 1, Math.max(1, x.end - x.start), text);
    throw x;
  }
  const field = (t: Token): Getter => {
    const g = FIELDS[t.text.toLowerCase()];
    if (!g) {
      const near = DISPLAY_FILTER_FIELDS.filter((f) => f.startsWith(t.text.toLowerCase().split('.')[0])).slice(0, 4);
      return fail(`unknown field '${t.text}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; fields: ${DISPLAY_FILTER_FIELDS.join(', ')}`, t);
    }
    return g;
  };
  const addrOf = (v: Value): Cidr => {
    const c = v.kind === 'addr' || v.kind === 'string' ? parseCidr(v.kind === 'addr' ? v.text : v.s) : null;
    if (!c) return fail(`expected an address or CIDR block such as 10.0.0.0/8, found '${v.tok.text}'`, v.tok);
    return c;
  };
  const portTest = (v: Value): ((n: number) => boolean) => {
    if (v.kind === 'number' && Number.isInteger(v.n) && v.n >= 0 && v.n <= 65535) return (n) => n === v.n;
    if (v.kind === 'range' && v.hi <= 65535) return (n) => n >= v.lo && n <= v.hi;
    return fail(`expected a port (0-65535) or a range such as 8000-8080, found '${v.tok.text}'`, v.tok);
  };
  const compile = (x: Expr): DisplayFilter => {
    switch (x.k) {
      case 'and': {
        const l = compile(x.l);
        const r = compile(x.r);
        return (row) => l(row) && r(row);
      }
      case 'or': {
        const l = compile(x.l);
        const r = compile(x.r);
        return (row) => l(row) || r(row);
      }
      case 'not': {
        const inner = compile(x.e);
        return (row) => !inner(row);
      }
      case 'flag': {
        const g = field(x.field);
        if (g.kind !== 'flag') return fail(`'${x.field.text}' needs a comparison (for example ${x.field.text} == ${g.kind === 'addr' ? '10.0.0.1' : '80'})`, x.field);
        return g.get;
      }
      case 'cmp': {
        const g = field(x.field);
        if (g.kind === 'flag') return fail(`'${x.field.text}' is a protocol: use it alone (${x.field.text}, not ${x.field.text}) rather than comparing it`, x.opTok);
        if (g.kind === 'addr') {
          if (x.op !== '==' && x.op !== '!=') return fail(`addresses compare with == or != only`, x.opTok);
          const c = addrOf(x.value);
          const get = g.get;
          // As in tshark, `ip.addr != X` means no address of the packet is X.
          return x.op === '==' ? (r) => get(r).some((a) => c.match(parseAddr(a))) : (r) => !get(r).some((a) => c.match(parseAddr(a)));
        }
        if (x.value.kind !== 'number' || !Number.isInteger(x.value.n) || x.value.n > 65535) {
          return fail(`expected a port (0-65535) after '${x.op}', found '${x.value.tok.text}'`, x.value.tok);
        }
        const n = x.value.n;
        const get = g.get;
        const op = x.op;
        const test = (p: number): boolean =>
          op === '==' ? p === n : op === '!=' ? p !== n : op === '<' ? p < n : op === '<=' ? p <= n : op === '>' ? p > n : p >= n;
        return op === '!=' ? (r) => !get(r).some((p) => p === n) : (r) => get(r).some(test);
      }
      case 'in': {
        const g = field(x.field);
        if (g.kind === 'flag') return fail(`'${x.field.text}' is a protocol: it takes no 'in'`, x.opTok);
        if (g.kind === 'addr') {
          const cs = x.values.map(addrOf);
          const get = g.get;
          return (r) => get(r).some((a) => {
            const ip = parseAddr(a);
            return cs.some((c) => c.match(ip));
          });
        }
        const tests = x.values.map(portTest);
        const get = g.get;
        return (r) => get(r).some((p) => tests.some((t) => t(p)));
      }
      case 'contains':
      case 'matches':
        return fail(`'${x.opTok.text}' is not part of display filters (addresses, ports and protocols only)`, x.opTok);
    }
  };
  return compile(e);
}

/** A row's address text as parseCidr's match() wants it (IPv4 as a number). */
function parseAddr(s: string): number | string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (m) return ((+m[1] << 24) | (+m[2] << 16) | (+m[3] << 8) | +m[4]) >>> 0;
  return s;
}
