// Dispatch tables, kept together as data (gopacket's enums.go/ports.go): link type -> link decoder,
// EtherType -> network decoder, IP protocol -> transport decoder, well-known ports -> DNS. Adding a
// protocol is one file and one line here.
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type Packet } from './packet.js';
import { EV_LINK_IP_VERSION_MISMATCH, EV_RAW_BAD_VERSION } from './events.js';
import { setPayload } from './bytes.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethertypes.js';
import { decodeEthernet } from './ethernet.js';
import { decodeSll, decodeSll2 } from './sll.js';
import { decodeLoop, decodeNull } from './null-loopback.js';
import { decodeArp } from './arp.js';
import { decodePppoeSession, ETHERTYPE_PPPOE_SESSION } from './pppoe.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeTcp } from './tcp.js';
import { decodeUdp } from './udp.js';
import { decodeIcmp } from './icmp.js';
import { decodeIcmpv6 } from './icmpv6.js';
import type { Reassembler } from './reassembly.js';

/** Reads one header at `off` (bytes end at `end`), fills the packet, sets payloadOff/payloadLen; false stops. */
export type LayerDecoder = (p: Packet, off: number, end: number) => boolean;
export type NetworkDecoder = (p: Packet, off: number, end: number, reasm: Reassembler | null) => boolean;

// libpcap LINKTYPE_* values (https://www.tcpdump.org/linktypes.html); the same numbers as in
// capture/types.ts, repeated here because decode/ depends on nothing else of ours.
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW as numbered on some BSDs, seen in old captures. */
export const LINKTYPE_RAW_OLD_12 = 12;
export const LINKTYPE_RAW_OLD_14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

/** Raw IP (no link header): the version nibble says IPv4 or IPv6. */
function decodeRawIp(p: Packet, off: number, end: number): boolean {
  if (end - off < 1) {
    p.events.push(EV_RAW_BAD_VERSION);
    return false;
  }
  const v = p.data[off] >> 4;
  if (v === 4) p.etherType = ETHERTYPE_IPV4;
  else if (v === 6) p.etherType = ETHERTYPE_IPV6;
  else {
    p.events.push(EV_RAW_BAD_VERSION);
    return false;
  }
  // LINKTYPE_IPV4/IPV6 promise one version; a mismatch is decoded by its real version and reported.
  if ((p.linkType === LINKTYPE_IPV4 && v !== 4) || (p.linkType === LINKTYPE_IPV6 && v !== 6)) p.events.push(EV_LINK_IP_VERSION_MISMATCH);
  return setPayload(p, off, end);
}

export const LINK_DECODERS = new Map<number, LayerDecoder>([
  [LINKTYPE_ETHERNET, decodeEthernet],
  [LINKTYPE_NULL, decodeNull],
  [LINKTYPE_LOOP, decodeLoop],
  [LINKTYPE_RAW, decodeRawIp],
  [LINKTYPE_RAW_OLD_12, decodeRawIp],
  [LINKTYPE_RAW_OLD_14, decodeRawIp],
  [LINKTYPE_IPV4, decodeRawIp],
  [LINKTYPE_IPV6, decodeRawIp],
  [LINKTYPE_LINUX_SLL, decodeSll],
  [LINKTYPE_LINUX_SLL2, decodeSll2],
]);

export const ETHERTYPE_DECODERS = new Map<number, NetworkDecoder>([
  [ETHERTYPE_IPV4, decodeIpv4],
  [ETHERTYPE_IPV6, decodeIpv6],
  [ETHERTYPE_ARP, decodeArp],
  [ETHERTYPE_PPPOE_SESSION, decodePppoeSession],
]);

/** Indexed by IP protocol number (after IPv6 extension headers). */
export const IPPROTO_DECODERS: Array<LayerDecoder | undefined> = new Array<LayerDecoder | undefined>(256);
IPPROTO_DECODERS[IPPROTO_TCP] = decodeTcp;
IPPROTO_DECODERS[IPPROTO_UDP] = decodeUdp;
IPPROTO_DECODERS[IPPROTO_ICMP] = decodeIcmp;
IPPROTO_DECODERS[IPPROTO_ICMPV6] = decodeIcmpv6;

/** DNS (53), multicast DNS (5353, RFC 6762) and LLMNR (5355, RFC 4795) share the DNS message format. */
export const DNS_UDP_PORTS: ReadonlySet<number> = new Set([53, 5353, 5355]);
/** DNS over TCP, with its 2-byte length prefix. */
export const DNS_TCP_PORTS: ReadonlySet<number> = new Set([53]);
