// The EVE `stats` record (Suricata's stats event: uptime, capture, decoder and flow counters, under
// the names of Suricata's etc/schema.json "stats" object), written every outputs.eve.stats_interval
// seconds of packet time and once at exit.
import {
  LAYER_ARP, LAYER_ICMP, LAYER_ICMPV6, LAYER_IPV4, LAYER_IPV6, LAYER_TCP, LAYER_UDP, LAYER_VLAN, type Packet,
} from '../../decode/packet.js';
import {
  LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_LOOP, LINKTYPE_NULL, LINKTYPE_RAW, LINKTYPE_RAW_OLD_12, LINKTYPE_RAW_OLD_14,
} from '../../decode/registry.js';
import type { CaptureStats } from '../../capture/types.js';

/** Kernel counters of a live capture (pcap_stats), as the capture source reports them. */
export type CaptureCounters = CaptureStats;

/** Flow table counters: flows created since start, and flows in the table now. */
export interface FlowCounters {
  total: number;
  active: number;
}

/** Link types counted as Suricata's decoder.raw: IP with no link header. */
const LINK_RAW = new Set([LINKTYPE_RAW_OLD_12, LINKTYPE_RAW_OLD_14, LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6]);

/** Decoder counters of every packet the sink is shown (Suricata's decoder.* names). */
export class DecoderCounters {
  pkts = 0;
  bytes = 0;
  invalid = 0;
  ethernet = 0;
  null = 0;
  sll = 0;
  sll2 = 0;
  raw = 0;
  vlan = 0;
  arp = 0;
  ipv4 = 0;
  ipv6 = 0;
  tcp = 0;
  udp = 0;
  icmpv4 = 0;
  icmpv6 = 0;
  maxPktSize = 0;

  count(p: Packet): void {
    this.pkts++;
    this.bytes += p.len;
    if (p.len > this.maxPktSize) this.maxPktSize = p.len;
    if (p.events.length > 0) this.invalid++;
    const lt = p.linkType;
    if (lt === LINKTYPE_ETHERNET) this.ethernet++;
    else if (lt === LINKTYPE_LINUX_SLL) this.sll++;
    else if (lt === LINKTYPE_LINUX_SLL2) this.sll2++;
    else if (lt === LINKTYPE_NULL || lt === LINKTYPE_LOOP) this.null++;
    else if (LINK_RAW.has(lt)) this.raw++;
    const l = p.layers;
    if (l & LAYER_VLAN) this.vlan++;
    if (l & LAYER_ARP) this.arp++;
    if (l & LAYER_IPV4) this.ipv4++;
    if (l & LAYER_IPV6) this.ipv6++;
    if (l & LAYER_TCP) this.tcp++;
    if (l & LAYER_UDP) this.udp++;
    if (l & LAYER_ICMP) this.icmpv4++;
    if (l & LAYER_ICMPV6) this.icmpv6++;
  }

  /** The decoder object of the stats record. */
  toEve(): Record<string, number> {
    return {
      pkts: this.pkts,
      bytes: this.bytes,
      invalid: this.invalid,
      ipv4: this.ipv4,
      ipv6: this.ipv6,
      ethernet: this.ethernet,
      arp: this.arp,
      raw: this.raw,
      null: this.null,
      sll: this.sll,
      sll2: this.sll2,
      tcp: this.tcp,
      udp: this.udp,
      icmpv4: this.icmpv4,
      icmpv6: this.icmpv6,
      vlan: this.vlan,
      avg_pkt_size: this.pkts ? Math.floor(this.bytes / this.pkts) : 0,
      max_pkt_size: this.maxPktSize,
    };
  }
}

/**
 * The stats object: uptime (whole seconds of packet time since the first packet), capture (only when
 * the source reports kernel counters), decoder, and flow (when the caller has the flow table's counters).
 */
export function statsObject(uptimeS: number, decoder: DecoderCounters, flows: FlowCounters | null, capture: CaptureCounters | null): Record<string, unknown> {
  const stats: Record<string, unknown> = { uptime: Math.max(0, Math.floor(uptimeS)) };
  if (capture) {
    const c: Record<string, number> = { kernel_packets: capture.kernel_packets, kernel_drops: capture.kernel_drops };
    if (capture.kernel_ifdrops !== undefined) c.kernel_ifdrops = capture.kernel_ifdrops;
    stats.capture = c;
  }
  stats.decoder = decoder.toEve();
  if (flows) stats.flow = { total: flows.total, active: flows.active };
  return stats;
}
