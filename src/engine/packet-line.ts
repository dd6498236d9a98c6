// One decoded packet as a line of a packet list (the dashboard's feed, the menu, an alert's packets).
import { formatIp, packetSummary, LAYER_ICMP, LAYER_ICMPV6, LAYER_TCP, LAYER_UDP, type Packet } from '../decode/index.js';
import type { PacketLine } from './types.js';

export function packetLine(p: Packet, n: number, ts: number, len: number): PacketLine {
  const s = packetSummary(p);
  let transport: string | undefined;
  if (p.layers & LAYER_TCP) transport = 'TCP';
  else if (p.layers & LAYER_UDP) transport = 'UDP';
  else if (p.layers & LAYER_ICMP) transport = 'ICMP';
  else if (p.layers & LAYER_ICMPV6) transport = 'ICMPv6';
  return {
    n,
    ts,
    proto: s.proto,
    transport,
    src: p.ipVersion ? formatIp(p.ipSrc) : p.arpOp ? formatIp(p.arpSenderIp) : '',
    srcPort: p.srcPort,
    dst: p.ipVersion ? formatIp(p.ipDst) : p.arpOp ? formatIp(p.arpTargetIp) : '',
    dstPort: p.dstPort,
    len,
    info: s.info,
  };
}
