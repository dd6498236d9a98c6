// The dashboard's protocol filter (ALL, TCP, UDP, ICMP), cycled with `f`, applied to the packet feed
// and the connections panel.

export const PROTO_FILTERS = ['ALL', 'TCP', 'UDP', 'ICMP'] as const;
export type ProtoFilter = (typeof PROTO_FILTERS)[number];

export function nextFilter(f: ProtoFilter): ProtoFilter {
  return PROTO_FILTERS[(PROTO_FILTERS.indexOf(f) + 1) % PROTO_FILTERS.length];
}

/**
 * The transport under an application protocol name, for feed lines that name the application
 * ("DNS", "HTTP") and carry no `transport` of their own. DNS is counted as UDP, its usual carrier.
 */
const TRANSPORT_OF: Record<string, string> = {
  TCP: 'TCP',
  HTTP: 'TCP',
  HTTPS: 'TCP',
  TLS: 'TCP',
  SSH: 'TCP',
  UDP: 'UDP',
  DNS: 'UDP',
  MDNS: 'UDP',
  DHCP: 'UDP',
  NTP: 'UDP',
  ICMP: 'ICMP',
  ICMPV6: 'ICMP',
};

/** True when a line with this protocol (and optional explicit transport) passes the filter. */
export function passesFilter(filter: ProtoFilter, proto: string, transport?: string): boolean {
  if (filter === 'ALL') return true;
  const p = (transport ?? proto).toUpperCase();
  const t = TRANSPORT_OF[p] ?? p;
  return t === filter;
}
