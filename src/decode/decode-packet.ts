// The decode driver: walks link -> network -> transport -> application through the registry's dispatch
// tables, filling one reused Packet. Never throws on packet bytes; allocates nothing for the common layers.
import type { RawPacket } from '../capture/types.js';
import { LAYER_DNS, LAYER_HTTP, LAYER_TCP, LAYER_UDP, type Packet } from './packet.js';
import { EV_LINK_UNKNOWN_LINKTYPE } from './events.js';
import { DNS_TCP_PORTS, DNS_UDP_PORTS, ETHERTYPE_DECODERS, IPPROTO_DECODERS, LINK_DECODERS } from './registry.js';
import { decodeDns, decodeDnsTcp } from './dns.js';
import { decodeHttp, httpStart } from './http.js';
import type { Reassembler } from './reassembly.js';

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
      p.dns = decodeDns(b, off, end, p.events);
      if (p.dns !== null) p.layers |= LAYER_DNS;
    }
    return;
  }
  if ((p.layers & LAYER_TCP) === 0) return;
  if (p.dstPort === 53 || p.srcPort === 53) {
    p.dns = decodeDnsTcp(b, off, end, p.events);
    if (p.dns !== null) {
      p.layers |= LAYER_DNS;
      return;
    }
  }
  // A few byte compares decide "not HTTP" for most segments before any string is made.
  const kind = httpStart(b, off, end);
  if (kind !== -1) {
    p.http = decodeHttp(b, off, end, p.events, kind);
    if (p.http !== null) p.layers |= LAYER_HTTP;
  }
}

/**
 * Decodes `raw` (frame number `n`) into `out` and returns it. Every layer that parses is kept; a short or
 * malformed header records a decode event and stops there. With a Reassembler, IP fragments are put
 * back together and the fragment that completes a datagram carries its transport layer.
 */
export function decodePacket(raw: RawPacket, n: number, out: Packet, reasm: Reassembler | null): Packet {
  const p = out;
  p.reset();
  p.n = n;
  p.ts = raw.ts;
  p.len = raw.len;
  p.caplen = raw.caplen;
  p.linkType = raw.linkType;
  p.ifIndex = raw.ifIndex;
  const d = raw.data;
  p.frame = d;
  p.data = d;
  const link = LINK_DECODERS.get(raw.linkType);
  if (link === undefined) {
    p.events.push(EV_LINK_UNKNOWN_LINKTYPE);
    return p;
  }
  if (!link(p, 0, d.length)) return p;
  const net = ETHERTYPE_DECODERS.get(p.etherType);
  if (net === undefined) return p;
  if (!net(p, p.payloadOff, p.payloadOff + p.payloadLen, reasm)) return p;
  const tr = IPPROTO_DECODERS[p.ipProto];
  if (tr === undefined) return p;
  if (!tr(p, p.payloadOff, p.payloadOff + p.payloadLen)) return p;
  decodeApplication(p);
  return p;
}
