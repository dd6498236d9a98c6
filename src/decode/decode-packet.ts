// The decode driver: walks link -> network -> transport -> application through the registry's dispatch
// tables, filling one reused Packet. Never throws on packet bytes; allocates nothing for the common layers.
import type { RawPacket } from '../capture/types.js';
import type { Packet } from './packet.js';
import * as packetConsts from './packet.js';
import { EV_LINK_UNKNOWN_LINKTYPE } from './events.js';
import * as registry from './registry.js';
import * as ethertypes from './ethertypes.js';
import * as ethernet from './ethernet.js';
import * as ipv4 from './ipv4.js';
import * as ipv6 from './ipv6.js';
import * as tcp from './tcp.js';
import * as udp from './udp.js';
import * as dns from './dns.js';
import * as http from './http.js';
import type { Reassembler } from './reassembly.js';

// Module-local copies of what the packet path reads from other modules (constants, and the decoders it
// calls directly): V8 reads an imported binding through its module cell, with a hole check, at every use in
// optimized code; a module-local const is a constant there (a harness: 74 -> 23 instructions a call for six
// constants).
const { decodeIpv6 } = ipv6;
const { decodeDns, decodeDnsTcp } = dns;
const { decodeHttp, httpStart } = http;
const { decodeUdp } = udp;
const { decodeTcp } = tcp;
const { decodeIpv4 } = ipv4;
const { decodeEthernet } = ethernet;
const { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } = ethertypes;
const { DNS_TCP_PORTS, DNS_UDP_PORTS, ETHERTYPE_DECODERS, IPPROTO_DECODERS, LINK_DECODERS, LINKTYPE_ETHERNET } = registry;
const { IPPROTO_TCP, IPPROTO_UDP, LAYER_DNS, LAYER_HTTP, LAYER_TCP, LAYER_UDP } = packetConsts;

// The port sets of registry.ts as compares (a Set lookup per packet costs more than the whole test);
// checked against the sets once at load so the two cannot drift apart.
function isDnsUdpPort(port: number): boolean {
  return port === 53 || port === 5353 || port === 5355;
}
if (DNS_UDP_PORTS.size !== 3 || ![...DNS_UDP_PORTS].every(isDnsUdpPort) || DNS_TCP_PORTS.size !== 1 || !DNS_TCP_PORTS.has(53)) {
  throw new Error('decode-packet.ts: DNS port compares out of date with registry.ts');
}

/** The application layer: DNS on its well-known ports, HTTP by content on any TCP port. */
function decodeApplication(p: Packet): void {
  const off = p.payloadOff;
  const end = off + p.payloadLen;
  if (p.payloadLen === 0) return;
  const b = p.data;
  if ((p.layers & LAYER_UDP) !== 0) {
    if (isDnsUdpPort(p.dstPort) || isDnsUdpPort(p.srcPort)) {
      p.dns = decodeDns(b, off, end, p.events, p.dnsView);
      if (p.dns !== null) p.layers |= LAYER_DNS;
    }
    return;
  }
  if ((p.layers & LAYER_TCP) === 0) return;
  if (p.dstPort === 53 || p.srcPort === 53) {
    p.dns = decodeDnsTcp(b, off, end, p.events, p.dnsView);
    if (p.dns !== null) {
      p.layers |= LAYER_DNS;
      return;
    }
  }
  // A few byte compares decide "not HTTP" for most segments before any string is made.
  const kind = httpStart(b, off, end);
  if (kind !== -1) {
    p.http = decodeHttp(b, off, end, p.events, kind, p.httpHead);
    if (p.http !== null) p.layers |= LAYER_HTTP;
  }
}

/**
 * Decodes `raw` (frame number `n`) into `out` and returns it. Every layer that parses is kept; a short or
 * malformed header records a decode event and stops there. With a Reassembler, IP fragments are put
 * back together and the fragment that completes a datagram carries its transport layer. `application`
 * false stops after the transport layer (no DNS or HTTP): for callers that want a frame's addresses and
 * ports only.
 */
export function decodePacket(raw: RawPacket, n: number, out: Packet, reasm: Reassembler | null, application = true): Packet {
  const p = out;
  p.resetDecoded();
  p.n = n;
  p.ts = raw.ts;
  p.len = raw.len;
  p.caplen = raw.caplen;
  p.linkType = raw.linkType;
  p.ifIndex = raw.ifIndex;
  // The frame is d[off, off + caplen) of the source's buffer, and every offset below is into that
  // buffer: no view is made per packet. Decoders stop at the `end` they are given, never at d.length.
  const d = raw.data;
  const off = raw.off;
  const end = off + raw.caplen;
  p.frame = d;
  p.frameOff = off;
  p.setData(d);
  // The common cases are called directly (monomorphic calls the compiler can inline); everything else
  // goes through the registry's tables, which hold the same functions (checked at load, below).
  if (raw.linkType === LINKTYPE_ETHERNET) {
    if (!decodeEthernet(p, off, end)) return p;
  } else {
    const link = LINK_DECODERS.get(raw.linkType);
    if (link === undefined) {
      p.events.push(EV_LINK_UNKNOWN_LINKTYPE);
      return p;
    }
    if (!link(p, off, end)) return p;
  }
  const et = p.etherType;
  let ok: boolean;
  if (et === ETHERTYPE_IPV4) ok = decodeIpv4(p, p.payloadOff, p.payloadOff + p.payloadLen, reasm);
  else if (et === ETHERTYPE_IPV6) ok = decodeIpv6(p, p.payloadOff, p.payloadOff + p.payloadLen, reasm);
  else {
    const net = ETHERTYPE_DECODERS.get(et);
    if (net === undefined) return p;
    ok = net(p, p.payloadOff, p.payloadOff + p.payloadLen, reasm);
  }
  if (!ok) return p;
  const proto = p.ipProto;
  if (proto === IPPROTO_TCP) ok = decodeTcp(p, p.payloadOff, p.payloadOff + p.payloadLen);
  else if (proto === IPPROTO_UDP) ok = decodeUdp(p, p.payloadOff, p.payloadOff + p.payloadLen);
  else {
    const tr = IPPROTO_DECODERS[proto];
    if (tr === undefined) return p;
    ok = tr(p, p.payloadOff, p.payloadOff + p.payloadLen);
  }
  if (!ok) return p;
  if (application) decodeApplication(p);
  return p;
}

if (
  LINK_DECODERS.get(LINKTYPE_ETHERNET) !== decodeEthernet ||
  ETHERTYPE_DECODERS.get(ETHERTYPE_IPV4) !== decodeIpv4 ||
  ETHERTYPE_DECODERS.get(ETHERTYPE_IPV6) !== decodeIpv6 ||
  IPPROTO_DECODERS[IPPROTO_TCP] !== decodeTcp ||
  IPPROTO_DECODERS[IPPROTO_UDP] !== decodeUdp
) {
  throw new Error('decode-packet.ts: direct calls out of date with registry.ts');
}
