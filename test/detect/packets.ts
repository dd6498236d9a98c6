// Hand-built decoded packets for detector unit tests: fill the Packet fields a decoder would.
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  LAYER_ETH,
  LAYER_HTTP,
  LAYER_ICMP,
  LAYER_ICMPV6,
  LAYER_IPV4,
  LAYER_IPV6,
  LAYER_TCP,
  LAYER_UDP,
  Packet,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  parseIpv4,
  decodeHttp,
} from '../../src/decode/index.js';
import type { Detector } from '../../src/detect/types.js';
import type { Detection } from '../../src/alert/types.js';

export const SYN = TCP_SYN;
export const ACK = TCP_ACK;
export const RST = TCP_RST;
export const FIN = TCP_FIN;
export const PSH = TCP_PSH;
export const URG = TCP_URG;
export const SYNACK = TCP_SYN | TCP_ACK;
export const RSTACK = TCP_RST | TCP_ACK;
export const XMAS = TCP_FIN | TCP_PSH | TCP_URG;

function addr(a: string): number | string {
  return a.includes(':') ? a : parseIpv4(a)!;
}

function ip(p: Packet, src: string, dst: string, proto: number, len: number): void {
  p.ipSrc = addr(src);
  p.ipDst = addr(dst);
  const v6 = typeof p.ipSrc === 'string';
  p.layers |= LAYER_ETH | (v6 ? LAYER_IPV6 : LAYER_IPV4);
  p.ipVersion = v6 ? 6 : 4;
  p.ipProto = proto;
  p.ipTtl = 64;
  p.len = len;
  p.caplen = len;
}

export interface TcpOpts {
  /** OS-style SYN options (window scale, SACK, timestamps) as connect() sends them. */
  os?: boolean;
  payload?: string | number;
  len?: number;
}

export function tcp(src: string, sport: number, dst: string, dport: number, flags: number, o: TcpOpts = {}): Packet {
  const p = new Packet();
  const payload = typeof o.payload === 'string' ? new TextEncoder().encode(o.payload) : new Uint8Array(o.payload ?? 0);
  ip(p, src, dst, IPPROTO_TCP, o.len ?? 54 + payload.length);
  p.layers |= LAYER_TCP;
  p.srcPort = sport;
  p.dstPort = dport;
  p.tcpFlags = flags;
  p.tcpWin = o.os ? 64240 : 1024;
  p.tcpHeaderLen = 20;
  if (flags & TCP_SYN) p.tcpMss = 1460;
  if (o.os && flags & TCP_SYN) {
    p.tcpWscale = 7;
    p.tcpSackOk = true;
    p.tcpTsVal = 12345;
    p.tcpTsEcr = 0;
  }
  p.data = payload;
  p.frame = payload;
  p.view = new DataView(payload.buffer);
  p.payloadOff = 0;
  p.payloadLen = payload.length;
  return p;
}

export function udp(src: string, sport: number, dst: string, dport: number, payloadLen = 0): Packet {
  const p = new Packet();
  ip(p, src, dst, IPPROTO_UDP, 42 + payloadLen);
  p.layers |= LAYER_UDP;
  p.srcPort = sport;
  p.dstPort = dport;
  p.udpLen = 8 + payloadLen;
  p.payloadLen = payloadLen;
  p.data = new Uint8Array(payloadLen);
  return p;
}

/** ICMP (or ICMPv6 for IPv6 addresses) error quoting the datagram orig: from -> to. */
export function icmpError(from: string, to: string, type: number, code: number, orig: Packet): Packet {
  const p = new Packet();
  const v6 = from.includes(':');
  ip(p, from, to, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, 70);
  p.layers |= v6 ? LAYER_ICMPV6 : LAYER_ICMP;
  p.icmpType = type;
  p.icmpCode = code;
  p.icmpQuoted = {
    present: true,
    ipVersion: orig.ipVersion,
    src: orig.ipSrc,
    dst: orig.ipDst,
    proto: orig.ipProto,
    srcPort: orig.srcPort,
    dstPort: orig.dstPort,
  };
  return p;
}

export function portUnreachable(from: string, to: string, orig: Packet): Packet {
  return from.includes(':') ? icmpError(from, to, 1, 4, orig) : icmpError(from, to, 3, 3, orig);
}

export function echo(src: string, dst: string, reply = false): Packet {
  const p = new Packet();
  const v6 = src.includes(':');
  ip(p, src, dst, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, 98);
  p.layers |= v6 ? LAYER_ICMPV6 : LAYER_ICMP;
  p.icmpType = v6 ? (reply ? 129 : 128) : reply ? 0 : 8;
  return p;
}

/** An HTTP request as the decoder would present it (request line, headers, body in this packet). */
export function httpRequest(
  src: string,
  dst: string,
  method: string,
  uri: string,
  headers: Array<[string, string]> = [],
  body = '',
): Packet {
  const hs: Array<[string, string]> = [['Host', dst], ...headers];
  const head = `${method} ${uri} HTTP/1.1\r\n${hs.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
  const p = tcp(src, 40000, dst, 80, TCP_ACK | TCP_PSH, { payload: head + body });
  // Decoded as decodePacket decodes it: into the packet's own head, read off the packet's bytes.
  const m = decodeHttp(p.data, 0, p.data.length, p.events, undefined, p.httpHead);
  if (m === null) throw new Error(`not an HTTP request: ${head}`);
  p.http = m;
  p.layers |= LAYER_HTTP;
  return p;
}

/** Collects detections; `feed` gives each packet to the detector at the given time. */
export class Harness {
  readonly detections: Detection[] = [];
  readonly det: Detector;
  constructor(make: (raise: (d: Detection) => void) => Detector) {
    this.det = make((d) => this.detections.push(d));
  }
  feed(p: Packet, now: number): this {
    p.ts = now;
    this.det.onPacket(p);
    return this;
  }
  tick(now: number): this {
    this.det.onTick?.(now);
    return this;
  }
  types(): string[] {
    return [...new Set(this.detections.map((d) => d.type))].sort();
  }
  of(type: string): Detection[] {
    return this.detections.filter((d) => d.type === type);
  }
}
