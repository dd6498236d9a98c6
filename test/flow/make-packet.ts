// Builds decoded Packet objects by hand for flow-state tests (what the decoder would have filled in).
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  LAYER_DNS,
  LAYER_ETH,
  LAYER_ICMP,
  LAYER_ICMPV6,
  LAYER_IPV4,
  LAYER_IPV6,
  LAYER_TCP,
  LAYER_UDP,
  Packet,
  type DnsMessage,
  type IpAddr,
} from '../../src/decode/packet.js';
import { parseIp } from '../../src/decode/addr.js';

export function ip(s: string): IpAddr {
  const a = parseIp(s);
  if (a === null) throw new Error(`bad address in test: ${s}`);
  return a;
}

function base(src: string, dst: string, len: number): Packet {
  const p = new Packet();
  const s = ip(src);
  const d = ip(dst);
  const v6 = typeof s === 'string';
  p.layers = LAYER_ETH | (v6 ? LAYER_IPV6 : LAYER_IPV4);
  p.ipVersion = v6 ? 6 : 4;
  p.ipSrc = s;
  p.ipDst = d;
  p.len = len;
  p.caplen = len;
  p.ipHeaderLen = v6 ? 40 : 20;
  p.ipOffset = 14;
  return p;
}

export interface TcpOpts {
  seq?: number;
  ack?: number;
  payload?: number;
  len?: number;
}

export function tcp(src: string, sport: number, dst: string, dport: number, flags: number, o: TcpOpts = {}): Packet {
  const payload = o.payload ?? 0;
  const p = base(src, dst, o.len ?? 54 + payload);
  p.layers |= LAYER_TCP;
  p.ipProto = IPPROTO_TCP;
  p.srcPort = sport;
  p.dstPort = dport;
  p.tcpFlags = flags;
  p.tcpSeq = (o.seq ?? 1000) >>> 0;
  p.tcpAck = (o.ack ?? 0) >>> 0;
  p.tcpHeaderLen = 20;
  p.payloadOff = 54;
  p.payloadLen = payload;
  return p;
}

export function udp(src: string, sport: number, dst: string, dport: number, payload = 20, dns: DnsMessage | null = null): Packet {
  const p = base(src, dst, 42 + payload);
  p.layers |= LAYER_UDP;
  p.ipProto = IPPROTO_UDP;
  p.srcPort = sport;
  p.dstPort = dport;
  p.udpLen = 8 + payload;
  p.payloadOff = 42;
  p.payloadLen = payload;
  if (dns) {
    p.layers |= LAYER_DNS;
    p.dns = dns;
  }
  return p;
}

/** An ICMP or ICMPv6 echo request/reply; the echo id sits in the frame bytes where the decoder leaves it. */
export function echo(src: string, dst: string, id: number, request: boolean): Packet {
  const p = base(src, dst, 98);
  const v6 = p.ipVersion === 6;
  p.layers |= v6 ? LAYER_ICMPV6 : LAYER_ICMP;
  p.ipProto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
  p.icmpType = v6 ? (request ? 128 : 129) : request ? 8 : 0;
  const icmpOff = 14 + p.ipHeaderLen;
  const data = new Uint8Array(icmpOff + 8 + 56);
  data[icmpOff] = p.icmpType;
  data[icmpOff + 4] = id >> 8;
  data[icmpOff + 5] = id & 255;
  p.data = data;
  p.frame = data;
  p.payloadOff = icmpOff + 8;
  p.payloadLen = 56;
  return p;
}

/** ICMP port unreachable (type 3 code 3, or ICMPv6 1/4) from `from`, quoting a packet src:sport -> dst:dport. */
export function unreachable(from: string, to: string, proto: number, qsrc: string, qsport: number, qdst: string, qdport: number): Packet {
  const p = base(from, to, 70);
  const v6 = p.ipVersion === 6;
  p.layers |= v6 ? LAYER_ICMPV6 : LAYER_ICMP;
  p.ipProto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
  p.icmpType = v6 ? 1 : 3;
  p.icmpCode = v6 ? 4 : 3;
  const q = p.icmpQuoted;
  q.present = true;
  q.ipVersion = v6 ? 6 : 4;
  q.src = ip(qsrc);
  q.dst = ip(qdst);
  q.proto = proto;
  q.srcPort = qsport;
  q.dstPort = qdport;
  return p;
}

export function dnsMsg(id: number, qr: boolean, name: string, type: number, rcode = 0, answers: string[] = []): DnsMessage {
  return {
    id,
    qr,
    opcode: 0,
    aa: false,
    tc: false,
    rd: true,
    ra: qr,
    rcode,
    questions: [{ name, type, class: 1 }],
    answers: answers.map((data) => ({ name, type, class: 1, ttl: 60, data })),
    authorities: [],
    additionals: [],
  };
}
