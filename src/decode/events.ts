// Decode event names: the dotted lowercase names a decoder records on Packet.events instead of throwing
// (the Suricata decode-events.c idea). Detectors turn them into DECODE_ANOMALY alerts.

export const EV_LINK_UNKNOWN_LINKTYPE = 'decode.link.unknown_linktype';
export const EV_ETH_TOO_SHORT = 'decode.ethernet.header_too_short';
export const EV_VLAN_TOO_SHORT = 'decode.vlan.header_too_short';
export const EV_VLAN_TOO_MANY = 'decode.vlan.too_many_tags';
export const EV_SLL_TOO_SHORT = 'decode.sll.header_too_short';
export const EV_PPPOE_TOO_SHORT = 'decode.pppoe.header_too_short';
export const EV_NULL_TOO_SHORT = 'decode.null.header_too_short';
export const EV_NULL_UNKNOWN_FAMILY = 'decode.null.unknown_family';
export const EV_RAW_BAD_VERSION = 'decode.raw.bad_ip_version';
export const EV_LINK_IP_VERSION_MISMATCH = 'decode.link.ip_version_mismatch';

export const EV_ARP_TOO_SHORT = 'decode.arp.header_too_short';
export const EV_ARP_UNSUPPORTED = 'decode.arp.unsupported_hardware_or_protocol';

export const EV_IPV4_TOO_SHORT = 'decode.ipv4.header_too_short';
export const EV_IPV4_BAD_VERSION = 'decode.ipv4.bad_version';
export const EV_IPV4_BAD_IHL = 'decode.ipv4.bad_header_length';
export const EV_IPV4_BAD_TOTAL_LEN = 'decode.ipv4.bad_total_length';
export const EV_IPV4_TRUNCATED = 'decode.ipv4.truncated';
export const EV_IPV4_BAD_CHECKSUM = 'decode.ipv4.bad_checksum';
export const EV_IPV4_BAD_OPTION = 'decode.ipv4.bad_option';
export const EV_IPV4_FRAG_OVERLAP = 'decode.ipv4.frag_overlap';
export const EV_IPV4_FRAG_TOO_LARGE = 'decode.ipv4.frag_too_large';
export const EV_IPV4_FRAG_LIMIT = 'decode.ipv4.frag_limit_reached';

export const EV_IPV6_TOO_SHORT = 'decode.ipv6.header_too_short';
export const EV_IPV6_BAD_VERSION = 'decode.ipv6.bad_version';
export const EV_IPV6_TRUNCATED = 'decode.ipv6.truncated';
export const EV_IPV6_EXTHDR_TOO_SHORT = 'decode.ipv6.exthdr_too_short';
export const EV_IPV6_TOO_MANY_EXTHDRS = 'decode.ipv6.too_many_exthdrs';
export const EV_IPV6_FRAG_OVERLAP = 'decode.ipv6.frag_overlap';
export const EV_IPV6_FRAG_TOO_LARGE = 'decode.ipv6.frag_too_large';
export const EV_IPV6_FRAG_LIMIT = 'decode.ipv6.frag_limit_reached';

export const EV_TCP_TOO_SHORT = 'decode.tcp.header_too_short';
export const EV_TCP_BAD_OFFSET = 'decode.tcp.bad_data_offset';
export const EV_TCP_OPT_TRUNCATED = 'decode.tcp.option_truncated';
export const EV_UDP_TOO_SHORT = 'decode.udp.header_too_short';
export const EV_UDP_BAD_LENGTH = 'decode.udp.bad_length';
export const EV_ICMP_TOO_SHORT = 'decode.icmp.header_too_short';
export const EV_ICMP_QUOTE_TOO_SHORT = 'decode.icmp.quoted_header_too_short';
export const EV_ICMPV6_TOO_SHORT = 'decode.icmpv6.header_too_short';
export const EV_ICMPV6_QUOTE_TOO_SHORT = 'decode.icmpv6.quoted_header_too_short';

export const EV_DNS_TOO_SHORT = 'decode.dns.header_too_short';
export const EV_DNS_TRUNCATED = 'decode.dns.truncated';
export const EV_DNS_POINTER_LOOP = 'decode.dns.pointer_loop';
export const EV_DNS_FORWARD_POINTER = 'decode.dns.forward_pointer';
export const EV_DNS_BAD_LABEL_TYPE = 'decode.dns.bad_label_type';
export const EV_DNS_NAME_TOO_LONG = 'decode.dns.name_too_long';
export const EV_DNS_TOO_MANY_LABELS = 'decode.dns.too_many_labels';
export const EV_DNS_TOO_MANY_POINTERS = 'decode.dns.too_many_pointers';
export const EV_DNS_TOO_MANY_RECORDS = 'decode.dns.too_many_records';

export const EV_HTTP_HEADER_TOO_LONG = 'decode.http.header_too_long';
export const EV_HTTP_TOO_MANY_HEADERS = 'decode.http.too_many_headers';
export const EV_HTTP_BAD_CONTENT_LENGTH = 'decode.http.bad_content_length';

/** Every decode event name, for documentation and for detectors that list them. */
export const DECODE_EVENTS: readonly string[] = [
  EV_LINK_UNKNOWN_LINKTYPE, EV_ETH_TOO_SHORT, EV_VLAN_TOO_SHORT, EV_VLAN_TOO_MANY,
  EV_SLL_TOO_SHORT, EV_PPPOE_TOO_SHORT, EV_NULL_TOO_SHORT, EV_NULL_UNKNOWN_FAMILY, EV_RAW_BAD_VERSION, EV_LINK_IP_VERSION_MISMATCH,
  EV_ARP_TOO_SHORT, EV_ARP_UNSUPPORTED,
  EV_IPV4_TOO_SHORT, EV_IPV4_BAD_VERSION, EV_IPV4_BAD_IHL, EV_IPV4_BAD_TOTAL_LEN, EV_IPV4_TRUNCATED,
  EV_IPV4_BAD_CHECKSUM, EV_IPV4_BAD_OPTION, EV_IPV4_FRAG_OVERLAP, EV_IPV4_FRAG_TOO_LARGE, EV_IPV4_FRAG_LIMIT,
  EV_IPV6_TOO_SHORT, EV_IPV6_BAD_VERSION, EV_IPV6_TRUNCATED, EV_IPV6_EXTHDR_TOO_SHORT, EV_IPV6_TOO_MANY_EXTHDRS,
  EV_IPV6_FRAG_OVERLAP, EV_IPV6_FRAG_TOO_LARGE, EV_IPV6_FRAG_LIMIT,
  EV_TCP_TOO_SHORT, EV_TCP_BAD_OFFSET, EV_TCP_OPT_TRUNCATED, EV_UDP_TOO_SHORT, EV_UDP_BAD_LENGTH,
  EV_ICMP_TOO_SHORT, EV_ICMP_QUOTE_TOO_SHORT, EV_ICMPV6_TOO_SHORT, EV_ICMPV6_QUOTE_TOO_SHORT,
  EV_DNS_TOO_SHORT, EV_DNS_TRUNCATED, EV_DNS_POINTER_LOOP, EV_DNS_FORWARD_POINTER, EV_DNS_BAD_LABEL_TYPE,
  EV_DNS_NAME_TOO_LONG, EV_DNS_TOO_MANY_LABELS, EV_DNS_TOO_MANY_POINTERS, EV_DNS_TOO_MANY_RECORDS,
  EV_HTTP_HEADER_TOO_LONG, EV_HTTP_TOO_MANY_HEADERS, EV_HTTP_BAD_CONTENT_LENGTH,
];

/** Adds an event to the packet once (a malformed packet should not list the same event many times). */
export function pushEvent(events: string[], name: string): void {
  for (let i = 0; i < events.length; i++) if (events[i] === name) return;
  events.push(name);
}
