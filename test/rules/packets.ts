// Builds decoded packets for rule and reputation tests (fields set as the decoders would set them).
import { parseIp } from '../../src/decode/addr.js';
import { LAYER_DNS, LAYER_HTTP, LAYER_ICMP, LAYER_IPV4, LAYER_IPV6, LAYER_TCP, LAYER_UDP, Packet, type HttpMessage } from '../../src/decode/packet.js';

export interface Spec {
  proto?: 'tcp' | 'udp' | 'icmp';
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  flags?: number;
  len?: number;
  ttl?: number;
  payload?: number;
  qname?: string;
  qtype?: number;
  http?: Partial<HttpMessage>;
}

export function pkt(s: Spec = {}): Packet {
  const p = new Packet();
  const src = parseIp(s.src ?? '10.0.0.1');
  const dst = parseIp(s.dst ?? '10.0.0.2');
  if (src === null || dst === null) throw new Error('bad address in test');
  p.ipVersion = typeof src === 'number' ? 4 : 6;
  p.layers |= p.ipVersion === 4 ? LAYER_IPV4 : LAYER_IPV6;
  p.ipSrc = src;
  p.ipDst = dst;
  p.ipTtl = s.ttl ?? 64;
  p.len = s.len ?? 60;
  p.payloadLen = s.payload ?? 0;
  const proto = s.proto ?? 'tcp';
  if (proto === 'tcp') {
    p.layers |= LAYER_TCP;
    p.ipProto = 6;
    p.tcpFlags = s.flags ?? 0x02;
  } else if (proto === 'udp') {
    p.layers |= LAYER_UDP;
    p.ipProto = 17;
  } else {
    p.layers |= LAYER_ICMP;
    p.ipProto = 1;
    p.icmpType = 8;
  }
  if (proto !== 'icmp') {
    p.srcPort = s.sport ?? 40000;
    p.dstPort = s.dport ?? 80;
  }
  if (s.qname !== undefined) {
    p.layers |= LAYER_DNS;
    p.dns = { id: 1, flags: 0x0100, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0, questions: [{ name: s.qname, type: s.qtype ?? 1, class: 1 }], answers: [], authorities: [], additionals: [] };
  }
  if (s.http) {
    p.layers |= LAYER_HTTP;
    p.http = { kind: 'request', method: 'GET', uri: '/', version: 'HTTP/1.1', status: null, reason: null, host: null, userAgent: null, contentType: null, contentLength: null, headers: [], bodyOff: 0, bodyLen: 0, ...s.http };
  }
  return p;
}
