// The decoder's public surface: decodePacket, the reassembler, formatting for output, event names,
// and the packet struct and address helpers everything downstream reads.
export * from './packet.js';
export * from './addr.js';
export * from './events.js';
export { decodePacket } from './decode-packet.js';
export { Reassembler, MAX_DATAGRAM, type ReassemblerOptions } from './reassembly.js';
export { packetToJson, packetSummary, protoName, tcpFlagsText, isoTime } from './format.js';
export { dnsTypeName, decodeDns, decodeDnsFull, decodeDnsTcp, DnsView, keepDns, plainDns, readName } from './dns.js';
export { decodeHttp, httpStart, plainHttp, HttpHead } from './http.js';
export { LINK_DECODERS, ETHERTYPE_DECODERS, IPPROTO_DECODERS, DNS_UDP_PORTS, DNS_TCP_PORTS } from './registry.js';
export { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethertypes.js';
